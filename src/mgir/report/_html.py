"""The report: one self-contained HTML page (and its PDF) of an evaluation.

The page has a plain-language part for the person and a clinical part for the clinician, with the
same numbers and sources; every source key in the text links to the numbered reference list, and
every reference links to its DOI, PubMed or publisher page. No asset is fetched: styles, the
figure (inline SVG) and fonts are in the page.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import TYPE_CHECKING, Any

from markupsafe import Markup, escape

from mgir.reference import cite
from mgir.report._labels import (
    condition_label,
    index_label,
    lab_label,
    notice_title,
    output_label,
    symbols,
    unit_text,
)

if TYPE_CHECKING:
    from mgir.care import Evaluation
    from mgir.reference import Source

__all__ = ["render_pdf", "render_report"]


def _link(source: Source) -> str | None:
    """The canonical link: the DOI, else the published page, else the PubMed record."""
    if source.doi:
        return f"https://doi.org/{source.doi}"
    if source.url:
        return source.url
    return f"https://pubmed.ncbi.nlm.nih.gov/{source.pmid}/" if source.pmid else None


class _Citations:
    """Numbers source keys in order of first use and renders them as links to the list."""

    def __init__(self, keys: list[str]) -> None:
        self.sources = list(cite(k for k in keys if k))
        self.number = {s.key: i + 1 for i, s in enumerate(self.sources)}

    def __call__(self, keys: str | tuple[str, ...] | list[str]) -> Markup:
        if isinstance(keys, str):
            keys = [k for k in keys.split(";") if k]
        numbers = sorted({self.number[k] for k in keys if k in self.number})
        if not numbers:
            return Markup("")
        links = ",".join(f'<a href="#ref-{n}" class="cite">{n}</a>' for n in numbers)
        return Markup(f"<sup>[{links}]</sup>")


def _keys_of(evaluation: Evaluation, paragraphs: list[Any]) -> list[str]:
    a = evaluation.assessment
    keys: list[str] = []
    for paragraph in paragraphs:
        for _, sentence_keys in paragraph.sentences:
            keys += list(sentence_keys)
    for notice in a.notices:
        keys += notice.source.split(";")
    for result in (*a.indices.values(), a.kidney.egfr, a.kidney.fe_magnesium):
        keys += list(result.references)
    keys += [*a.magnesium.references, *a.requirements.references, *a.glycaemia.references]
    keys += list(a.intake.references)
    if evaluation.plan is not None:
        keys += list(evaluation.plan.reference_keys)
    if evaluation.projection is not None:
        keys += [str(k) for k in evaluation.projection.model.get("references", [])]
        for notice in evaluation.projection.notices:
            keys += notice.source.split(";")
    for change in a.lab_changes:
        keys += change.source.split(";")
    keys += list(a.references)
    return keys


def render_report(evaluation: Evaluation, *, generated: datetime | None = None) -> str:
    """Render one self-contained HTML page (inline CSS and figure, no external requests).

    Parameters
    ----------
    evaluation
        The person's evaluation (:func:`mgir.care.evaluate`): assessment, plan, projection.
    generated
        Timestamp shown on the page (defaults to the evaluation's provenance time).
    """
    import jinja2  # noqa: PLC0415  (the report extra; the core installs without it)

    from mgir.report._figures import (  # noqa: PLC0415
        figure_alt_text,
        projected_outputs,
        projection_figure,
    )
    from mgir.report._patient import patient_summary  # noqa: PLC0415

    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("mgir.report", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined,
    )
    paragraphs = patient_summary(evaluation)
    citations = _Citations(_keys_of(evaluation, paragraphs))
    environment.filters.update(
        cite=citations,
        lab=lab_label,
        index=index_label,
        output=output_label,
        title=notice_title,
        unit=unit_text,
        num=_number,
        linkify=plain_words,
        condition=condition_label,
        formula=_formula,
    )
    a = evaluation.assessment
    projection = evaluation.projection
    figure = None
    if projection is not None:
        svg, alt = None, ""
        if projected_outputs(projection):
            svg = projection_figure(projection, a.person).decode("utf-8")
            svg = re.sub(r"<\?xml[^>]*>\s*", "", svg)
            svg = re.sub(r"<!DOCTYPE[^>]*>\s*", "", svg)
            alt = figure_alt_text(projection, a.person)
            svg = svg.replace("<svg ", f'<svg role="img" aria-label="{escape(alt)}" ', 1)
        figure = {
            "svg": None if svg is None else Markup(svg),
            "alt": alt,
            "missing": [
                output_label(n)
                for n in (
                    "serum_magnesium",
                    "fasting_glucose",
                    "fasting_insulin",
                    "homa_ir",
                    "hba1c",
                )
                if n not in projected_outputs(projection)
            ],
        }
    start = a.person.assessed_on
    monitoring = []
    if evaluation.plan is not None:
        for m in evaluation.plan.monitoring:
            first, last = start + timedelta(m.due_min_days), start + timedelta(m.due_max_days)
            text = (
                "now"
                if m.due_max_days == 0
                else (
                    last.isoformat()
                    if first == last
                    else f"{first.isoformat()} to {last.isoformat()}"
                )
            )
            if m.repeat_days:
                text += f", then every {m.repeat_days} days"
            monitoring.append((m, text))
    when = generated or evaluation.provenance.generated_at
    history = sorted(a.person.lab_history, key=lambda v: (lab_label(v.name), v.date or start))
    serum = a.person.labs.get("serum_magnesium")
    return environment.get_template("report.html.j2").render(
        a=a,
        e=evaluation,
        plan=evaluation.plan,
        projection=projection,
        figure=figure,
        paragraphs=paragraphs,
        results=[*a.indices.values(), a.kidney.egfr, a.kidney.fe_magnesium],
        history=history,
        changes={(c.lab, c.latest_date): c for c in a.lab_changes},
        monitoring=monitoring,
        newest_lab=None if serum is None else serum.date,
        references=[(citations.number[s.key], s, _link(s)) for s in citations.sources],
        provenance=evaluation.provenance,
        generated=when.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    )


def render_pdf(evaluation: Evaluation, *, generated: datetime | None = None) -> bytes:
    """The same page as a PDF, for signing and sending (WeasyPrint; no network is used)."""
    try:
        import weasyprint  # noqa: PLC0415  (the pdf extra)
    except ImportError as exc:  # pragma: no cover - depends on the installed extras
        raise ImportError("PDF output needs WeasyPrint: pip install 'mgir[pdf]'") from exc

    html = render_report(evaluation, generated=generated)

    def no_fetch(url: str, **_: Any) -> dict[str, Any]:
        raise ValueError(f"the report fetches nothing ({url})")

    pdf: bytes = weasyprint.HTML(string=html, url_fetcher=no_fetch).write_pdf()
    return pdf


def _formula(formula: str) -> Markup:
    """A chemical formula with its counts as subscripts: Mg3(C6H5O7)2 -> Mg<sub>3</sub>..."""
    return Markup(re.sub(r"(?<=[A-Za-z)])(\d+)", r"<sub>\1</sub>", str(escape(formula))))


def _number(value: float | None, digits: int = 3) -> str:
    if value is None:
        return "—"
    return f"{value:.{digits}g}"


_KEY = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")


@cache
def _machine_words() -> dict[str, str]:
    from mgir.units import analyte_names  # noqa: PLC0415

    def in_sentence(label: str) -> str:  # "Serum magnesium" -> "serum magnesium"; "SHBG" stays
        return label if label[:2].isupper() else label[:1].lower() + label[1:]

    names = {name: in_sentence(lab_label(name)) for name in analyte_names()}
    names["height_cm"] = "height"
    return names


def plain_words(text: str) -> str:
    """Machine names inside a sentence read as words.

    Lab names become their labels ("shbg" -> "SHBG"), other snake_case names lose their
    underscores, "[[ogtt]]" is named, ">=" is typeset.
    """
    text = text.replace("an OGTT series ([[ogtt]])", "an oral glucose tolerance test")
    text = text.replace("[[ogtt]]", "oral glucose tolerance test")
    words = _machine_words()
    text = re.sub(
        r"\b(" + "|".join(sorted(map(re.escape, words), key=len, reverse=True)) + r")\b",
        lambda m: words[m.group(0)],
        text,
    )
    return symbols(_KEY.sub(lambda m: m.group(0).replace("_", " "), symbols(text)))
