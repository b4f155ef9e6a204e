"""Figures of projected trajectories (PNG bytes), shared by the report and ``mgir simulate``."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mgir.care import Projection

__all__ = ["projection_figure_png"]

_LABELS = {
    "serum_magnesium": "serum Mg (mmol/L)",
    "fasting_glucose": "fasting glucose (mmol/L)",
    "fasting_insulin": "fasting insulin (µIU/mL)",
    "homa_ir": "HOMA-IR",
}


def projected_outputs(projection: Projection) -> list[str]:
    """Outputs the person's own labs anchor (a reference adult's values are not drawn)."""
    first = projection.arms[0].outputs
    return [name for name in _LABELS if first[name].anchored == "measured"]


def projection_figure_png(projection: Projection) -> bytes:
    """One panel per output anchored on the person's labs, 5-95 % bands, one colour per arm."""
    import matplotlib  # noqa: PLC0415  (the report extra)

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    names = projected_outputs(projection)
    columns = 2 if len(names) > 1 else 1
    rows = (len(names) + 1) // 2
    fig, axes = plt.subplots(
        rows, columns, figsize=(4.5 * columns, 3 * rows), squeeze=False, sharex=True
    )
    weeks = [d / 7.0 for d in projection.days]
    for arm in projection.arms:
        for ax, name in zip(axes.flat, names, strict=False):
            series = arm.outputs[name]
            (line,) = ax.plot(weeks, series.central, label=arm.label)
            ax.fill_between(weeks, series.low, series.high, alpha=0.25, color=line.get_color())
            ax.set_ylabel(_LABELS[name])
    for ax in axes.flat[len(names) :]:
        ax.set_visible(False)
    for ax in axes[-1]:
        ax.set_xlabel("week")
    axes.flat[0].legend(fontsize=8)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    plt.close(fig)
    return buffer.getvalue()
