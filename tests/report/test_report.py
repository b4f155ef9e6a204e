"""The report a clinician signs and a patient understands: content checks on the HTML and the PDF.

The browser test (test_report_browser.py) renders the same pages in Chromium; these checks read
the HTML itself so that they also run where no browser is installed.
"""

from __future__ import annotations

import os
import re
import tomllib
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest

from mgir.assessment import parse_person
from mgir.care import CareOptions, Evaluation, evaluate
from mgir.reference import contraindications, sources
from mgir.report import render_pdf, render_report
from mgir.report._labels import has_title, lab_label
from mgir.units import analyte_names
from tests.conftest import example_files

ON = date(2026, 12, 1)


class _Page(HTMLParser):
    """Visible text, the labs table rows, reference entries and every URL the page would load."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.loads: list[str] = []
        self.stack: list[str] = []
        self.section: str | None = None
        self.lab_rows: list[list[str]] = []
        self.references: list[dict[str, object]] = []
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag in ("style", "script", "title"):
            self._hidden += 1
        if tag == "section":
            self.section = a.get("id")
        for name in ("src", "data", "poster"):
            if a.get(name):
                self.loads.append(str(a[name]))
        if tag == "link" and a.get("href"):
            self.loads.append(str(a["href"]))
        if self.section == "labs" and tag == "tr":
            self._row = []
        if self._row is not None and tag == "td":
            self._cell = []
        if self.section == "references" and tag == "li":
            self.references.append({"id": a.get("id"), "links": [], "text": ""})
        if self.section == "references" and tag == "a" and self.references:
            self.references[-1]["links"].append(a.get("href"))  # type: ignore[union-attr]

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script", "title"):
            self._hidden -= 1
        if tag == "td" and self._row is not None and self._cell is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        if tag == "tr" and self._row is not None:
            if self._row:
                self.lab_rows.append(self._row)
            self._row = None

    def handle_data(self, data: str) -> None:
        if self._hidden:
            return
        self.text.append(data)
        if self._cell is not None:
            self._cell.append(data)
        if self.section == "references" and self.references:
            self.references[-1]["text"] = str(self.references[-1]["text"]) + data


def require_weasyprint() -> None:
    """Skip without WeasyPrint or its system libraries (Pango), except in CI where it must run."""
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError) as error:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"WeasyPrint cannot run here: {error}")


def page(html: str) -> _Page:
    parser = _Page()
    parser.feed(html)
    return parser


def evaluation_of(path: Path, **options: object) -> Evaluation:
    person = parse_person(tomllib.loads(path.read_text(encoding="utf-8")), assessed_on=ON)
    return evaluate(person, CareOptions(draws=10, **options))


def machine_names() -> set[str]:
    """Every internal key a report could leak: lab and index names, codes, condition codes."""
    from mgir.assessment import CONDITIONS

    names = set(analyte_names()) | {r.code for r in contraindications()} | set(CONDITIONS)
    names |= {"homa_ir", "homa_beta", "quicki", "free_androgen_index", "fe_magnesium"}
    names |= {"insulin_resistant", "grey_zone", "overt_hypomagnesaemia", "medication_times"}
    names -= {"pregnancy", "calcium", "potassium", "creatinine", "heart_block_x"}
    return {n for n in names if "_" in n or n in ("shbg", "tyg", "matsuda", "t2d", "pcos", "ckd")}


@pytest.mark.parametrize("path", example_files(), ids=lambda p: p.stem)
def test_the_report_reads_as_a_clinical_document(path: Path) -> None:
    evaluation = evaluation_of(path)
    html = render_report(evaluation)
    parsed = page(html)
    # The person's own identifier may contain anything (e.g. "ckd-g4"); it is not a leak.
    visible = " ".join(parsed.text).replace(evaluation.person.id, " ")
    # The labs table lists every lab of the file, with its date and the value as reported.
    rows = [r for r in parsed.lab_rows if len(r) == 5]
    for lab in evaluation.person.lab_history:
        wanted = (lab_label(lab.name), lab.date.isoformat() if lab.date else "not dated")
        assert any(r[0] == wanted[0] and r[1] == wanted[1] for r in rows), (lab.name, lab.date)
        assert any(f"{lab.given_value:g} {lab.given_unit}" in r[2] for r in rows)
    # No internal key name and no "unit 1" reaches the visible text.
    leaked = {n for n in machine_names() if re.search(rf"\b{re.escape(n)}\b", visible)}
    assert not leaked, leaked
    # Knowledge-base notation is typeset: no ">=", "->" or "FE_Mg" in what a reader sees.
    assert not re.search(r" >= | <= | -> |FE_Mg|MgCl2", visible)
    assert " 1 " not in re.sub(r"\s+", " ", " ".join(r[2] for r in parsed.lab_rows))
    # Every reference is a link to its DOI, PubMed or publisher page, or says it has none.
    assert parsed.references
    registry = sources()
    for entry in parsed.references:
        links = [link for link in entry["links"] if link]  # type: ignore[union-attr]
        if not links:
            assert "no public page" in str(entry["text"]), entry
            continue
        assert all(
            str(link).startswith("https://") or str(link).startswith("http://") for link in links
        )
        assert not re.search(r"https?://\d+\.\d+\.\d+\.\d+", " ".join(map(str, links)))
    # Every citation in the text links to an entry of the list.
    targets = {str(e["id"]) for e in parsed.references}
    cited = set(re.findall(r'href="#(ref-\d+)"', html))
    assert cited and cited <= targets
    # Nothing is loaded from elsewhere: no src, no stylesheet link, no external font or script.
    assert parsed.loads == []
    assert "@import" not in html and "url(http" not in html
    assert len(registry) > 0


def test_the_figure_shows_measured_labs_with_dates_and_only_measured_outputs() -> None:
    t2d = next(p for p in example_files() if p.stem == "t2d_low_magnesium")
    html = render_report(evaluation_of(t2d))
    assert 'role="img" aria-label="Serum magnesium' in html
    # The T2D example's earlier serum Mg (1.7 mg/dL on 2026-03-02) is in the figure and the table.
    assert "0.699 on 2026-03-02" in html
    assert "2026-03-02" in " ".join(page(html).text)
    ckd = next(p for p in example_files() if p.stem == "ckd_stage4")
    ckd_html = render_report(evaluation_of(ckd))
    assert "Not drawn, because not measured" in ckd_html
    assert (
        'aria-label="Serum magnesium' in ckd_html
        and "Fasting insulin (µIU/mL): measured" not in ckd_html
    )


def test_the_report_has_a_plain_language_part_with_the_same_numbers() -> None:
    t2d = next(p for p in example_files() if p.stem == "t2d_low_magnesium")
    evaluation = evaluation_of(t2d)
    parsed = page(render_report(evaluation))
    visible = " ".join(parsed.text)
    assert "For you, in plain words" in visible
    serum = evaluation.assessment.magnesium.serum_mmol_per_l
    assert f"Your blood magnesium is {serum:.2f} mmol/L" in visible
    supplement = evaluation.plan.supplement
    assert f"{supplement.elemental_mg_per_day:.0f} mg of magnesium a day" in visible
    first = evaluation.plan.monitoring[0]
    assert "When to test again" in visible and lab_label(first.lab) in visible
    assert "not a promise" in visible


@pytest.mark.parametrize("path", example_files(), ids=lambda p: p.stem)
def test_each_test_to_repeat_is_one_line_with_distinct_dates(path: Path) -> None:
    from mgir.report._patient import patient_summary

    evaluation = evaluation_of(path)
    labs = {m.lab for m in evaluation.plan.monitoring} if evaluation.plan else set()
    retests = [p for p in patient_summary(evaluation) if p.heading == "When to test again"]
    if not labs:
        assert retests == []
        return
    retest = retests[0]
    assert len(retest.sentences) == len(labs)
    for sentence, keys in retest.sentences:
        dates = re.findall(r"by (\d{4}-\d{2}-\d{2})", sentence)
        assert dates == sorted(set(dates)), sentence
        assert keys


def test_every_notice_code_of_the_examples_has_a_title() -> None:
    codes = set()
    for path in example_files():
        evaluation = evaluation_of(path)
        codes |= {n.code for n in evaluation.assessment.notices}
        codes |= {
            n.code
            for n in (*evaluation.plan.blocks, *evaluation.plan.cautions, *evaluation.plan.urgent)
        }
        codes |= {n.code for n in evaluation.projection.notices} if evaluation.projection else set()
    codes |= {r.code for r in contraindications()}
    assert {c for c in codes if not has_title(c)} == set()


def test_the_pdf_carries_the_override_the_signature_line_and_the_provenance(tmp_path: Path) -> None:
    require_weasyprint()
    pypdf = pytest.importorskip("pypdf")
    from datetime import UTC, datetime

    from mgir.care import Override

    t2d = next(p for p in example_files() if p.stem == "t2d_low_magnesium")
    override = Override(
        kind="upper_limit",
        reason="refractory hypomagnesaemia on a PPI",
        by="Dr S. Signer",
        at=datetime(2026, 12, 1, 9, 0, tzinfo=UTC),
    )
    evaluation = evaluation_of(t2d, requested_elemental_mg_per_day=400, overrides=(override,))
    content = render_pdf(evaluation)
    target = tmp_path / "report.pdf"
    target.write_bytes(content)
    reader = pypdf.PdfReader(target)
    text = " ".join(" ".join(p.extract_text().split()) for p in reader.pages)
    assert len(reader.pages) >= 2
    assert "Dr S. Signer" in text and "refractory hypomagnesaemia on a PPI" in text
    assert "Signature" in text and "Clinician (name)" in text
    assert evaluation.provenance.knowledge_base_version in text
    assert "400 mg elemental" in text


def test_the_labs_table_reads_a_change_against_its_variation() -> None:
    """The T2D example's HbA1c went 57 -> 62 mmol/mol (7.37 -> 7.82 %): +6.2 %, within 7.8 %."""
    from tests.conftest import EXAMPLES

    html = render_report(evaluation_of(EXAMPLES / "t2d_low_magnesium.toml"))
    rows = [r for r in page(html).lab_rows if len(r) == 5]
    hba1c = next(r for r in rows if r[1] == "2026-09-15" and r[0].startswith("HbA1c"))
    assert re.search(r"\+6\.\d % since 2026-03-02: within the 7\.8 %", hba1c[4]), hba1c[4]


def test_new_projection_notices_have_titles_and_the_figure_describes_the_follow_up_lab() -> None:
    for code in ("projected_serum_mg_low", "mg_negative_balance", "insulin_from_population"):
        assert has_title(code), code
    t2d = next(p for p in example_files() if p.stem == "t2d_low_magnesium")
    html = render_report(evaluation_of(t2d))
    # Glucose has a sourced day-to-day variation, serum Mg has none: only glucose gets a range.
    labels = re.findall(r'aria-label="([^"]*)"', html)
    described = next(text for text in labels if "Fasting glucose" in text)
    glucose = described[described.index("Fasting glucose") :]
    serum = described[: described.index("Fasting glucose")]
    assert "a follow-up lab" in glucose
    assert "a follow-up lab" not in serum
