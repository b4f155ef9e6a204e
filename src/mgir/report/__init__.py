"""Reports (layer L4): the self-contained HTML page and its figures."""

from __future__ import annotations

from mgir.report._html import render_report as render_report

__all__ = ["render_report"]
