"""Reference data: packaged tables with provenance and their typed loaders (layer L0)."""

from __future__ import annotations

from mgir.reference._foods import Food as Food
from mgir.reference._foods import FoodMatch as FoodMatch
from mgir.reference._foods import Portion as Portion
from mgir.reference._foods import food as food
from mgir.reference._foods import food_grams as food_grams
from mgir.reference._foods import foods as foods
from mgir.reference._foods import resolve_food as resolve_food
from mgir.reference._foods import search_foods as search_foods
from mgir.reference._policy import IndexCaveat as IndexCaveat
from mgir.reference._policy import MonitoringRule as MonitoringRule
from mgir.reference._policy import NamedValue as NamedValue
from mgir.reference._policy import formula_constant as formula_constant
from mgir.reference._policy import glycaemic_categories as glycaemic_categories
from mgir.reference._policy import index_caveats as index_caveats
from mgir.reference._policy import monitoring_rules as monitoring_rules
from mgir.reference._policy import policy as policy
from mgir.reference._policy import preferred_dose_times as preferred_dose_times
from mgir.reference._requirements import MagnesiumDri as MagnesiumDri
from mgir.reference._requirements import eu_supplement_ul_mg_per_day as eu_supplement_ul_mg_per_day
from mgir.reference._requirements import life_stage_ages_years as life_stage_ages_years
from mgir.reference._requirements import magnesium_dri as magnesium_dri
from mgir.reference._safety import Contraindication as Contraindication
from mgir.reference._safety import Interaction as Interaction
from mgir.reference._safety import MedicationCheck as MedicationCheck
from mgir.reference._safety import check_medications as check_medications
from mgir.reference._safety import contraindications as contraindications
from mgir.reference._safety import find_interactions as find_interactions
from mgir.reference._safety import interactions as interactions
from mgir.reference._salts import MG_G_PER_MOL as MG_G_PER_MOL
from mgir.reference._salts import Salt as Salt
from mgir.reference._salts import SaltMatch as SaltMatch
from mgir.reference._salts import elemental_to_salt as elemental_to_salt
from mgir.reference._salts import mg_to_mmol as mg_to_mmol
from mgir.reference._salts import mmol_to_mg as mmol_to_mg
from mgir.reference._salts import resolve_salt as resolve_salt
from mgir.reference._salts import salt as salt
from mgir.reference._salts import salt_to_elemental as salt_to_elemental
from mgir.reference._salts import salts as salts
from mgir.reference._sources import Source as Source
from mgir.reference._sources import cite as cite
from mgir.reference._sources import source as source
from mgir.reference._sources import sources as sources
from mgir.reference._tables import EVIDENCE_LEVELS as EVIDENCE_LEVELS
from mgir.reference._tables import ColumnMeta as ColumnMeta
from mgir.reference._tables import Table as Table
from mgir.reference._tables import data_text as data_text
from mgir.reference._tables import load_table as load_table
from mgir.reference._tables import table_names as table_names
from mgir.reference._thresholds import Band as Band
from mgir.reference._thresholds import IndexCutoff as IndexCutoff
from mgir.reference._thresholds import band_for as band_for
from mgir.reference._thresholds import egfr_categories as egfr_categories
from mgir.reference._thresholds import index_cutoff as index_cutoff
from mgir.reference._thresholds import index_cutoffs as index_cutoffs
from mgir.reference._thresholds import magnesium_marker_bands as magnesium_marker_bands
from mgir.reference._thresholds import serum_magnesium_bands as serum_magnesium_bands
from mgir.reference._variability import LabVariability as LabVariability
from mgir.reference._variability import lab_variability as lab_variability

__all__ = [
    "EVIDENCE_LEVELS",
    "MG_G_PER_MOL",
    "Band",
    "ColumnMeta",
    "Contraindication",
    "Food",
    "FoodMatch",
    "IndexCaveat",
    "IndexCutoff",
    "Interaction",
    "LabVariability",
    "MagnesiumDri",
    "MedicationCheck",
    "MonitoringRule",
    "NamedValue",
    "Portion",
    "Salt",
    "SaltMatch",
    "Source",
    "Table",
    "band_for",
    "check_medications",
    "cite",
    "contraindications",
    "data_text",
    "egfr_categories",
    "elemental_to_salt",
    "eu_supplement_ul_mg_per_day",
    "find_interactions",
    "food",
    "food_grams",
    "foods",
    "formula_constant",
    "glycaemic_categories",
    "index_caveats",
    "index_cutoff",
    "index_cutoffs",
    "interactions",
    "lab_variability",
    "life_stage_ages_years",
    "load_table",
    "magnesium_dri",
    "magnesium_marker_bands",
    "mg_to_mmol",
    "mmol_to_mg",
    "monitoring_rules",
    "policy",
    "preferred_dose_times",
    "resolve_food",
    "resolve_salt",
    "salt",
    "salt_to_elemental",
    "salts",
    "search_foods",
    "serum_magnesium_bands",
    "source",
    "sources",
    "table_names",
]
