"""``mgir cutoffs`` and ``mgir sources``: what the evidence tables hold."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from mgir._errors import InvalidInputError, did_you_mean
from mgir.cli._common import console, handle_errors, print_json

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    """Add the reference commands to the app."""

    @app.command("cutoffs")
    @handle_errors
    def cutoffs_command(
        as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    ) -> None:
        """List the insulin-resistance cut-offs with their populations and sources."""
        from mgir.reference import index_cutoffs  # noqa: PLC0415  (deferred: start-up time)

        rows = [
            c for index in ("homa_ir", "quicki", "tyg", "matsuda") for c in index_cutoffs(index)
        ]
        if as_json:
            print_json(
                [
                    {
                        "index": c.index,
                        "key": c.key,
                        "cutoff": c.cutoff,
                        "direction": c.direction,
                        "population": c.population,
                        "default": c.is_default,
                        "applied": c.applicable,
                        "evidence": c.evidence,
                        "references": list(c.references),
                    }
                    for c in rows
                ]
            )
            return
        table = Table(title="Insulin-resistance cut-offs (default first per index)")
        for column in ("index", "key", "cut-off", "population", "evidence", "source"):
            table.add_column(column, overflow="fold")
        for c in rows:
            sign = {"ge": ">=", "le": "<=", "lt": "<"}[c.direction]
            mark = " (default)" if c.is_default else ""
            table.add_row(
                c.index,
                c.key + mark,
                f"{sign} {c.cutoff:g}",
                Text(c.population),
                c.evidence if c.applicable else f"{c.evidence}, not applied",
                ", ".join(c.references),
            )
        console.print(table)

    @app.command("sources")
    @handle_errors
    def sources_command(
        key: Annotated[str | None, typer.Argument(help="One source key.")] = None,
        as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    ) -> None:
        """Show the citation behind source keys."""
        from mgir.reference import sources  # noqa: PLC0415  (deferred: start-up time)

        registry = sources()
        chosen = (
            [registry[key]]
            if key is not None and key in registry
            else (list(registry.values()) if key is None else [])
        )
        if key is not None and not chosen:
            raise InvalidInputError(
                field="KEY",
                value=key,
                allowed="a key listed by `mgir sources`" + did_you_mean(key, list(registry)),
            )
        if as_json:
            print_json(
                [
                    {
                        "key": s.key,
                        "citation": s.citation,
                        "quality": s.quality,
                        "url": s.url,
                        "doi": s.doi,
                        "note": s.note,
                    }
                    for s in chosen
                ]
            )
            return
        for s in chosen:
            console.print(Text(s.key, style="bold"), Text(f"({s.quality}) {s.citation}"))
            if s.doi or s.url:
                console.print(f"    {('doi:' + s.doi) if s.doi else s.url}", markup=False)
            if s.note:
                console.print(f"    note: {s.note}", markup=False)
