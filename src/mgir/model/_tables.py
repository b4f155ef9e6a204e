"""Loader for the model's packaged tables (``mgir/model/data``), same format as mgir.reference.

The model keeps its parameter and salt tables next to its code so that the parameter set it ships
and the code that reads it change together. The CSV + ``.meta.toml`` format, the unit check, the
source-key check and the evidence levels are those of :mod:`mgir.reference`.
"""

from __future__ import annotations

import csv
import io
import tomllib
from functools import cache
from importlib import resources
from types import MappingProxyType
from typing import Any

from mgir._errors import ReferenceDataError
from mgir.reference import EVIDENCE_LEVELS, ColumnMeta, Table, source
from mgir.units import ureg

__all__ = ["load_model_table", "model_data_text"]

_TYPES: dict[str, type] = {"str": str, "float": float, "int": int, "bool": bool}


def model_data_text(relative: str) -> str:
    """Return the text of ``mgir/model/data/<relative>``."""
    return resources.files("mgir.model").joinpath(f"data/{relative}").read_text("utf-8")


def _parse(table: str, line: int, meta: ColumnMeta, text: str) -> Any:
    where = f"{table}.csv line {line}, column {meta.name}"
    if text == "":
        raise ReferenceDataError(f"{where}: empty")
    try:
        value = _TYPES[meta.type](text)
    except (ValueError, KeyError) as exc:
        raise ReferenceDataError(f"{where}: {text!r} is not {meta.type}") from exc
    if meta.range is not None and not meta.range[0] <= value <= meta.range[1]:
        raise ReferenceDataError(f"{where}: {value} outside {meta.range}")
    return value


@cache
def load_model_table(name: str) -> Table:
    """Load and validate ``mgir/model/data/<name>.csv`` against its ``.meta.toml``.

    Raises
    ------
    ReferenceDataError
        If a column lacks metadata, a value has the wrong type or range, a source key does not
        resolve in ``sources.toml``, an evidence level is unknown, or a ``unit`` cell does not
        parse in the package unit registry.
    """
    meta_raw = tomllib.loads(model_data_text(f"{name}.meta.toml"))
    head = meta_raw.get("table", {})
    columns: dict[str, ColumnMeta] = {}
    for column, spec in meta_raw.get("columns", {}).items():
        unit = spec.get("unit")
        if unit is not None:
            ureg.parse_units(unit)
        rng = spec.get("range")
        columns[column] = ColumnMeta(
            name=column,
            type=spec.get("type", "str"),
            unit=unit,
            range=(float(rng[0]), float(rng[1])) if rng is not None else None,
            required=True,
            description=str(spec.get("description", "")),
        )
    if "source_key" not in columns:
        raise ReferenceDataError(f"{name}.meta.toml: every table needs a source_key column")
    reader = csv.DictReader(io.StringIO(model_data_text(f"{name}.csv")))
    header = tuple(reader.fieldnames or ())
    if set(header) != set(columns):
        raise ReferenceDataError(f"{name}: CSV columns {sorted(header)} differ from metadata")
    rows = []
    for line, record in enumerate(reader, start=2):
        row = {col: _parse(name, line, columns[col], record[col]) for col in header}
        for key in str(row["source_key"]).split(";"):
            source(key.strip())
        if "evidence" in row and row["evidence"] not in EVIDENCE_LEVELS:
            raise ReferenceDataError(f"{name}.csv line {line}: evidence {row['evidence']!r}")
        if "unit" in row:
            ureg.parse_units(str(row["unit"]))
        rows.append(MappingProxyType(row))
    return Table(
        name=name,
        title=str(head.get("title", name)),
        version=str(head.get("version", "")),
        license=str(head.get("license", "")),
        columns=MappingProxyType(columns),
        rows=tuple(rows),
    )
