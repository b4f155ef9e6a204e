"""``mgir schema``: the JSON Schemas of what mgir reads and writes."""

from __future__ import annotations

from typing import Annotated

import typer

from mgir._errors import InvalidInputError, did_you_mean
from mgir.cli._common import handle_errors, print_json

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    """Add ``mgir schema`` to the app."""

    @app.command("schema")
    @handle_errors
    def schema_command(
        name: Annotated[
            str,
            typer.Argument(
                help="person-file, care-options, evaluation, assessment, plan, projection, "
                "trial-result or power-points."
            ),
        ],
    ) -> None:
        """Print a JSON Schema (the same as docs/schemas/<name>.json)."""
        from mgir.care import schemas  # noqa: PLC0415
        from mgir.trials import schemas as trial_schemas  # noqa: PLC0415

        known = {**schemas(), **trial_schemas()}
        if name not in known:
            raise InvalidInputError(
                field="NAME",
                value=name,
                allowed="one of " + ", ".join(known) + did_you_mean(name, list(known)),
            )
        print_json(known[name])
