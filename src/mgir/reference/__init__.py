"""Reference data: packaged tables with provenance and their typed loaders (layer L0)."""

from __future__ import annotations

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
    "Source",
    "Table",
    "cite",
    "load_table",
    "source",
    "sources",
    "table_names",
]
