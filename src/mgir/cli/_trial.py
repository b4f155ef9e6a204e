"""``mgir trial run|power`` and ``mgir population sample|describe``: virtual trials."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from mgir._errors import InvalidInputError
from mgir.cli._common import console, error_console, handle_errors, print_json, write_text

if TYPE_CHECKING:
    from mgir.trials import PowerPoint, TrialResult, TrialSpec
    from mgir.trials._run import Backend

__all__ = ["register"]

SubjectsPerArm = Annotated[
    int,
    typer.Option("--subjects-per-arm", min=2, help="Virtual subjects per arm (default 2,000)."),
]
Replicates = Annotated[
    int,
    typer.Option(
        "--replicates", min=10, help="Replicate trials of the spec's size (default 1,000)."
    ),
]
TrialSeed = Annotated[
    int | None,
    typer.Option("--seed", min=0, help="Seed (default: the spec's seed, else 0)."),
]
BackendName = Annotated[
    str,
    typer.Option("--backend", help="local (this process) or dask (needs --scheduler)."),
]
ParameterDraws = Annotated[
    int,
    typer.Option(
        "--parameter-draws",
        min=0,
        max=1000,
        help="Posterior draws of the calibrated parameters; the interval then includes "
        "parameter uncertainty (K times the work; default 0: none).",
    ),
]
Dropout = Annotated[
    float,
    typer.Option(
        "--dropout",
        min=0.0,
        max=0.9,
        help="Share of randomised people who do not complete (at random; default 0).",
    ),
]
Scheduler = Annotated[
    str | None,
    typer.Option("--scheduler", help="Dask scheduler address, e.g. tcp://10.0.0.5:8786."),
]


def _backend(name: str, scheduler: str | None) -> Backend | None:
    from mgir.trials import DaskBackend  # noqa: PLC0415

    if name == "local":
        if scheduler is not None:
            raise InvalidInputError(
                field="--scheduler", value=scheduler, allowed="only with --backend dask"
            )
        return None
    if name == "dask":
        if scheduler is None:
            raise InvalidInputError(
                field="--scheduler",
                value=None,
                allowed="the address of a running Dask scheduler with --backend dask",
            )
        return DaskBackend(scheduler)
    raise InvalidInputError(field="--backend", value=name, allowed="local or dask")


@contextmanager
def _progress(total: int, quiet: bool, what: str) -> Iterator[Callable[[int], None] | None]:
    """A Rich progress bar on stderr over ``total`` subjects (nothing when quiet)."""
    if quiet:
        yield None
        return
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=error_console, transient=True) as bar:
        task = bar.add_task(what, total=total)
        yield lambda done: bar.advance(task, done)


def _fmt(value: float | None, digits: int = 3) -> str:
    if value is None or math.isnan(value):  # not available
        return "—"
    return f"{value:.{digits}g}"


def _print_result(result: TrialResult, spec: TrialSpec) -> None:
    p = result.provenance
    console.print(
        f"[bold]{result.name}[/bold]: {spec.condition}, n = {spec.n}, "
        f"{result.duration_weeks:g} weeks; {p.virtual_subjects_per_arm} virtual subjects per "
        f"arm, {p.replicates} replicate trials, seed {p.seed}"
        + (f", {p.parameter_draws} parameter draws" if p.parameter_draws else "")
    )
    match = result.population
    table = Table(
        title=f"virtual baseline vs the spec's table ({match.pool_adults} NHANES adults in the "
        f"{match.condition} pool; effective sample size {match.effective_sample_size:.0f})"
    )
    for column in ("quantity", "unit", "spec mean ± SD", "virtual mean ± SD", "how"):
        table.add_column(column)
    for row in match.rows:
        target = (
            "—"
            if row.target_mean is None
            else f"{_fmt(row.target_mean)} ± {_fmt(row.target_sd)}"
            if row.target_sd is not None
            else _fmt(row.target_mean)
        )
        table.add_row(
            row.quantity,
            row.unit,
            target,
            f"{_fmt(row.virtual_mean)} ± {_fmt(row.virtual_sd)}",
            row.how,
        )
    console.print(table)
    arms = Table(title="each arm: recorded baseline → end (mean change ± SD)")
    arms.add_column("endpoint")
    arms.add_column("unit")
    for name, arm in result.arms.items():
        dose = f"{arm.elemental_mg_per_day:.0f} mg/day" if arm.salt else "control"
        completers = f", {arm.n_analysed} analysed" if arm.n_analysed != arm.n else ""
        arms.add_column(f"{name} (n {arm.n}{completers}; {dose})")
    for endpoint in spec.endpoints:
        cells = []
        for arm in result.arms.values():
            e = arm.endpoints[endpoint]
            cells.append(
                f"{_fmt(e.baseline.mean)} → {_fmt(e.end.mean)} "
                f"({e.change.mean:+.3g} ± {_fmt(e.change.sd)})"
            )
        unit = next(iter(result.arms.values())).endpoints[endpoint].unit
        arms.add_row(endpoint, unit, *cells)
    console.print(arms)
    contrasts = Table(
        title=f"arm minus reference: expected difference [95 % interval of a trial of "
        f"n = {spec.n}] and power (two-sided, 5 %)"
    )
    for column in ("contrast", "endpoint", "in change", "at end", "power"):
        contrasts.add_column(column)
    for c in result.contrasts:
        contrasts.add_row(
            f"{c.arm} − {c.reference}",
            f"{c.endpoint} ({c.unit})",
            f"{c.difference_in_change.estimate:+.3g} "
            f"[{c.difference_in_change.ci95[0]:+.3g}, {c.difference_in_change.ci95[1]:+.3g}]",
            f"{c.difference_at_end.estimate:+.3g} "
            f"[{c.difference_at_end.ci95[0]:+.3g}, {c.difference_at_end.ci95[1]:+.3g}]",
            f"{c.power:.2f}",
        )
    console.print(contrasts)
    for c in result.contrasts:
        if c.note and c.arm == result.contrasts[0].arm:
            console.print(f"{c.endpoint}: {c.note}", markup=False)
    excluded = {n: a.excluded_not_reproducible for n, a in result.arms.items()}
    if any(excluded.values()):
        console.print(
            "left out (labs the model cannot reproduce): "
            + ", ".join(f"{n} {k}" for n, k in excluded.items()),
            markup=False,
        )
    without = {n: a.fitted_without_intake for n, a in result.arms.items()}
    if any(without.values()):
        console.print(
            "fitted without their dietary Mg (it cannot sustain their serum Mg at steady "
            "state): " + ", ".join(f"{n} {k}" for n, k in without.items()),
            markup=False,
        )
    undefined = {
        f"{n}/{e}": r.subjects_undefined
        for n, a in result.arms.items()
        for e, r in a.endpoints.items()
        if r.subjects_undefined
    }
    if undefined:
        console.print(
            "undefined index (not summarised): "
            + ", ".join(f"{k} {v}" for k, v in undefined.items()),
            markup=False,
        )
    for note in match.notes:
        console.print(f"population: {note}", markup=False)
    for assumption in result.assumptions:
        console.print(f"assumption: {assumption}", markup=False)


def _read(spec_path: Path) -> TrialSpec:
    from mgir.trials import read_trial_spec  # noqa: PLC0415

    return read_trial_spec(spec_path)


def _prepare(
    spec: TrialSpec,
    subjects_per_arm: int,
    seed: int | None,
    backend: str,
    scheduler: str | None,
    quiet: bool,
    parameter_draws: int,
) -> Any:
    from mgir.trials import prepare_trial  # noqa: PLC0415

    chosen = _backend(backend, scheduler)
    total = subjects_per_arm * len(spec.arms) * max(parameter_draws, 1)
    with _progress(total, quiet, "fitting and simulating") as tick:
        return prepare_trial(
            spec,
            subjects_per_arm=subjects_per_arm,
            seed=seed,
            backend=chosen,
            progress=tick,
            parameter_draws=parameter_draws,
        )


@handle_errors
def run_command(
    spec_path: Annotated[Path, typer.Argument(metavar="SPEC", help="Trial spec (TOML).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the result document.")] = False,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Write the result document here.")
    ] = None,
    report: Annotated[
        Path | None,
        typer.Option("--report", help="Also write an HTML page with figures (needs 'report')."),
    ] = None,
    subjects_per_arm: SubjectsPerArm = 2000,
    replicates: Replicates = 1000,
    seed: TrialSeed = None,
    backend: BackendName = "local",
    scheduler: Scheduler = None,
    parameter_draws: ParameterDraws = 0,
    dropout: Dropout = 0.0,
) -> None:
    """Run a trial spec on a virtual population: arms, contrasts with intervals, power."""
    from mgir.trials import summarise_trial  # noqa: PLC0415

    spec = _read(spec_path)
    trial = _prepare(spec, subjects_per_arm, seed, backend, scheduler, as_json, parameter_draws)
    result = summarise_trial(trial, replicates=replicates, dropout=dropout)
    document = result.model_dump(mode="json")
    if output is not None:
        write_text(output, json.dumps(document, indent=2, allow_nan=False) + "\n", field="-o")
    if report is not None:
        from mgir.report import render_trial_report  # noqa: PLC0415

        write_text(report, render_trial_report(trial, result), field="--report")
    if as_json:
        print_json(document)
        return
    _print_result(result, spec)
    for path in (output, report):
        if path is not None:
            console.print(f"wrote {path}", markup=False)


def _totals(text: str) -> list[int]:
    try:
        values = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise InvalidInputError(
            field="--n", value=text, allowed="comma-separated whole numbers, e.g. 40,80,160"
        ) from None
    if not values:
        raise InvalidInputError(field="--n", value=text, allowed="at least one total n")
    return values


def _print_power(points: list[PowerPoint], title: str) -> None:
    table = Table(title=title)
    for column in ("total n", "per arm", "power", "95 % interval of the difference in change"):
        table.add_column(column)
    for point in points:
        low, high = point.ci95_difference_in_change
        table.add_row(
            str(point.n_total),
            ", ".join(
                f"{k} {v}"
                + (
                    f" ({point.n_analysed_per_arm[k]} analysed)"
                    if point.n_analysed_per_arm[k] != v
                    else ""
                )
                for k, v in point.n_per_arm.items()
            ),
            f"{point.power:.2f}",
            f"[{low:+.3g}, {high:+.3g}]",
        )
    console.print(table)


@handle_errors
def power_command(
    spec_path: Annotated[Path, typer.Argument(metavar="SPEC", help="Trial spec (TOML).")],
    endpoint: Annotated[str, typer.Option("--endpoint", help="One of the spec's endpoints.")],
    target_power: Annotated[
        float | None,
        typer.Option("--target-power", help="Find the smallest total n with this power."),
    ] = None,
    totals: Annotated[
        str | None, typer.Option("--n", help="Total sizes for a power curve, e.g. 40,80,160.")
    ] = None,
    arm: Annotated[
        str | None, typer.Option("--arm", help="Arm against the reference (default: the first).")
    ] = None,
    figure: Annotated[
        Path | None, typer.Option("--figure", help="Write the power curve as SVG or PNG.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the points as JSON.")] = False,
    subjects_per_arm: SubjectsPerArm = 2000,
    replicates: Replicates = 1000,
    seed: TrialSeed = None,
    backend: BackendName = "local",
    scheduler: Scheduler = None,
    parameter_draws: ParameterDraws = 0,
    dropout: Dropout = 0.0,
) -> None:
    """Power of a contrast by total n: a curve (--n) or the n for a power (--target-power)."""
    from mgir.trials import n_for_power, power_curve  # noqa: PLC0415

    if (target_power is None) == (totals is None):
        raise InvalidInputError(
            field="--target-power", value=target_power, allowed="either --target-power or --n"
        )
    spec = _read(spec_path)
    if endpoint not in spec.endpoints:
        raise InvalidInputError(
            field="--endpoint",
            value=endpoint,
            allowed=f"one of the spec's endpoints: {', '.join(spec.endpoints)}",
        )
    trial = _prepare(spec, subjects_per_arm, seed, backend, scheduler, as_json, parameter_draws)
    if totals is not None:
        points = power_curve(
            trial,
            _totals(totals),
            endpoint=endpoint,
            arm=arm,
            replicates=replicates,
            dropout=dropout,
        )
        title = f"{spec.name}: power for {endpoint} by total n"
    else:
        assert target_power is not None
        found = n_for_power(
            trial,
            endpoint=endpoint,
            target_power=target_power,
            arm=arm,
            replicates=replicates,
            dropout=dropout,
        )
        if found is None:
            raise InvalidInputError(
                field="--target-power",
                value=target_power,
                allowed=f"a power this contrast reaches with at most 20,000 people and no more "
                f"per arm than the virtual cohort holds ({endpoint}; raise --subjects-per-arm)",
            )
        points = [found]
        title = f"{spec.name}: smallest total n with power ≥ {target_power:g} for {endpoint}"
    if figure is not None:
        from mgir.report import power_curve_figure  # noqa: PLC0415

        write_text(figure, "", field="--figure")  # fail early on an unwritable path
        figure.write_bytes(power_curve_figure(points, fmt=figure.suffix.lstrip(".") or "svg"))
    if as_json:
        print_json([point.model_dump(mode="json") for point in points])
        return
    _print_power(points, title)
    if figure is not None:
        console.print(f"wrote {figure}", markup=False)


@handle_errors
def sample_command(
    condition: Annotated[
        str, typer.Option("--condition", help="healthy, insulin_resistant, prediabetes, t2d, ...")
    ],
    n: Annotated[int, typer.Option("--n", min=1, help="Virtual subjects to draw.")],
    output: Annotated[
        Path, typer.Option("-o", "--output", help="Table to write: .parquet or .csv.")
    ],
    seed: Annotated[int, typer.Option("--seed", min=0, help="Seed of the draw.")] = 0,
) -> None:
    """Draw virtual subjects of a condition from NHANES adults (survey-weighted), with labs."""
    import numpy as np  # noqa: PLC0415

    from mgir.trials import CONDITIONS, sample_population  # noqa: PLC0415

    if condition not in CONDITIONS:
        raise InvalidInputError(
            field="--condition", value=condition, allowed=f"one of {', '.join(CONDITIONS)}"
        )
    suffix = output.suffix.lower()
    if suffix not in (".parquet", ".csv"):
        raise InvalidInputError(
            field="-o", value=str(output), allowed="a file name ending in .parquet or .csv"
        )
    population = sample_population(condition, n, np.random.default_rng(seed))
    columns = population.columns()
    if suffix == ".parquet":
        try:
            import pyarrow as pa  # noqa: PLC0415
            import pyarrow.parquet as pq  # noqa: PLC0415
        except ImportError:
            raise InvalidInputError(
                field="-o", value=str(output), allowed="Parquet with pip install 'mgir[parquet]'"
            ) from None
        metadata = {
            b"mgir.population": population.match.model_dump_json().encode(),
            b"mgir.seed": str(seed).encode(),
        }
        table = pa.table(columns).replace_schema_metadata(metadata)
        try:
            pq.write_table(table, output)
        except OSError as exc:
            raise InvalidInputError(
                field="-o", value=str(output), allowed=f"a writable file path ({exc})"
            ) from None
    else:
        import csv  # noqa: PLC0415
        import io  # noqa: PLC0415

        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        for row in zip(*columns.values(), strict=True):
            writer.writerow(["" if isinstance(v, float) and math.isnan(v) else v for v in row])
        write_text(output, buffer.getvalue(), field="-o")
    console.print(
        f"wrote {output}: {n} virtual {condition} subjects from "
        f"{population.match.pool_adults} NHANES adults (seed {seed})",
        markup=False,
    )


@handle_errors
def describe_command(
    condition: Annotated[
        str | None, typer.Option("--condition", help="One condition (default: every one).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the description as JSON.")] = False,
) -> None:
    """Describe each condition's pool: who is in it, and its survey-weighted labs."""
    import numpy as np  # noqa: PLC0415

    from mgir.trials import CONDITIONS, sample_population  # noqa: PLC0415

    if condition is not None and condition not in CONDITIONS:
        raise InvalidInputError(
            field="--condition", value=condition, allowed=f"one of {', '.join(CONDITIONS)}"
        )
    chosen = (condition,) if condition else CONDITIONS
    # The pool's survey-weighted moments are exact (pool_mean, pool_sd); one draw shows the rest.
    matches = {c: sample_population(c, 1000, np.random.default_rng(0)).match for c in chosen}
    if as_json:
        print_json({c: m.model_dump(mode="json") for c, m in matches.items()})
        return
    table = Table(title="NHANES adults of each condition (survey-weighted mean ± SD)")
    table.add_column("quantity")
    table.add_column("unit")
    for c, m in matches.items():
        table.add_column(f"{c} ({m.pool_adults})")
    rows = [r.quantity for r in next(iter(matches.values())).rows]
    for quantity in rows:
        cells = []
        for m in matches.values():
            row = next(r for r in m.rows if r.quantity == quantity)
            if row.how == "pool" and row.pool_mean is not None:
                cells.append(f"{_fmt(row.pool_mean)} ± {_fmt(row.pool_sd)}")
            else:
                cells.append(f"{_fmt(row.virtual_mean)} ± {_fmt(row.virtual_sd)} (drawn)")
        unit = next(r for r in next(iter(matches.values())).rows if r.quantity == quantity).unit
        table.add_row(quantity, unit, *cells)
    console.print(table)
    for c, m in matches.items():
        flag = " (unverified rule)" if m.pool_evidence == "unverified" else ""
        console.print(
            f"{c}: {m.pool_rule}{flag}; left out for a lab outside the model's range: "
            f"{m.excluded_outside_lab_bounds}",
            markup=False,
        )


def register(app: typer.Typer) -> None:
    """Add the ``trial`` and ``population`` command groups."""
    trial = typer.Typer(
        help="Virtual trials from a trial spec (specs/trial-spec.md).", no_args_is_help=True
    )
    trial.command("run")(run_command)
    trial.command("power")(power_command)
    app.add_typer(trial, name="trial")
    population = typer.Typer(
        help="Virtual populations drawn from NHANES adults.", no_args_is_help=True
    )
    population.command("sample")(sample_command)
    population.command("describe")(describe_command)
    app.add_typer(population, name="population")
