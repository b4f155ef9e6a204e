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
from mgir.reference._sources import Source as Source
from mgir.reference._sources import cite as cite
from mgir.reference._sources import source as source
from mgir.reference._sources import sources as sources
from mgir.reference._tables import EVIDENCE_LEVELS as EVIDENCE_LEVELS
from mgir.reference._tables import ColumnMeta as ColumnMeta
from mgir.reference._tables import Table as Table
from mgir.reference._tables import load_table as load_table
from mgir.reference._tables import table_names as table_names

__all__ = [
    "EVIDENCE_LEVELS",
    "ColumnMeta",
    "Food",
    "FoodMatch",
    "Portion",
    "Source",
    "Table",
    "cite",
    "food",
    "food_grams",
    "foods",
    "load_table",
    "resolve_food",
    "search_foods",
    "source",
    "sources",
    "table_names",
]
