"""The model's packaged tables (``mgir/model/data``), loaded by :func:`mgir.reference.load_table`.

The model keeps its parameter and salt tables next to its code so that the parameter set it ships
and the code that reads it change together; format and validation are those of mgir.reference.
"""

from __future__ import annotations

from mgir.reference import Table, data_text, load_table

__all__ = ["load_model_table", "model_data_text"]


def model_data_text(relative: str) -> str:
    """Return the text of ``mgir/model/data/<relative>``."""
    return data_text(relative, package="mgir.model")


def load_model_table(name: str) -> Table:
    """Load and validate ``mgir/model/data/<name>.csv`` against its ``.meta.toml``."""
    return load_table(name, package="mgir.model")
