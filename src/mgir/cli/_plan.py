"""``mgir plan``: a cited magnesium plan for one person file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mgir.cli._common import (
    ClinicalOptions,
    Diary,
    ElementalMg,
    EuUl,
    HomaCutoff,
    InsulinFactor,
    OverrideBy,
    OverrideRenal,
    OverrideUl,
    handle_errors,
    print_json,
    read_person,
)

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    """Add the ``plan`` command to the app."""

    @app.command("plan")
    @handle_errors
    def plan_command(
        person_file: Annotated[
            Path, typer.Argument(metavar="PERSON", help="Person file (TOML or JSON).")
        ],
        as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
        override_ul: OverrideUl = None,
        override_renal: OverrideRenal = None,
        override_by: OverrideBy = None,
        elemental_mg: ElementalMg = None,
        eu_ul: EuUl = False,
        diary: Diary = None,
        insulin_factor: InsulinFactor = 6.0,
        homa_ir_cutoff: HomaCutoff = None,
    ) -> None:
        """Build a magnesium plan: diet gap, supplement, schedule, safety, monitoring."""
        from mgir.care import evaluate  # noqa: PLC0415  (deferred: start-up time)

        options = ClinicalOptions(
            insulin_factor=insulin_factor,
            homa_ir_cutoff=homa_ir_cutoff,
            override_ul=override_ul,
            override_renal=override_renal,
            override_by=override_by,
            elemental_mg=elemental_mg,
            eu_ul=eu_ul,
            diary=diary,
        ).care_options(project=False)
        evaluation = evaluate(read_person(person_file), options, stages="plan")
        if as_json:
            print_json(evaluation.to_dict())
        else:
            from mgir.cli._print import print_plan  # noqa: PLC0415

            assert evaluation.plan is not None
            print_plan(evaluation.plan)
