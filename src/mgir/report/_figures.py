"""Figures of simulated trajectories (PNG bytes), shared by the report and ``mgir simulate``."""

from __future__ import annotations

import io
from collections.abc import Sequence

from mgir.model import Output, UncertainSimulation

__all__ = ["trajectory_figure_png"]

_PANELS = (
    (Output.SERUM_MG, "serum Mg (mmol/L)"),
    (Output.FASTING_GLUCOSE, "fasting glucose (mmol/L)"),
    (Output.FASTING_INSULIN, "fasting insulin (µIU/mL)"),
    (Output.HOMA_IR, "HOMA-IR"),
)


def trajectory_figure_png(arms: Sequence[tuple[str, UncertainSimulation]]) -> bytes:
    """Four panels (serum Mg, glucose, insulin, HOMA-IR) with 5-95 % bands, one colour per arm."""
    import matplotlib  # noqa: PLC0415  (the report extra)

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    fig, axes = plt.subplots(2, 2, figsize=(9, 6), sharex=True)
    for label, arm in arms:
        days = arm.central.time_days
        for ax, (output, ylabel) in zip(axes.flat, _PANELS, strict=True):
            band = arm.bands(output)
            (line,) = ax.plot(days / 7.0, arm.central.output(output)[0], label=label)
            ax.fill_between(days / 7.0, band[0], band[-1], alpha=0.25, color=line.get_color())
            ax.set_ylabel(ylabel)
    for ax in axes[-1]:
        ax.set_xlabel("week")
    axes[0, 0].legend(fontsize=8)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    plt.close(fig)
    return buffer.getvalue()
