"""The virtual trial's page (``mgir trial run --report``) and the power-curve figure.

One self-contained HTML page: the spec's baseline table against the virtual population, each
endpoint's distribution of change per arm, the contrasts with their intervals and power, and
the assumptions. Figures are inline SVG; nothing is fetched.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from markupsafe import Markup

if TYPE_CHECKING:
    from mgir.trials import PowerPoint, TrialResult, VirtualTrial

__all__ = ["power_curve_figure", "render_trial_report"]

_OKABE_ITO = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9")


def _pyplot() -> Any:
    import matplotlib  # noqa: PLC0415  (the report extra)

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    return plt


def _save(fig: Any, fmt: str) -> bytes:
    plt = _pyplot()
    buffer = io.BytesIO()
    fig.savefig(buffer, format=fmt, dpi=110, metadata={"Date": None} if fmt == "svg" else None)
    plt.close(fig)
    return buffer.getvalue()


_RC = {"font.size": 10, "svg.fonttype": "none", "svg.hashsalt": "mgir"}


def power_curve_figure(points: Sequence[PowerPoint], *, fmt: str = "svg") -> bytes:
    """Power against total n (``mgir trial power --figure``), SVG or PNG bytes."""
    if fmt not in ("svg", "png"):
        from mgir._errors import InvalidInputError  # noqa: PLC0415

        raise InvalidInputError(field="--figure", value=fmt, allowed="a .svg or .png file")
    plt = _pyplot()
    with plt.rc_context(_RC):
        fig, ax = plt.subplots(figsize=(5.5, 3.4))
        ordered = sorted(points, key=lambda p: p.n_total)
        ax.plot([p.n_total for p in ordered], [p.power for p in ordered], "o-", color="#0072B2")
        ax.axhline(0.8, color="grey", ls=":", lw=1)
        ax.set_ylim(0, 1.02)
        ax.set_xlabel("total participants (n)")
        first = ordered[0]
        ax.set_ylabel(f"power, {first.endpoint}")
        ax.set_title(f"{first.arm} vs {first.reference}: two-sided test at 5 %", fontsize=10)
        ax.grid(alpha=0.3)
        fig.tight_layout()
        return _save(fig, fmt)


def _baseline_figure(result: TrialResult) -> bytes:
    plt = _pyplot()
    rows = [
        r
        for r in result.population.rows
        if r.target_mean is not None and r.virtual_mean is not None
    ]
    with plt.rc_context(_RC):
        count = max(len(rows), 1)
        fig, axes = plt.subplots(1, count, figsize=(max(2.1 * count, 8.0), 2.6))
        axes = [axes] if len(rows) <= 1 else list(axes)
        for ax, row in zip(axes, rows, strict=False):
            ax.errorbar(
                [0],
                [row.target_mean],
                yerr=[[row.target_sd or 0.0]],
                fmt="s",
                color="black",
                capsize=4,
                label="spec",
            )
            ax.errorbar(
                [1],
                [row.virtual_mean],
                yerr=[[row.virtual_sd or 0.0]],
                fmt="o",
                color="#0072B2",
                capsize=4,
                label="virtual",
            )
            ax.set_xticks([0, 1], ["spec", "virtual"])
            ax.set_xlim(-0.6, 1.6)
            ax.set_title(f"{row.quantity}\n({row.unit})", fontsize=9)
            ax.grid(alpha=0.3)
        fig.tight_layout()
        return _save(fig, "svg")


def _change_figure(trial: VirtualTrial, result: TrialResult) -> bytes:
    import numpy as np  # noqa: PLC0415

    from mgir.trials._run import endpoint_values  # noqa: PLC0415

    plt = _pyplot()
    endpoints = list(trial.spec.endpoints)
    columns = 2 if len(endpoints) > 1 else 1
    rows = (len(endpoints) + 1) // 2
    with plt.rc_context(_RC):
        fig, axes = plt.subplots(rows, columns, figsize=(5.0 * columns, 2.8 * rows), squeeze=False)
        for ax, endpoint in zip(axes.flat, endpoints, strict=False):
            for k, arm in enumerate(trial.spec.arms):
                members = trial.arm == k
                start = {lab: v[members] for lab, v in trial.recorded_start.items()}
                end = {lab: v[members] for lab, v in trial.recorded_end.items()}
                change = endpoint_values(end, endpoint) - endpoint_values(start, endpoint)
                change = change[np.isfinite(change)]
                low, high = (float(x) for x in _quantiles(change))
                ax.hist(
                    change[(change >= low) & (change <= high)],
                    bins=40,
                    histtype="step",
                    lw=1.6,
                    color=_OKABE_ITO[k % len(_OKABE_ITO)],
                    label=arm.name,
                    density=True,
                )
            unit = result.arms[trial.spec.arms[0].name].endpoints[endpoint].unit
            ax.set_xlabel(f"change in {endpoint} ({unit}); 1st-99th percentile shown")
            ax.set_ylabel("density")
            ax.grid(alpha=0.3)
        for ax in axes.flat[len(endpoints) :]:
            ax.set_visible(False)
        handles, labels = axes.flat[0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="lower center", ncol=len(labels), frameon=False)
        fig.tight_layout(rect=(0, 0.08 if rows > 1 else 0.14, 1, 1))
        return _save(fig, "svg")


def _quantiles(values: Any) -> Any:
    import numpy as np  # noqa: PLC0415

    return np.percentile(values, [1, 99]) if values.size else (0.0, 0.0)


def _contrast_figure(result: TrialResult) -> bytes:
    plt = _pyplot()
    contrasts = list(result.contrasts)
    with plt.rc_context(_RC):
        fig, axes = plt.subplots(
            len(contrasts), 1, figsize=(6.5, 0.9 * len(contrasts) + 0.6), squeeze=False
        )
        for ax, c in zip(axes.flat, contrasts, strict=True):
            low, high = c.difference_in_change.ci95
            ax.errorbar(
                [c.difference_in_change.estimate],
                [0],
                xerr=[
                    [c.difference_in_change.estimate - low],
                    [high - c.difference_in_change.estimate],
                ],
                fmt="o",
                color="#0072B2",
                capsize=4,
            )
            ax.axvline(0, color="grey", lw=1)
            ax.set_yticks([0], [f"{c.endpoint}\npower {c.power:.2f}"])
            ax.set_xlabel(f"{c.arm} − {c.reference}, difference in change ({c.unit})", fontsize=8)
            span = max(abs(low), abs(high), 1e-9) * 1.15
            ax.set_xlim(-span, span)
            ax.grid(alpha=0.3, axis="x")
        fig.tight_layout()
        return _save(fig, "svg")


def _inline(svg: bytes) -> Markup:
    text = svg.decode("utf-8")
    return Markup(text[text.index("<svg") :])


def render_trial_report(trial: VirtualTrial, result: TrialResult) -> str:
    """The virtual trial as one self-contained HTML page."""
    import jinja2  # noqa: PLC0415  (the report extra)

    from mgir.reference import cite  # noqa: PLC0415

    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("mgir.report", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined,
    )
    keys = [
        *list(result.population.pool_source_keys),
        "hainmueller2012_entropy_balancing",
        "allen2016_virtual_populations",
        "nhanes_combining_cycles",
    ]
    references = cite(keys)
    return environment.get_template("trial.html.j2").render(
        spec=trial.spec,
        result=result,
        baseline_figure=_inline(_baseline_figure(result)),
        change_figure=_inline(_change_figure(trial, result)),
        contrast_figure=_inline(_contrast_figure(result)),
        references=references,
    )
