"""The self-contained HTML report of an evaluation."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from mgir.reference import cite

if TYPE_CHECKING:
    from mgir.care import Evaluation

__all__ = ["render_report"]


def render_report(evaluation: Evaluation, *, generated: datetime | None = None) -> str:
    """Render one self-contained HTML page (inline CSS and figures, no external requests).

    Parameters
    ----------
    evaluation
        The person's evaluation (:func:`mgir.care.evaluate`): assessment, plan, projection.
    generated
        Timestamp shown on the page (defaults to the evaluation's provenance time).
    """
    import jinja2  # noqa: PLC0415  (the report extra; the core installs without it)

    from mgir.report._figures import projected_outputs, projection_figure_png  # noqa: PLC0415

    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("mgir.report", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined,
    )
    template = environment.get_template("report.html.j2")
    a = evaluation.assessment
    plan = evaluation.plan
    projection = evaluation.projection
    keys = list(a.references)
    if plan is not None:
        keys += list(plan.reference_keys)
    figure = None
    if projection is not None:
        keys += [str(k) for k in projection.model.get("references", [])]
        shown = projected_outputs(projection)
        figure = {
            "png_base64": base64.b64encode(projection_figure_png(projection)).decode("ascii"),
            "alt": "Projected "
            + ", ".join(name.replace("_", " ") for name in shown)
            + " over "
            + f"{projection.weeks:g} weeks, with and without the plan's supplement",
            "missing": [
                n
                for n in ("serum_magnesium", "fasting_glucose", "fasting_insulin", "homa_ir")
                if n not in shown
            ],
        }
    results = [*a.indices.values(), a.kidney.egfr, a.kidney.fe_magnesium]
    when = generated or evaluation.provenance.generated_at
    return template.render(
        a=a,
        results=results,
        plan=plan,
        projection=projection,
        projection_note=evaluation.projection_note,
        figure=figure,
        references=cite(keys),
        provenance=evaluation.provenance,
        generated=when.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    )
