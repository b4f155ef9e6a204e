"""Shared pieces of the CLI: files, shared options, JSON, outputs, exit codes.

Reading files, the options every clinical command shares, printing JSON, writing outputs, and
turning errors into exit codes (2 invalid input, 1 internal error).

Only the standard library, Typer and Rich are imported at module level: the library loads inside
each command, so that ``mgir --help`` starts fast.
"""

from __future__ import annotations

import functools
import json
import os
import sys
import tomllib
from collections.abc import Callable
from datetime import UTC, date, datetime
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, ParamSpec, TypeVar

import typer
from rich.console import Console

from mgir._errors import InvalidInputError, MgirError
from mgir._examples import example_path as _example_path
from mgir._text import decode_utf8

if TYPE_CHECKING:
    from mgir.assessment import Person
    from mgir.care import CareOptions

__all__ = [
    "EXIT_INTERNAL",
    "EXIT_INVALID",
    "ClinicalOptions",
    "console",
    "error_console",
    "example_path",
    "handle_errors",
    "print_json",
    "read_document",
    "read_person",
    "write_bytes",
    "write_text",
]

EXIT_INVALID = 2
EXIT_INTERNAL = 1
console = Console(highlight=False, soft_wrap=False, width=110)
error_console = Console(stderr=True, highlight=False, soft_wrap=True)

P = ParamSpec("P")
R = TypeVar("R")


_CLI_HINTS: dict[str, tuple[str, str]] = {
    "scheduler": ("--scheduler", ""),
    "n": ("--n", ""),
    "target_power": ("--target-power", ""),
    "arm": ("--arm", ""),
    "endpoint": ("--endpoint", ""),
    "dropout": ("--dropout", ""),
    "parameter_draws": ("--parameter-draws", ""),
    "subjects_per_arm": ("--subjects-per-arm", ""),
    "replicates": ("--replicates", ""),
    "requested_elemental_mg_per_day": (
        "--elemental-mg",
        " (on the command line: --override-ul REASON --override-by NAME)",
    ),
}
"""Library field names a CLI user knows by their option, with what to type to act on them."""


def _as_cli(error: InvalidInputError) -> InvalidInputError:
    """The error in the CLI's words: the option's name, and how to give an override."""
    if error.field not in _CLI_HINTS:
        return error
    option, hint = _CLI_HINTS[error.field]
    allowed = error.allowed + (hint if "override" in error.allowed else "")
    return InvalidInputError(field=option, value=error.value, unit=error.unit, allowed=allowed)


def handle_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Map InvalidInputError to exit 2 and anything unexpected to exit 1, with a clear message.

    Every error goes to stderr, one line per problem, whatever the output format.
    """

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except InvalidInputError as exc:
            for error in exc.errors:
                error_console.print(f"error: {_as_cli(error)}", markup=False)
            raise typer.Exit(EXIT_INVALID) from None
        except (typer.Exit, typer.Abort, SystemExit):
            raise
        except KeyboardInterrupt:
            error_console.print("interrupted", markup=False)
            raise typer.Exit(130) from None
        except BrokenPipeError:
            # The reader went away (`mgir ... | head`): stop quietly, as the Python docs advise
            # (stdout to devnull so that the interpreter's final flush does not fail again).
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            raise typer.Exit(1) from None
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


def print_json(document: Any) -> None:
    """Print a JSON document to stdout; NaN and infinity are refused (never invalid JSON)."""
    sys.stdout.write(json.dumps(document, indent=2, ensure_ascii=False, allow_nan=False))
    sys.stdout.write("\n")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise InvalidInputError(
                field=str(key),
                value=value,
                allowed="each key once (a repeated key hides the first)",
            )
        out[key] = value
    return out


def read_document(path: Path, *, field: str = "PERSON") -> dict[str, Any]:
    """Read a TOML or JSON file into a mapping, with errors that name the file and the line.

    JSON keys repeated in one object are an error (TOML forbids them already).
    """
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InvalidInputError(
            field=field, value=str(path), allowed=f"a readable file ({exc.strerror})"
        ) from None
    text = decode_utf8(raw, field=field)
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(text, object_pairs_hook=_no_duplicates)
        except json.JSONDecodeError as exc:
            raise InvalidInputError(
                field=f"{field} line {exc.lineno}",
                value=str(path),
                allowed=f"valid JSON ({exc.msg})",
            ) from None
    else:
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise InvalidInputError(
                field=field, value=str(path), allowed=f"valid TOML ({exc})"
            ) from None
    if not isinstance(data, dict):
        raise InvalidInputError(field=field, value=str(path), allowed="a table at the top level")
    return data


def read_person(path: Path) -> Person:
    """Read and validate a person file (TOML, or JSON with the same structure)."""
    from mgir.assessment import parse_person  # noqa: PLC0415  (deferred: start-up time)

    return parse_person(read_document(path), assessed_on=date.today())


def write_text(path: Path, text: str, *, field: str = "--output") -> None:
    """Write a text file, or fail with a clear input error (exit 2) naming the path."""
    write_bytes(path, text.encode("utf-8"), field=field)


def write_bytes(path: Path, data: bytes, *, field: str = "--output") -> None:
    """Write a file, or fail with a clear input error (exit 2) naming the path."""
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise InvalidInputError(
            field=field, value=str(path), allowed=f"a writable file path ({exc.strerror})"
        ) from None


def example_path(name: str) -> Traversable | Path:
    """Path of a shipped example person file (in the wheel, or in the source tree)."""
    return _example_path(name, field="--example")


# ----------------------------------------------------------------------------- shared options

InsulinFactor = Annotated[
    float,
    typer.Option(
        "--insulin-factor", help="pmol/L per µIU/mL for insulin given in pmol/L: 6.0 or 6.945."
    ),
]
HomaCutoff = Annotated[
    str | None,
    typer.Option("--homa-ir-cutoff", help="Key of the HOMA-IR cut-off (see `mgir cutoffs`)."),
]
OverrideUl = Annotated[
    str | None,
    typer.Option(
        "--override-ul",
        help="Reason to exceed the supplemental UL (recorded; needs --override-by).",
    ),
]
OverrideRenal = Annotated[
    str | None,
    typer.Option(
        "--override-renal",
        help="Reason to supplement despite eGFR < 30 (recorded; needs --override-by).",
    ),
]
OverrideBy = Annotated[
    str | None,
    typer.Option("--override-by", help="Who gives the override (a clinician's name or id)."),
]
ElementalMg = Annotated[
    float | None,
    typer.Option("--elemental-mg", help="Total supplemental elemental Mg wanted, mg/day."),
]
EuUl = Annotated[
    bool,
    typer.Option(
        "--eu-ul",
        help="Cap at the EU supplemental limit (250 mg/day adults) where lower than the US UL.",
    ),
]
Weeks = Annotated[float, typer.Option("--weeks", help="Projection horizon in weeks (0-520).")]
Draws = Annotated[
    int,
    typer.Option("--draws", help="Parameter draws for the bands (2-10000).", min=2, max=10_000),
]
Seed = Annotated[int, typer.Option("--seed", help="Seed of the draws (>= 0).", min=0)]
Diary = Annotated[
    Path | None,
    typer.Option("--diary", help="Food-diary CSV (day, food, amount, unit) instead of [[diet]]."),
]


class ClinicalOptions:
    """The options ``plan``, ``simulate`` and ``report`` share, turned into :class:`CareOptions`."""

    def __init__(
        self,
        *,
        insulin_factor: float = 6.0,
        homa_ir_cutoff: str | None = None,
        override_ul: str | None = None,
        override_renal: str | None = None,
        override_by: str | None = None,
        elemental_mg: float | None = None,
        eu_ul: bool = False,
        diary: Path | None = None,
    ) -> None:
        self.insulin_factor = insulin_factor
        self.homa_ir_cutoff = homa_ir_cutoff
        self.override_ul = override_ul
        self.override_renal = override_renal
        self.override_by = override_by
        self.elemental_mg = elemental_mg
        self.eu_ul = eu_ul
        self.diary = diary

    def care_options(self, **extra: Any) -> CareOptions:
        """The library's options; bad values become input errors naming the CLI option."""
        import pydantic  # noqa: PLC0415

        from mgir.assessment import parse_diary_csv  # noqa: PLC0415
        from mgir.care import CareOptions, Override  # noqa: PLC0415

        reasons = {"upper_limit": self.override_ul, "renal": self.override_renal}
        given = {kind: reason for kind, reason in reasons.items() if reason is not None}
        errors: list[InvalidInputError] = []
        if given and not (self.override_by and self.override_by.strip()):
            errors.append(
                InvalidInputError(
                    field="--override-by",
                    value=self.override_by,
                    allowed="the name or id of the clinician who gives the override",
                )
            )
        if self.override_by is not None and not given:
            errors.append(
                InvalidInputError(
                    field="--override-by",
                    value=self.override_by,
                    allowed="only with --override-ul or --override-renal",
                )
            )
        if self.elemental_mg is not None and not (
            self.elemental_mg >= 1 and self.elemental_mg != float("inf")
        ):
            errors.append(
                InvalidInputError(
                    field="--elemental-mg",
                    value=self.elemental_mg,
                    unit="mg/day",
                    allowed="a number of at least 1 mg/day",
                )
            )
        for kind, reason in given.items():
            if not reason.strip():
                option = "--override-ul" if kind == "upper_limit" else "--override-renal"
                errors.append(
                    InvalidInputError(field=option, value=reason, allowed="a non-empty reason")
                )
        if errors:
            from mgir._errors import InvalidInputErrors  # noqa: PLC0415

            InvalidInputErrors.raise_if_any(errors)
        now = datetime.now(UTC)
        overrides = tuple(
            Override(kind=kind, reason=reason, by=str(self.override_by), at=now)
            for kind, reason in given.items()
        )
        diary = None
        if self.diary is not None:
            try:
                content = self.diary.read_bytes()
            except OSError as exc:
                raise InvalidInputError(
                    field="--diary",
                    value=str(self.diary),
                    allowed=f"a readable CSV file ({exc.strerror})",
                ) from None
            diary = parse_diary_csv(content, name=str(self.diary))
        names = {
            "insulin_pmol_per_uiu": "--insulin-factor",
            "requested_elemental_mg_per_day": "--elemental-mg",
            "weeks": "--weeks",
            "draws": "--draws",
            "seed": "--seed",
            "requested_salt": "--supplement",
        }
        try:
            return CareOptions(
                insulin_pmol_per_uiu=self.insulin_factor,
                homa_ir_cutoff=self.homa_ir_cutoff,
                ul_basis="eu" if self.eu_ul else "iom",
                overrides=overrides,
                requested_elemental_mg_per_day=self.elemental_mg,
                diary=diary,
                **extra,
            )
        except pydantic.ValidationError as exc:
            problems = []
            for item in exc.errors():
                key = str(item["loc"][0]) if item["loc"] else "options"
                problems.append(
                    InvalidInputError(
                        field=names.get(key, key),
                        value=item.get("input"),
                        allowed=str(item["msg"]).removeprefix("Value error, "),
                    )
                )
            from mgir._errors import InvalidInputErrors  # noqa: PLC0415

            InvalidInputErrors.raise_if_any(problems)
            raise
