"""``mgir foods``: search the USDA SR28 foods, show one, and total a food diary."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table
from rich.text import Text

from mgir._errors import InvalidInputError
from mgir.cli._common import console, handle_errors, print_json

if TYPE_CHECKING:
    from mgir.reference import Food

__all__ = ["register"]


def _mg(value: float | None) -> str:
    return "no value" if value is None else f"{value:g}"


def _food_dict(item: Food) -> dict[str, object]:
    return {
        "ndb_id": item.ndb_id,
        "description": item.description,
        "food_group": item.food_group,
        "mg_per_100g": item.mg_per_100g,
        "kcal_per_100g": item.kcal_per_100g,
        "mg_n_data_points": item.mg_n_data_points,
        "source": item.source_key,
        "portions": [
            {
                "amount": p.amount,
                "unit": p.unit_description,
                "grams": p.grams,
                "magnesium_mg": item.magnesium_mg(p.grams),
            }
            for p in item.portions
        ],
    }


def register(app: typer.Typer) -> None:
    """Add the ``foods`` command group to the app."""
    foods_app = typer.Typer(
        name="foods",
        no_args_is_help=True,
        help="USDA SR28 foods: magnesium per 100 g and per portion.",
    )
    app.add_typer(foods_app, name="foods")

    @foods_app.command("search")
    @handle_errors
    def search_command(
        query: Annotated[str, typer.Argument(help="Words of a food name, or an NDB number.")],
        limit: Annotated[int, typer.Option("--limit", "-n", help="Maximum results.")] = 10,
        as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    ) -> None:
        """Search foods by name (typos tolerated) or NDB number."""
        from mgir.reference import search_foods  # noqa: PLC0415  (deferred: start-up time)

        if limit < 1:
            raise InvalidInputError(field="--limit", value=limit, allowed="an integer >= 1")
        matches = search_foods(query, limit=limit)
        if as_json:
            print_json(
                [
                    {
                        "ndb_id": m.food.ndb_id,
                        "description": m.food.description,
                        "food_group": m.food.food_group,
                        "mg_per_100g": m.food.mg_per_100g,
                        "kcal_per_100g": m.food.kcal_per_100g,
                        "score": m.score,
                    }
                    for m in matches
                ]
            )
            return
        table = Table(title=Text(f"Foods matching {query!r} (USDA SR28)"))
        for column in ("NDB", "description", "Mg mg/100 g", "kcal/100 g"):
            table.add_column(column, overflow="fold")
        for m in matches:
            table.add_row(
                m.food.ndb_id,
                Text(m.food.description),
                _mg(m.food.mg_per_100g),
                _mg(m.food.kcal_per_100g),
            )
        console.print(table)
        if not matches:
            console.print("No food matched.")

    @foods_app.command("show")
    @handle_errors
    def show_command(
        ndb: Annotated[str, typer.Argument(help="SR28 NDB number, e.g. 12061.")],
        as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    ) -> None:
        """Show one food with its household portions and their magnesium."""
        from mgir.reference import food  # noqa: PLC0415  (deferred: start-up time)

        item = food(ndb)
        if as_json:
            print_json(_food_dict(item))
            return
        console.print(
            Text(f"{item.ndb_id} {item.description}", style="bold"), Text(f"({item.food_group})")
        )
        console.print(
            f"Magnesium {_mg(item.mg_per_100g)} mg/100 g; energy "
            f"{_mg(item.kcal_per_100g)} kcal/100 g (USDA SR28)"
        )
        table = Table(title="Household portions")
        for column in ("amount", "unit", "grams", "Mg mg"):
            table.add_column(column, overflow="fold")
        for p in item.portions:
            mg = item.magnesium_mg(p.grams)
            table.add_row(
                f"{p.amount:g}",
                Text(p.unit_description),
                f"{p.grams:g}",
                "no value" if mg is None else f"{mg:.1f}",
            )
        console.print(table)

    @foods_app.command("intake")
    @handle_errors
    def intake_command(
        diary: Annotated[
            Path, typer.Argument(help="Diary CSV with columns day, food, amount, unit.")
        ],
        as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    ) -> None:
        """Magnesium intake from a food-diary CSV: per day, mean, top foods."""
        from mgir.assessment import diary_intake, parse_diary_csv  # noqa: PLC0415

        try:
            content = diary.read_bytes()
        except OSError as exc:
            raise InvalidInputError(
                field="DIARY", value=str(diary), allowed=f"a readable CSV file ({exc.strerror})"
            ) from None
        result = diary_intake(parse_diary_csv(content, name=str(diary)))
        if as_json:
            print_json(result.to_dict())
            return
        for day in result.days:
            label = "undated" if day.day is None else day.day.isoformat()
            note = "" if day.complete else " (lower bound: a food has no Mg value)"
            console.print(f"{label}: {day.magnesium_mg:.0f} mg{note}", markup=False)
        console.print(
            Text(f"Mean: {result.mean_mg_per_day:.0f} mg/day", style="bold"),
            Text(f"over {len(result.days)} day(s)"),
        )
        for f in result.top_foods:
            console.print(
                f"  {f.ndb_id} {f.description}: {f.magnesium_mg:.0f} mg ({100 * f.share:.0f} %)",
                markup=False,
            )
