"""The self-contained HTML report."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from importlib import metadata
from typing import Any

from mgir.assessment import Assessment
from mgir.reference import cite

__all__ = ["render_report"]


def _version() -> str:
    try:
        return metadata.version("mgir")
    except metadata.PackageNotFoundError:  # running from a source tree without install
        return "unknown"


def render_report(
    assessment: Assessment,
    *,
    plan: Mapping[str, Any] | None = None,
    simulation: Mapping[str, Any] | None = None,
    extra_references: tuple[str, ...] = (),
    generated: datetime | None = None,
) -> str:
    """Render one self-contained HTML page (inline CSS and figures, no external requests).

    Parameters
    ----------
    assessment
        The person's assessment.
    plan
        The plan document (``Plan.to_dict()``), when available.
    simulation
        ``{"caption": str, "figures": [{"alt": str, "png_base64": str}]}``, when available.
    extra_references
        Source keys used by the plan or the simulation.
    generated
        Timestamp shown on the page (defaults to now, UTC).
    """
    import jinja2  # noqa: PLC0415  (the report extra; the core installs without it)

    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("mgir.report", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined,
    )
    template = environment.get_template("report.html.j2")
    results = [*assessment.indices.values(), assessment.kidney.egfr, assessment.kidney.fe_magnesium]
    plan_refs = tuple(plan.get("references", ())) if plan else ()
    keys = (
        assessment.references
        + tuple(r if isinstance(r, str) else r["key"] for r in plan_refs)
        + extra_references
    )
    return template.render(
        a=assessment,
        results=results,
        plan=plan,
        simulation=simulation,
        references=cite(keys),
        version=_version(),
        generated=(generated or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M UTC"),
    )
