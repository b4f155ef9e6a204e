"""Assessment: the person file, pure calculators, diary intake and the person assessment (L1).

Calculators are keyword-only, take :class:`mgir.units.Quantity` inputs, validate them and return
immutable results with a value, unit, interpretation and source keys. The published formulas on
plain floats and arrays are in :mod:`mgir.assessment.formulas`.
"""

from __future__ import annotations

from mgir.assessment import formulas as formulas
from mgir.assessment._assess import Assessment as Assessment
from mgir.assessment._assess import Glycaemia as Glycaemia
from mgir.assessment._assess import GlycaemicReading as GlycaemicReading
from mgir.assessment._assess import KidneyFunction as KidneyFunction
from mgir.assessment._assess import LabChange as LabChange
from mgir.assessment._assess import MagnesiumStatus as MagnesiumStatus
from mgir.assessment._assess import Requirements as Requirements
from mgir.assessment._assess import assess as assess
from mgir.assessment._assess import homa_caveats as homa_caveats
from mgir.assessment._assess import lab_changes as lab_changes
from mgir.assessment._calculators import egfr_bedside_schwartz as egfr_bedside_schwartz
from mgir.assessment._calculators import egfr_ckd_epi_2021 as egfr_ckd_epi_2021
from mgir.assessment._calculators import fe_magnesium as fe_magnesium
from mgir.assessment._calculators import free_androgen_index as free_androgen_index
from mgir.assessment._calculators import homa_beta as homa_beta
from mgir.assessment._calculators import homa_ir as homa_ir
from mgir.assessment._calculators import matsuda as matsuda
from mgir.assessment._calculators import quicki as quicki
from mgir.assessment._calculators import tyg as tyg
from mgir.assessment._intake import DayIntake as DayIntake
from mgir.assessment._intake import DietaryIntake as DietaryIntake
from mgir.assessment._intake import EntryIntake as EntryIntake
from mgir.assessment._intake import FoodContribution as FoodContribution
from mgir.assessment._intake import IntakeResult as IntakeResult
from mgir.assessment._intake import diary_intake as diary_intake
from mgir.assessment._intake import dietary_intake as dietary_intake
from mgir.assessment._intake import intake_below_ear as intake_below_ear
from mgir.assessment._intake import parse_diary_csv as parse_diary_csv
from mgir.assessment._person import CONDITIONS as CONDITIONS
from mgir.assessment._person import DietEntry as DietEntry
from mgir.assessment._person import LabValue as LabValue
from mgir.assessment._person import OgttPoint as OgttPoint
from mgir.assessment._person import Person as Person
from mgir.assessment._person import PersonFile as PersonFile
from mgir.assessment._person import SupplementEntry as SupplementEntry
from mgir.assessment._person import parse_person as parse_person
from mgir.assessment._results import CalculatorResult as CalculatorResult
from mgir.assessment._results import CutoffUsed as CutoffUsed
from mgir.assessment._results import IndexResult as IndexResult
from mgir.assessment._results import Notice as Notice
from mgir.assessment._table import NHANES_COLUMNS as NHANES_COLUMNS
from mgir.assessment._table import TABLE_OUTPUT_COLUMNS as TABLE_OUTPUT_COLUMNS
from mgir.assessment._table import assess_table as assess_table
from mgir.assessment._table import lab_column_names as lab_column_names

__all__ = [
    "CONDITIONS",
    "NHANES_COLUMNS",
    "TABLE_OUTPUT_COLUMNS",
    "Assessment",
    "CalculatorResult",
    "CutoffUsed",
    "DayIntake",
    "DietEntry",
    "DietaryIntake",
    "EntryIntake",
    "FoodContribution",
    "Glycaemia",
    "GlycaemicReading",
    "IndexResult",
    "IntakeResult",
    "KidneyFunction",
    "LabChange",
    "LabValue",
    "MagnesiumStatus",
    "Notice",
    "OgttPoint",
    "Person",
    "PersonFile",
    "Requirements",
    "SupplementEntry",
    "assess",
    "assess_table",
    "diary_intake",
    "dietary_intake",
    "egfr_bedside_schwartz",
    "egfr_ckd_epi_2021",
    "fe_magnesium",
    "formulas",
    "free_androgen_index",
    "homa_beta",
    "homa_caveats",
    "homa_ir",
    "intake_below_ear",
    "lab_changes",
    "lab_column_names",
    "matsuda",
    "parse_diary_csv",
    "parse_person",
    "quicki",
    "tyg",
]
