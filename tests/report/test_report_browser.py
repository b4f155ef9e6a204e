"""The report in a real browser: Debian's Chromium, headless, driven by Playwright.

Each example's report is opened from a file in Chromium and printed to PDF by it. The checks read
what the browser shows (visible text, the accessibility of the figure, where links go) and what it
loads. Without a Chromium these tests skip locally; in CI (``CI`` set) a missing browser fails.
"""

from __future__ import annotations

import os
import re
import shutil
import tomllib
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from mgir.assessment import parse_person
from mgir.care import CareOptions, evaluate
from mgir.report import render_report
from mgir.report._labels import lab_label
from tests.conftest import example_files
from tests.report.test_report import machine_names

ON = date(2026, 12, 1)


def _chromium() -> str | None:
    for candidate in (os.environ.get("MGIR_CHROMIUM"), "chromium", "chromium-browser"):
        if candidate and (found := shutil.which(candidate)):
            return found
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    executable = _chromium()
    if executable is None:
        if os.environ.get("CI"):
            pytest.fail(
                "CI needs Chromium for the report's browser test (apt-get install chromium)"
            )
        pytest.skip("no Chromium here (apt-get install chromium)")
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.mark.parametrize("path", example_files(), ids=lambda p: p.stem)
def test_chromium_shows_a_complete_self_contained_report(
    browser: Any, path: Path, tmp_path: Path
) -> None:
    person = parse_person(tomllib.loads(path.read_text(encoding="utf-8")), assessed_on=ON)
    evaluation = evaluate(person, CareOptions(draws=10))
    target = tmp_path / "report.html"
    target.write_text(render_report(evaluation), encoding="utf-8")
    url = target.as_uri()

    page = browser.new_page(viewport={"width": 1100, "height": 900})
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(url, wait_until="load")

    # The page loads nothing but itself: no font, script, stylesheet or image from elsewhere.
    assert [r for r in requests if r != url] == []

    # The labs table lists every lab of the file with its date, as the browser shows it.
    rows = page.locator("#labs tbody tr").all_inner_texts()
    for lab in evaluation.person.lab_history:
        dated = lab.date.isoformat() if lab.date else "not dated"
        shown = f"{lab.given_value:g} {lab.given_unit}"
        assert any(r.startswith(lab_label(lab.name)) and dated in r and shown in r for r in rows), (
            lab.name,
            dated,
            shown,
            rows,
        )

    # Every reference is a link (or says there is no public page), and every citation lands on one.
    references = page.locator("#references li")
    assert references.count() > 0
    for index in range(references.count()):
        entry = references.nth(index)
        hrefs = [a.get_attribute("href") for a in entry.locator("a").all()]
        if not hrefs:
            assert "no public page" in entry.inner_text()
        assert all(h and re.match(r"https?://[a-z]", h) for h in hrefs), hrefs
    anchors = page.eval_on_selector_all(
        "a.cite", "els => els.map(e => document.getElementById(e.hash.slice(1)) !== null)"
    )
    assert anchors and all(anchors)

    # No internal key name is visible text (the person's identifier may contain anything).
    visible = page.inner_text("body").replace(evaluation.person.id, " ")
    leaked = {n for n in machine_names() if re.search(rf"\b{re.escape(n)}\b", visible)}
    assert not leaked, leaked
    assert "unit 1" not in visible and "[[" not in visible

    # The figure is an image with a text alternative, drawn (not empty) by the browser.
    if evaluation.projection is not None:
        figure = page.locator("svg[role=img]")
        assert figure.count() == 1
        label = figure.get_attribute("aria-label") or ""
        assert label.startswith("Serum magnesium")
        box = figure.bounding_box()
        assert box is not None and box["width"] > 400 and box["height"] > 250

    # On a phone-width screen nothing runs off the side.
    page.set_viewport_size({"width": 390, "height": 844})
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1

    # Printed by the browser, the same page keeps its labs, plan and signature block.
    pypdf = pytest.importorskip("pypdf")
    pdf_path = tmp_path / "report.pdf"
    page.emulate_media(media="print")
    pdf_path.write_bytes(page.pdf(format="A4", print_background=True))
    page.close()
    reader = pypdf.PdfReader(pdf_path)
    text = " ".join(" ".join(p.extract_text().split()) for p in reader.pages)
    for lab in evaluation.person.lab_history:
        assert lab_label(lab.name) in text
    assert "Signature" in text and evaluation.provenance.knowledge_base_version in text
    if evaluation.plan is not None and evaluation.plan.supplement is not None:
        assert f"{evaluation.plan.supplement.elemental_mg_per_day:.0f} mg elemental" in text
