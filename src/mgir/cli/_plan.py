"""``mgir plan``: a cited magnesium plan for one person file."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from mgir._errors import InvalidInputError
from mgir.assessment import assess
from mgir.cli._common import console, handle_errors, print_json, read_person
from mgir.planning import DiaryEntryLike, Plan, diary_intake, parse_diary_csv, plan

__all__ = ["print_plan", "register"]


def print_plan(result: Plan) -> None:
    """Print a plan as readable text."""
    console.rule(f"mgir plan ({result.life_stage})")
    current = (
        "unknown (no food diary)"
        if result.current_mg_per_day is None
        else f"{result.current_mg_per_day:.0f} mg/day"
    )
    gap = "—" if result.gap_mg_per_day is None else f"{result.gap_mg_per_day:.0f} mg/day"
    console.print(
        f"[bold]Diet:[/bold] target {result.target_kind} {result.target_mg_per_day:g} "
        f"mg/day; current {current}; gap {gap}"
    )
    foods = Table(title="Foods that help (USDA SR28)")
    for column in ("food", "serving", "Mg mg", "kcal", "Mg per 100 kcal"):
        foods.add_column(column, overflow="fold")
    for s in result.suggestions:
        foods.add_row(
            s.name, s.serving, f"{s.magnesium_mg:.0f}", f"{s.kcal:.0f}", f"{s.mg_per_100_kcal:.0f}"
        )
    console.print(foods)
    sup = result.supplement
    if sup is None:
        console.print("[bold]Supplement:[/bold] none.")
        console.print(f"  {result.supplement_decision}", markup=False)
    else:
        console.print(
            f"[bold]Supplement:[/bold] {sup.salt} ({sup.formula}), "
            f"{sup.elemental_mg_per_day:g} mg/day elemental magnesium = "
            f"{sup.salt_mg_per_day:g} mg/day of the salt, in {sup.doses_per_day} "
            "dose(s):"
        )
        for dose in sup.schedule:
            console.print(f"  {dose.time}: {dose.elemental_mg:g} mg Mg ({dose.salt_mg:g} mg salt)")
        if sup.allowed_windows != (("00:00", "23:59"),):
            windows = ", ".join(f"{a}-{b}" for a, b in sup.allowed_windows)
            console.print(f"  Allowed times under the medication timing rules: {windows}")
        console.print(f"  Why: {sup.reason}", markup=False)
        console.print(f"  Form: {sup.form_reason}", markup=False)
        if sup.ul_override_reason:
            console.print(
                f"  UL {sup.ul_mg_per_day:g} mg/day exceeded on purpose: {sup.ul_override_reason}",
                markup=False,
            )
    _print_safety(result)


def _print_safety(result: Plan) -> None:
    for title, items in (("Blocks", result.blocks), ("Cautions", result.cautions)):
        if items:
            console.print(f"[bold]{title}[/bold]")
            for item in items:
                console.print(f"  [{item.code}] {item.message} ({item.source})", markup=False)
    if result.monitoring:
        console.print("[bold]Monitoring[/bold]")
        for m in result.monitoring:
            console.print(f"  {m.lab}: {m.when} — {m.why}", markup=False)
    if result.expected_effects:
        console.print("[bold]Expected effect[/bold] (population evidence, not a promise)")
        for e in result.expected_effects:
            console.print(f"  {e.outcome}: {e.effect} [{e.population}] ({e.source})", markup=False)
    console.print("References: " + "; ".join(result.reference_keys), markup=False)
    console.print(result.disclaimer)


def register(app: typer.Typer) -> None:
    """Add the ``plan`` command to the app."""

    @app.command("plan")
    @handle_errors
    def plan_command(
        person_file: Annotated[Path, typer.Argument(help="Person file (TOML or JSON).")],
        as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
        override_ul: Annotated[
            str | None,
            typer.Option("--override-ul", help="Reason to exceed the supplemental UL (recorded)."),
        ] = None,
        override_renal: Annotated[
            str | None,
            typer.Option(
                "--override-renal", help="Reason to supplement despite eGFR < 30 (recorded)."
            ),
        ] = None,
        elemental_mg: Annotated[
            float | None,
            typer.Option("--elemental-mg", help="Total supplemental elemental Mg wanted, mg/day."),
        ] = None,
        eu_ul: Annotated[
            bool,
            typer.Option(
                "--eu-ul",
                help="Cap at the EU supplemental limit (250 mg/day adults) instead of the "
                "US UL where it is lower.",
            ),
        ] = False,
        diary: Annotated[
            Path | None,
            typer.Option(
                "--diary",
                help="Food-diary CSV (day, food, amount, unit) instead of [[diet]].",
            ),
        ] = None,
    ) -> None:
        """Build a magnesium plan: diet gap, supplement, schedule, safety, monitoring."""
        person = read_person(person_file)
        entries: Sequence[DiaryEntryLike] = person.diet
        if diary is not None:
            try:
                entries = parse_diary_csv(diary.read_text(encoding="utf-8"))
            except OSError as exc:
                raise InvalidInputError(
                    field="--diary",
                    value=str(diary),
                    allowed=f"a readable CSV file ({exc.strerror})",
                ) from None
        intake = diary_intake(entries) if entries else None
        assessment = assess(
            person, dietary_intake_mg_per_day=None if intake is None else intake.mean_mg_per_day
        )
        result = plan(
            person,
            assessment,
            override_ul_reason=override_ul,
            override_renal_reason=override_renal,
            requested_elemental_mg_per_day=elemental_mg,
            diary=entries,
            ul_basis="eu" if eu_ul else "iom",
        )
        if as_json:
            print_json(result.to_dict())
        else:
            print_plan(result)
