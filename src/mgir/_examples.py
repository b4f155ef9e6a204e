"""The shipped example files (in the wheel as ``mgir/_examples``, or in the source tree)."""

from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from mgir._errors import InvalidInputError

__all__ = ["example_path"]


def example_path(name: str, *, field: str = "--example") -> Traversable | Path:
    """Path of a shipped example file (``name`` relative to the examples folder)."""
    packaged = resources.files("mgir").joinpath("_examples", name)
    if packaged.is_file():
        return packaged
    source_tree = Path(__file__).resolve().parents[2] / "examples" / name
    if source_tree.is_file():
        return source_tree
    raise InvalidInputError(field=field, value=name, allowed="a shipped example file")
