"""Reports (layer L4): the self-contained HTML page and its figures."""

from __future__ import annotations

from mgir.report._figures import trajectory_figure_png as trajectory_figure_png
from mgir.report._html import render_report as render_report

__all__ = ["render_report", "trajectory_figure_png"]
