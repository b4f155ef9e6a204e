"""The base of every typed value mgir returns: an immutable pydantic model.

Results (an assessment, a plan, a projection, an evaluation) are frozen pydantic models, so that the
same class is the Python value, the ``--json`` document and the service's response body, and its
JSON Schema is published from the class itself (``docs/schemas``). Non-finite floats are written
as ``null`` so that every document is standard JSON.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any, get_args, get_origin

import pydantic
from pydantic import BaseModel, ConfigDict

from mgir._errors import InvalidInputError, did_you_mean

__all__ = ["Record", "input_errors"]


class Record(BaseModel):
    """An immutable result: unknown fields are an error, NaN and infinity serialise as null."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        ser_json_inf_nan="null",
        defer_build=True,
        populate_by_name=True,
    )

    def to_dict(self) -> dict[str, Any]:
        """The JSON-ready document (the same keys and values ``--json`` prints; NaN is None)."""
        document: dict[str, Any] = json.loads(self.model_dump_json())
        return document


def _location(prefix: str, loc: Sequence[int | str]) -> str:
    out = prefix
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(file)"


def _keys_of(model: type[BaseModel], loc: Sequence[int | str]) -> list[str]:
    """Known keys of the model that holds the last key of ``loc``."""
    current: Any = model
    for part in loc[:-1]:
        if isinstance(part, int) or not (
            isinstance(current, type) and issubclass(current, BaseModel)
        ):
            continue
        info = current.model_fields.get(part)
        if info is None:
            return []
        annotation: Any = info.annotation
        while get_origin(annotation) is not None:
            models = [
                a for a in get_args(annotation) if isinstance(a, type) and issubclass(a, BaseModel)
            ]
            if not models:
                break
            annotation = models[0]
        current = annotation
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return []


def input_errors(
    exc: pydantic.ValidationError, model: type[BaseModel], prefix: str = ""
) -> list[InvalidInputError]:
    """Every error of a pydantic validation as an :class:`~mgir.InvalidInputError`.

    Unknown keys name the known ones (with "did you mean"); a value outside a fixed set names the
    set; the location reads as a person would find it (``labs[2].unit``).
    """
    out = []
    for item in exc.errors():
        loc = tuple(item["loc"])
        where = _location(prefix, loc)
        kind = item["type"]
        if kind == "extra_forbidden":
            keys = _keys_of(model, loc)
            key = str(loc[-1])
            out.append(
                InvalidInputError(
                    field=where,
                    value=key,
                    allowed=f"no key {key!r} here{did_you_mean(key, keys)}; known keys: "
                    + ", ".join(keys),
                )
            )
        elif kind == "missing":
            out.append(InvalidInputError(field=where, value=None, allowed="this key is required"))
        elif kind in ("literal_error", "enum"):
            expected = str(item.get("ctx", {}).get("expected", ""))
            options = re.findall(r"'([^']*)'", expected) or re.findall(r"([\w.-]+)", expected)
            given = item.get("input")
            hint = did_you_mean(given, options) if isinstance(given, str) else ""
            out.append(
                InvalidInputError(
                    field=where, value=given, allowed="one of " + ", ".join(options) + hint
                )
            )
        else:
            message = str(item["msg"]).removeprefix("Value error, ")
            out.append(InvalidInputError(field=where, value=item.get("input"), allowed=message))
    return out
