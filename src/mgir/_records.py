"""The base of every typed value mgir returns: an immutable pydantic model.

Results (an assessment, a plan, a projection, an evaluation) are frozen pydantic models, so that the
same class is the Python value, the ``--json`` document and the service's response body, and its
JSON Schema is published from the class itself (``docs/schemas``). Non-finite floats are written
as ``null`` so that every document is standard JSON.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict

__all__ = ["Record"]


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
