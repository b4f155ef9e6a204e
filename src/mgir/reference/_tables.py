"""Packaged reference tables: CSV data with a TOML metadata sidecar.

Each ``data/<name>.csv`` has ``data/<name>.meta.toml``::

    [table]
    title = "..."
    version = "2026.1"
    license = "..."
    [columns.rda_mg_per_day]
    type = "float"            # str | float | int | bool
    unit = "mg/day"           # must parse in the package registry; omit for text
    range = [0, 1000]         # closed interval every value must fall in
    required = true           # default true; empty cells are None only when false
    description = "..."

Every table has a ``source_key`` column whose keys (``;``-separated) resolve in the sources
registry (so do ``*_source_key`` columns), and may have ``evidence`` / ``*_evidence`` columns
(``verified``, ``derived``, ``unverified``, ``low_quality``) so that unverified values stay
flagged wherever they are used.
"""

from __future__ import annotations

import csv
import gzip
import io
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from types import MappingProxyType
from typing import Any, Final

from mgir._errors import ReferenceDataError
from mgir.reference._sources import source
from mgir.units import ureg

__all__ = ["EVIDENCE_LEVELS", "ColumnMeta", "Table", "data_text", "load_table", "table_names"]

EVIDENCE_LEVELS: Final[tuple[str, ...]] = ("verified", "derived", "unverified", "low_quality")
_TYPES: Final[Mapping[str, type]] = MappingProxyType(
    {"str": str, "float": float, "int": int, "bool": bool}
)


@dataclass(frozen=True, slots=True)
class ColumnMeta:
    """Metadata of one column."""

    name: str
    type: str
    unit: str | None
    range: tuple[float, float] | None
    required: bool
    description: str


@dataclass(frozen=True, slots=True)
class Table:
    """A loaded, validated reference table."""

    name: str
    title: str
    version: str
    license: str
    columns: Mapping[str, ColumnMeta]
    rows: tuple[Mapping[str, Any], ...]

    def column(self, name: str) -> tuple[Any, ...]:
        """Return every value of one column, in row order."""
        return tuple(row[name] for row in self.rows)


def _parse_cell(table: str, line: int, meta: ColumnMeta, text: str) -> Any:
    where = f"{table}.csv line {line}, column {meta.name}"
    if text == "":
        if meta.required:
            raise ReferenceDataError(f"{where}: empty but required")
        return None
    value: Any
    try:
        if meta.type == "bool":
            if text not in ("true", "false"):
                raise ValueError(text)
            value = text == "true"
        else:
            value = _TYPES[meta.type](text)
    except (ValueError, KeyError) as exc:
        raise ReferenceDataError(f"{where}: {text!r} is not {meta.type}") from exc
    if meta.range is not None and not meta.range[0] <= value <= meta.range[1]:
        raise ReferenceDataError(f"{where}: {value} outside {meta.range}")
    return value


def data_text(relative: str, *, package: str = "mgir.reference") -> str:
    """Return the text of ``<package>/data/<relative>``."""
    return resources.files(package).joinpath(f"data/{relative}").read_text("utf-8")


def _csv_text(name: str, package: str) -> str:
    """Return the CSV text of a table, from ``<name>.csv`` or a gzip-compressed ``<name>.csv.gz``.

    Large derived tables (the USDA foods) ship compressed; both forms go through the same
    validation.
    """
    folder = resources.files(package).joinpath("data")
    plain = folder.joinpath(f"{name}.csv")
    if plain.is_file():
        return plain.read_text("utf-8")
    packed = folder.joinpath(f"{name}.csv.gz")
    if packed.is_file():
        return gzip.decompress(packed.read_bytes()).decode("utf-8")
    raise ReferenceDataError(f"table {name!r}: neither {name}.csv nor {name}.csv.gz is packaged")


@cache
def load_table(name: str, *, package: str = "mgir.reference") -> Table:
    """Load and validate ``<package>/data/<name>.csv`` (or ``.csv.gz``) against its metadata.

    ``package`` lets another layer (the model) keep its tables beside its code in the same format.

    Raises
    ------
    ReferenceDataError
        If a column lacks metadata, a unit (in the metadata or in a ``unit`` column) does not
        parse, a value is out of range or of the wrong type, a required value is missing, or a
        source key does not resolve.
    """
    meta_raw = tomllib.loads(data_text(f"{name}.meta.toml", package=package))
    head = meta_raw.get("table", {})
    columns: dict[str, ColumnMeta] = {}
    for column, spec in meta_raw.get("columns", {}).items():
        unit = spec.get("unit")
        if unit is not None:
            ureg.parse_units(unit)  # raises on a unit the registry does not know
        rng = spec.get("range")
        columns[column] = ColumnMeta(
            name=column,
            type=spec.get("type", "str"),
            unit=unit,
            range=(float(rng[0]), float(rng[1])) if rng is not None else None,
            required=bool(spec.get("required", True)),
            description=str(spec.get("description", "")),
        )
    if "source_key" not in columns:
        raise ReferenceDataError(f"{name}.meta.toml: every table needs a source_key column")
    reader = csv.DictReader(io.StringIO(_csv_text(name, package)))
    header = tuple(reader.fieldnames or ())
    if set(header) != set(columns):
        raise ReferenceDataError(
            f"{name}: CSV columns {sorted(header)} differ from metadata {sorted(columns)}"
        )
    rows = []
    for line, record in enumerate(reader, start=2):
        row = {col: _parse_cell(name, line, columns[col], record[col]) for col in header}
        for column, value in row.items():
            if value is not None and (column == "source_key" or column.endswith("_source_key")):
                for key in str(value).split(";"):
                    source(key.strip())
            if (column == "evidence" or column.endswith("_evidence")) and (
                value not in EVIDENCE_LEVELS
            ):
                raise ReferenceDataError(
                    f"{name}.csv line {line}, column {column}: {value!r} not in {EVIDENCE_LEVELS}"
                )
        if row.get("unit") is not None:
            import pint  # noqa: PLC0415  (imported with the registry)

            try:
                ureg.parse_units(str(row["unit"]))
            except (
                pint.errors.UndefinedUnitError,
                pint.errors.DefinitionSyntaxError,
                ValueError,
                AttributeError,
                TypeError,
                AssertionError,
            ) as exc:
                raise ReferenceDataError(
                    f"{name}.csv line {line}: unit {row['unit']!r} does not parse"
                ) from exc
        rows.append(MappingProxyType(row))
    return Table(
        name=name,
        title=str(head.get("title", name)),
        version=str(head.get("version", "")),
        license=str(head.get("license", "")),
        columns=MappingProxyType(columns),
        rows=tuple(rows),
    )


def table_names() -> tuple[str, ...]:
    """Names of every packaged table (for tests and the docs)."""
    folder = resources.files("mgir.reference").joinpath("data")
    return tuple(
        sorted(
            p.name.removesuffix(".meta.toml")
            for p in folder.iterdir()
            if p.name.endswith(".meta.toml")
        )
    )
