"""Reference data: packaged tables with provenance and their typed loaders (layer L0)."""

from __future__ import annotations

from mgir.reference._requirements import MagnesiumDri as MagnesiumDri
from mgir.reference._requirements import eu_supplement_ul_mg_per_day as eu_supplement_ul_mg_per_day
from mgir.reference._requirements import magnesium_dri as magnesium_dri
from mgir.reference._sources import Source as Source
from mgir.reference._sources import cite as cite
from mgir.reference._sources import source as source
from mgir.reference._sources import sources as sources
from mgir.reference._tables import EVIDENCE_LEVELS as EVIDENCE_LEVELS
from mgir.reference._tables import ColumnMeta as ColumnMeta
from mgir.reference._tables import Table as Table
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

__all__ = [
    "EVIDENCE_LEVELS",
    "Band",
    "ColumnMeta",
    "IndexCutoff",
    "MagnesiumDri",
    "Source",
    "Table",
    "band_for",
    "cite",
    "egfr_categories",
    "eu_supplement_ul_mg_per_day",
    "index_cutoff",
    "index_cutoffs",
    "load_table",
    "magnesium_dri",
    "magnesium_marker_bands",
    "serum_magnesium_bands",
    "source",
    "sources",
    "table_names",
]
