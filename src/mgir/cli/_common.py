"""Shared pieces of the CLI: reading person files, printing JSON, turning errors into exit codes."""

from __future__ import annotations

import functools
import json
import math
import os
import sys
import tomllib
from collections.abc import Callable
from datetime import date
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import typer
from rich.console import Console

from mgir._errors import InvalidInputError, MgirError
from mgir.assessment import Person, parse_person

__all__ = [
    "EXIT_INTERNAL",
    "EXIT_INVALID",
    "console",
    "example_path",
    "handle_errors",
    "print_json",
    "read_person",
]

EXIT_INVALID = 2
EXIT_INTERNAL = 1
console = Console(highlight=False, soft_wrap=False, width=110)
error_console = Console(stderr=True, highlight=False)

P = ParamSpec("P")
R = TypeVar("R")


def handle_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Map InvalidInputError to exit 2 and anything unexpected to exit 1, with a clear message."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except InvalidInputError as exc:
            error_console.print(f"error: {exc}", markup=False)
            raise typer.Exit(EXIT_INVALID) from None
        except (typer.Exit, typer.Abort, SystemExit):
            raise
        except Exception as exc:
            if os.environ.get("MGIR_DEBUG"):
                raise
            kind = "data error" if isinstance(exc, MgirError) else "internal error"
            error_console.print(
                f"{kind}: {type(exc).__name__}: {exc} (set MGIR_DEBUG=1 for the traceback)",
                markup=False,
            )
            raise typer.Exit(EXIT_INTERNAL) from None

    return wrapper


def _clean(value: Any) -> Any:
    """Replace NaN by None so the JSON is standard."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def print_json(document: Any) -> None:
    """Print a JSON document to stdout (NaN becomes null)."""
    sys.stdout.write(json.dumps(_clean(document), indent=2, ensure_ascii=False, default=str))
    sys.stdout.write("\n")


def read_document(path: Path, *, field: str = "PERSON") -> dict[str, Any]:
    """Read a TOML or JSON file into a mapping, with errors that name the file and line."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InvalidInputError(
            field=field, value=str(path), allowed=f"a readable file ({exc.strerror})"
        ) from None
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise InvalidInputError(
                field=field, value=str(path), allowed=f"valid JSON ({exc})"
            ) from None
    else:
        try:
            data = tomllib.loads(raw.decode("utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise InvalidInputError(
                field=field, value=str(path), allowed=f"valid TOML ({exc})"
            ) from None
    if not isinstance(data, dict):
        raise InvalidInputError(field=field, value=str(path), allowed="a table at the top level")
    return data


def read_person(path: Path, *, insulin_factor: float = 6.0) -> Person:
    """Read and validate a person file (TOML, or JSON with the same structure)."""
    return parse_person(
        read_document(path), assessed_on=date.today(), insulin_pmol_per_uiu=insulin_factor
    )


def example_path(name: str) -> Traversable | Path:
    """Path of a shipped example person file (in the wheel, or in the source tree)."""
    packaged = resources.files("mgir").joinpath("_examples", name)
    if packaged.is_file():
        return packaged
    source_tree = Path(__file__).resolve().parents[3] / "examples" / name
    if source_tree.is_file():
        return source_tree
    raise InvalidInputError(field="example", value=name, allowed="a shipped example file")
