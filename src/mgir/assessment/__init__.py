"""Assessment: pure calculators and the person assessment (layer L1).

Calculators are keyword-only, take :class:`mgir.units.Quantity` inputs, validate them and return
immutable results with a value, unit, interpretation and source keys.
"""

from __future__ import annotations

from mgir.assessment._assess import Assessment as Assessment
from mgir.assessment._assess import KidneyFunction as KidneyFunction
from mgir.assessment._assess import MagnesiumStatus as MagnesiumStatus
from mgir.assessment._assess import Requirements as Requirements
from mgir.assessment._assess import assess as assess
from mgir.assessment._calculators import egfr_ckd_epi_2021 as egfr_ckd_epi_2021
from mgir.assessment._calculators import fe_magnesium as fe_magnesium
from mgir.assessment._calculators import free_androgen_index as free_androgen_index
from mgir.assessment._calculators import homa_beta as homa_beta
from mgir.assessment._calculators import homa_ir as homa_ir
from mgir.assessment._calculators import matsuda as matsuda
from mgir.assessment._calculators import quicki as quicki
from mgir.assessment._calculators import tyg as tyg
from mgir.assessment._person import CONDITIONS as CONDITIONS
from mgir.assessment._person import DietEntry as DietEntry
from mgir.assessment._person import LabValue as LabValue
from mgir.assessment._person import OgttPoint as OgttPoint
from mgir.assessment._person import Person as Person
from mgir.assessment._person import SupplementEntry as SupplementEntry
from mgir.assessment._person import parse_person as parse_person
from mgir.assessment._results import CalculatorResult as CalculatorResult
from mgir.assessment._results import IndexResult as IndexResult
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
    "DietEntry",
    "IndexResult",
    "KidneyFunction",
    "LabValue",
    "MagnesiumStatus",
    "OgttPoint",
    "Person",
    "Requirements",
    "SupplementEntry",
    "assess",
    "assess_table",
    "egfr_ckd_epi_2021",
    "fe_magnesium",
    "free_androgen_index",
    "homa_beta",
    "homa_ir",
    "lab_column_names",
    "matsuda",
    "parse_person",
    "quicki",
    "tyg",
]
