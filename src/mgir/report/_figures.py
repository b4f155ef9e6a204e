"""Figures of the projection with the person's measured labs (SVG or PNG), for the report and CLI.

Before "today" (week 0) the panels show the labs as measured, with their dates; after it the
projection of each arm with its 5-95 % band. Only outputs anchored on the person's own labs are
drawn. Colours are the Okabe-Ito palette (distinguishable with the common colour-vision
deficiencies), lines also differ in style, and text is sized for print.
"""

from __future__ import annotations

import io
from datetime import date
from typing import TYPE_CHECKING, Any

from mgir.report._labels import output_label

if TYPE_CHECKING:
    from mgir.assessment import Person
    from mgir.care import Projection

__all__ = [
    "figure_alt_text",
    "measured_points",
    "projected_outputs",
    "projection_figure",
    "projection_figure_png",
]

_NAMES = ("serum_magnesium", "fasting_glucose", "fasting_insulin", "homa_ir", "hba1c")
_OKABE_ITO = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9")
_STYLES = ("-", "--", "-.", ":")
_UNITS = {
    "serum_magnesium": "mmol/L",
    "fasting_glucose": "mmol/L",
    "fasting_insulin": "µIU/mL",
    "hba1c": "%",
}


def projected_outputs(projection: Projection) -> list[str]:
    """Outputs the person's own labs anchor (a reference adult's values are not drawn)."""
    first = projection.arms[0].outputs
    return [name for name in _NAMES if first[name].anchored == "measured"]


def measured_points(person: Person, name: str) -> list[tuple[date | None, float]]:
    """The person's measured values of an output with their dates (None: not dated).

    HOMA-IR is computed where glucose and insulin share a date (or are both undated).
    """
    from mgir.assessment import formulas  # noqa: PLC0415

    def history(lab: str) -> dict[date | None, float]:
        return {v.date: v.value for v in person.lab_history if v.name == lab}

    if name != "homa_ir":
        return sorted(history(name).items(), key=lambda point: point[0] or date.max)
    glucose, insulin = history("fasting_glucose"), history("fasting_insulin")
    return sorted(
        (
            (day, float(formulas.homa_ir(glucose[day], insulin[day])))
            for day in glucose.keys() & insulin.keys()
        ),
        key=lambda point: point[0] or date.max,
    )


def figure_alt_text(projection: Projection, person: Person) -> str:
    """A description of the figure for people who cannot see it."""
    parts = []
    for name in projected_outputs(projection):
        points = measured_points(person, name)
        measured = ", ".join(
            f"{v:.3g} on {d.isoformat()}" if d else f"{v:.3g} (not dated)" for d, v in points
        )
        arms = "; ".join(
            f"{arm.label}: {arm.outputs[name].start:.3g} to {arm.outputs[name].end:.3g} "
            f"(band {arm.outputs[name].low[-1]:.3g}-{arm.outputs[name].high[-1]:.3g}"
            + (
                f"; a follow-up lab {arm.outputs[name].lab_low[-1]:.3g}-"  # type: ignore[index]
                f"{arm.outputs[name].lab_high[-1]:.3g})"  # type: ignore[index]
                if arm.outputs[name].lab_low is not None
                else ")"
            )
            for arm in projection.arms
        )
        unit = _UNITS.get(name, "")
        parts.append(
            f"{output_label(name)} ({unit or 'index'}): measured {measured}; projected over "
            f"{projection.weeks:g} weeks, {arms}."
        )
    return " ".join(parts)


def projection_figure(
    projection: Projection, person: Person | None = None, *, fmt: str = "svg"
) -> bytes:
    """The figure as SVG (default, crisp when printed) or PNG bytes."""
    import matplotlib  # noqa: PLC0415  (the report extra)

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    names = projected_outputs(projection)
    columns = 2 if len(names) > 1 else 1
    rows = (len(names) + 1) // 2
    with plt.rc_context({"font.size": 10, "svg.fonttype": "none", "svg.hashsalt": "mgir"}):
        fig, axes = plt.subplots(rows, columns, figsize=(5.0 * columns, 3.3 * rows), squeeze=False)
        weeks = [d / 7.0 for d in projection.days]
        for ax, name in zip(axes.flat, names, strict=False):
            for k, arm in enumerate(projection.arms):
                series = arm.outputs[name]
                colour = _OKABE_ITO[k % len(_OKABE_ITO)]
                ax.fill_between(weeks, series.low, series.high, alpha=0.2, color=colour, lw=0)
                ax.plot(
                    weeks,
                    series.central,
                    _STYLES[k % len(_STYLES)],
                    color=colour,
                    lw=2,
                    label=f"projected: {arm.label}",
                )
                if series.lab_low is not None and series.lab_high is not None:
                    # Where one follow-up lab may fall: the band widened by day-to-day
                    # biological variation and assay imprecision.
                    for edge in (series.lab_low, series.lab_high):
                        ax.plot(weeks, edge, ":", color=colour, lw=1, label="_lab band")
            if person is not None:
                points = measured_points(person, name)
                if points:
                    # An undated lab is the one the model starts from: drawn at week 0.
                    xs = [
                        0.0 if d is None else (d - person.assessed_on).days / 7.0 for d, _ in points
                    ]
                    ys = [v for _, v in points]
                    ax.plot(xs, ys, "o", color="black", ms=6, label="measured")
                    for x, y, (d, _) in zip(xs, ys, points, strict=True):
                        text = "not dated" if d is None else d.strftime("%d %b %Y")
                        ax.annotate(
                            text,
                            (x, y),
                            textcoords="offset points",
                            xytext=(0, 7),
                            ha="center",
                            fontsize=8,
                        )
            ax.axvline(0, color="grey", lw=1, ls=":")
            ax.margins(y=0.18)
            ax.set_ylabel(
                f"{output_label(name)}" + (f" ({_UNITS[name]})" if name in _UNITS else "")
            )
            ax.set_xlabel("weeks from today")
            ax.grid(alpha=0.3)
        for ax in axes.flat[len(names) :]:
            ax.set_visible(False)
        # Every panel's entries, once each (serum Mg has no follow-up-lab band).
        entries: dict[str, Any] = {}
        for ax in axes.flat[: len(names)]:
            for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
                entries.setdefault(label, handle)
        if any(arm.outputs[name].lab_low is not None for arm in projection.arms for name in names):
            from matplotlib.lines import Line2D  # noqa: PLC0415

            entries["dotted: where one follow-up lab may fall (90 %)"] = Line2D(
                [], [], ls=":", color="grey", lw=1
            )
        handles, labels = list(entries.values()), list(entries)
        fig.legend(handles, labels, loc="lower center", ncol=2, frameon=False)
        fig.tight_layout(rect=(0, 0.16 if rows == 1 else 0.09, 1, 1))
        buffer = io.BytesIO()
        fig.savefig(buffer, format=fmt, dpi=110, metadata={"Date": None} if fmt == "svg" else None)
        plt.close(fig)
    return buffer.getvalue()


def projection_figure_png(projection: Projection, person: Person | None = None) -> bytes:
    """The figure as PNG bytes (``mgir simulate --plot``)."""
    return projection_figure(projection, person, fmt="png")
