"""Reports (layer L4): the self-contained HTML page, its PDF and its figures."""

from __future__ import annotations

from mgir.report._figures import projected_outputs as projected_outputs
from mgir.report._figures import projection_figure as projection_figure
from mgir.report._figures import projection_figure_png as projection_figure_png
from mgir.report._html import plain_words as plain_words
from mgir.report._html import render_pdf as render_pdf
from mgir.report._html import render_report as render_report
from mgir.report._labels import condition_label as condition_label
from mgir.report._labels import index_label as index_label
from mgir.report._labels import lab_label as lab_label
from mgir.report._labels import notice_title as notice_title
from mgir.report._labels import output_label as output_label
from mgir.report._labels import unit_text as unit_text
from mgir.report._patient import Paragraph as Paragraph
from mgir.report._patient import patient_summary as patient_summary
from mgir.report._trial import power_curve_figure as power_curve_figure
from mgir.report._trial import render_trial_report as render_trial_report

__all__ = [
    "Paragraph",
    "condition_label",
    "index_label",
    "lab_label",
    "notice_title",
    "output_label",
    "patient_summary",
    "plain_words",
    "power_curve_figure",
    "projected_outputs",
    "projection_figure",
    "projection_figure_png",
    "render_pdf",
    "render_report",
    "render_trial_report",
    "unit_text",
]
