"""The clinic's pages in a real browser: Debian's Chromium, headless, driven by Playwright.

One uvicorn server on loopback serves the demo clinic (SQLite). The tests log in through the
login form and use the pages as people do: a clinician imports a FHIR Bundle, makes and signs
a plan and reads the trend charts (the unit toggle is an htmx swap); a patient sees only their
own record; forms are guarded by their CSRF token; the pages have labels, landmarks and a skip
link, fit a phone's width, and load nothing from outside the server. Screenshots of the main
pages go to ``MGIR_SCREENSHOTS`` when set (``docs/screenshots`` for the docs), else to a
temporary folder.

Without a Chromium these tests skip locally; in CI (``CI`` set) a missing browser fails.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.service.conftest import PASSWORD, database, running_server

LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
#: Every request URL any page of these tests made, and every error the pages logged (checked by
#: the last test).
REQUESTS: list[str] = []
ERRORS: list[str] = []
IMPORTED_ON = date.today() - timedelta(days=3)


def _chromium() -> str | None:
    for candidate in (
        os.environ.get("MGIR_CHROMIUM"),
        "/usr/bin/chromium",
        "chromium",
        "chromium-browser",
    ):
        if candidate and (found := shutil.which(candidate)):
            return found
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    executable = _chromium()
    if executable is None:
        if os.environ.get("CI"):
            pytest.fail(
                "CI needs Chromium for the clinic's browser tests (apt-get install chromium)"
            )
        pytest.skip("no Chromium here (apt-get install chromium)")
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=LAUNCH_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def clinic(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, int]]]:
    """The demo clinic served on loopback: (base URL, patient ids by name)."""
    from mgir import storage
    from mgir.service._demo import seed_demo

    with database("sqlite", tmp_path_factory.mktemp("browser-db")) as url:
        engine = storage.create_engine(url)
        storage.upgrade(engine)
        with storage.transaction(storage.session_factory(engine)) as session:
            ids = seed_demo(session)
        engine.dispose()
        with running_server(url) as base:
            yield base, ids


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where screenshots go: ``MGIR_SCREENSHOTS`` when set, else a temporary folder."""
    named = os.environ.get("MGIR_SCREENSHOTS")
    folder = Path(named) if named else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


NewContext = Callable[..., Any]


@pytest.fixture(scope="module")
def new_context(browser: Any) -> Iterator[NewContext]:
    """Browser contexts (separate cookie jars) whose every request URL is recorded."""
    made: list[Any] = []

    def make(**options: Any) -> Any:
        context = browser.new_context(**{"viewport": {"width": 1200, "height": 900}, **options})
        context.set_default_timeout(15_000)
        context.on("request", lambda request: REQUESTS.append(request.url))
        context.on("websocket", lambda socket: REQUESTS.append(socket.url))
        context.on("weberror", lambda error: ERRORS.append(str(error.error)))
        context.on(
            "console",
            lambda message: ERRORS.append(message.text) if message.type == "error" else None,
        )
        made.append(context)
        return context

    yield make
    for context in made:
        context.close()


def log_in(context: Any, base: str, username: str) -> Any:
    """Log in through the login form; returns the page, on the page the login lands on."""
    page = context.new_page()
    page.goto(base + "/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.click("form[action='/login'] button[type=submit]")
    assert "/login" not in page.url, page.locator("[role=alert]").all_inner_texts()
    return page


@pytest.fixture(scope="module")
def clinician(new_context: NewContext, clinic: tuple[str, dict[str, int]]) -> Any:
    """A context logged in as the demo clinician."""
    base, _ids = clinic
    context = new_context()
    log_in(context, base, "dr.rivera").close()
    return context


def _bundle(tmp_path: Path) -> Path:
    def observation(loinc: str, value: float, unit: str, display: str) -> dict[str, Any]:
        return {
            "resource": {
                "resourceType": "Observation",
                "status": "final",
                "category": [
                    {
                        "coding": [
                            {
                                "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                                "code": "laboratory",
                            }
                        ]
                    }
                ],
                "code": {
                    "coding": [{"system": "http://loinc.org", "code": loinc}],
                    "text": display,
                },
                "effectiveDateTime": IMPORTED_ON.isoformat(),
                "valueQuantity": {
                    "value": value,
                    "unit": unit,
                    "system": "http://unitsofmeasure.org",
                    "code": unit,
                },
            }
        }

    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            observation("2601-3", 0.70, "mmol/L", "Magnesium [Moles/volume] in Serum or Plasma"),
            observation("27873-9", 9.5, "u[IU]/mL", "Insulin [Units/volume] in Serum or Plasma"),
        ],
    }
    path = tmp_path / "labs.json"
    path.write_text(json.dumps(bundle), encoding="utf-8")
    return path


def _values_of(page: Any, output: str) -> list[float]:
    cells = page.locator(f"#trend-{output} details tbody tr td:nth-child(2)").all_text_contents()
    return [float(c) for c in cells]


PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def test_screenshots_of_the_main_pages(
    new_context: NewContext, clinic: tuple[str, dict[str, int]], shots: Path
) -> None:
    # Taken first, of the demo clinic as seeded (the later tests add results and messages).
    base, ids = clinic
    maria = f"{base}/patients/{ids['Maria López']}"
    page = new_context().new_page()
    page.goto(base + "/login")
    page.screenshot(path=str(shots / "login.png"), full_page=True)

    page = log_in(new_context(), base, "dr.rivera")
    page.screenshot(path=str(shots / "panel.png"), full_page=True)
    page.goto(maria)
    page.screenshot(path=str(shots / "patient.png"), full_page=True)

    page = log_in(new_context(), base, "maria")
    assert page.url == maria
    page.screenshot(path=str(shots / "patient-self.png"), full_page=True)

    page = log_in(new_context(**PHONE), base, "dr.rivera")
    page.goto(maria)
    page.screenshot(path=str(shots / "phone.png"), full_page=True)

    for name in ("login", "panel", "patient", "patient-self", "phone"):
        data = (shots / f"{name}.png").read_bytes()
        assert data.startswith(b"\x89PNG") and len(data) > 5_000, name


def test_the_patient_page_fits_a_phone(
    new_context: NewContext, clinic: tuple[str, dict[str, int]]
) -> None:
    base, ids = clinic
    for username in ("dr.rivera", "maria"):
        page = log_in(new_context(**PHONE), base, username)
        page.goto(f"{base}/patients/{ids['Maria López']}")
        assert page.evaluate("window.innerWidth") == 390
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390 + 1, (username, width)
        box = page.locator("#trend-serum_magnesium svg.chart").bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 391, box
        page.context.close()


def test_clinician_imports_labs_signs_a_plan_and_reads_the_trends(
    new_context: NewContext, clinic: tuple[str, dict[str, int]], tmp_path: Path
) -> None:
    base, ids = clinic
    context = new_context()
    page = log_in(context, base, "dr.rivera")

    # The panel lists the four demo patients, each with their flags.
    assert urlsplit(page.url).path == "/"
    rows = page.locator("table.panel tbody tr")
    assert rows.count() == 4
    names = rows.locator("th a").all_inner_texts()
    assert sorted(names) == sorted(ids)
    assert page.locator("table.panel .flag").count() >= 3

    def flags(name: str) -> list[str]:
        row = rows.filter(has=page.get_by_role("link", name=name, exact=True))
        return row.locator("td:nth-child(4) .flag").all_inner_texts()

    for name in ("Maria López", "John Carter", "Ruth Evans"):
        assert flags(name), name
    assert "low Mg" in flags("Maria López") and "eGFR < 30" in flags("Ruth Evans")
    assert flags("Sam Patel") == []

    # Sam Patel's page: import a FHIR Bundle through the file input.
    page.get_by_role("link", name="Sam Patel", exact=True).click()
    page.wait_for_url(f"**/patients/{ids['Sam Patel']}")
    assert page.locator("h1").inner_text().startswith("Sam Patel")
    page.set_input_files("#bundle", str(_bundle(tmp_path)))
    with page.expect_navigation():
        page.get_by_role("button", name="Import Bundle").click()
    status = page.get_by_role("status")
    assert "Imported 2 lab results" in status.inner_text()
    latest = page.locator("section[aria-labelledby=latest-h] table").first
    magnesium = latest.locator("tr", has_text="LOINC 2601-3")
    insulin = latest.locator("tr", has_text="LOINC 27873-9")
    assert "0.7 mmol/L" in magnesium.inner_text()
    assert IMPORTED_ON.isoformat() in magnesium.inner_text()
    assert re.search(r"\b9\.5 (u\[IU\]/mL|µIU/mL)", insulin.inner_text()), insulin.inner_text()
    assert IMPORTED_ON.isoformat() in insulin.inner_text()

    # Make a draft (the model runs), then sign it.
    plan = page.locator("section[aria-labelledby=plan-h]")
    assert "No plan yet" in plan.inner_text()
    with page.expect_navigation(timeout=60_000):
        page.get_by_role("button", name="Make a draft from the current record").click()
    assert "Draft version 1 made" in page.get_by_role("status").inner_text()
    assert plan.locator(".flag-draft").inner_text() == "draft"
    with page.expect_navigation():
        page.get_by_role("button", name=re.compile(r"^Sign version \d+$")).click()
    assert "signed" in page.get_by_role("status").inner_text()
    assert plan.locator(".flag-signed").inner_text() == "signed"
    assert plan.get_by_role("button", name=re.compile("^Sign version")).count() == 0
    plan_heading = plan.locator("p", has_text="Version 1").inner_text()
    assert f"starting {date.today().isoformat()}" in plan_heading, plan_heading

    # The magnesium trend now has the projection band and the results (the import among them).
    chart = page.locator("#trend-serum_magnesium svg.chart")
    assert chart.count() == 1
    assert chart.locator("polygon.band").count() == 1
    points = chart.locator("circle.point")
    assert points.count() >= 3
    titles = [points.nth(i).locator("title").text_content() for i in range(points.count())]
    assert f"{IMPORTED_ON}: 0.70 mmol/L" in titles

    # The panel now flags Sam's low magnesium (0.70 mmol/L).
    page.get_by_role("link", name="Panel").click()
    page.wait_for_url(base + "/")
    assert "low Mg" in flags("Sam Patel")

    # Maria's page: band and points, and the unit toggle swaps the chart in place (htmx).
    page.goto(f"{base}/patients/{ids['Maria López']}")
    figure = page.locator("#trend-serum_magnesium")
    assert figure.locator("svg.chart polygon.band").count() == 1
    assert figure.locator("svg.chart circle.point").count() >= 3
    assert figure.locator("figcaption a.current").inner_text() == "mmol/L"
    before = _values_of(page, "serum_magnesium")
    assert before and all(0.4 < v < 1.3 for v in before), before
    page.evaluate("window.__noReload = true")
    with page.expect_response(lambda r: "/trend/serum_magnesium?unit=mg" in r.url):
        figure.get_by_role("link", name="mg/dL", exact=True).click()
    figure = page.locator("#trend-serum_magnesium")
    figure.locator("figcaption a.current", has_text="mg/dL").wait_for()
    assert page.evaluate("window.__noReload === true"), "the toggle reloaded the whole page"
    assert figure.locator("figcaption a[aria-current=true]").inner_text() == "mg/dL"
    after = _values_of(page, "serum_magnesium")
    assert len(after) == len(before)
    assert all(1.2 < v < 3.2 for v in after), after
    # Both tables round to two decimals: 0.005 mmol/L is 0.012 mg/dL, plus 0.005 mg/dL.
    assert after == pytest.approx([v * 2.4305 for v in before], abs=0.018)
    assert "mg/dL" in (figure.locator("svg.chart > title").text_content() or "")
    assert figure.locator("svg.chart polygon.band").count() == 1


def test_a_patient_sees_only_their_own_record(
    new_context: NewContext, clinic: tuple[str, dict[str, int]]
) -> None:
    base, ids = clinic
    context = new_context()
    page = log_in(context, base, "maria")
    assert urlsplit(page.url).path == f"/patients/{ids['Maria López']}"
    assert page.locator("h1").inner_text() == "Hello, Maria López"
    # The plain-language view: no clinician forms.
    assert page.locator("#bundle").count() == 0
    assert page.get_by_role("button", name=re.compile("Sign|Make a draft")).count() == 0

    john = ids["John Carter"]
    response = page.goto(f"{base}/patients/{john}")
    assert response is not None and response.status == 404
    assert page.locator("h1").inner_text() == "Not found"
    assert "John Carter" not in page.content()
    api = context.request.get(f"{base}/api/patients/{john}")
    assert api.status == 404
    assert "John Carter" not in api.text()
    # Her own record answers (so the 404 is about John, not about the session).
    assert context.request.get(f"{base}/api/patients/{ids['Maria López']}").status == 200


def test_forms_need_their_csrf_token(clinician: Any, clinic: tuple[str, dict[str, int]]) -> None:
    base, ids = clinic
    target = f"{base}/patients/{ids['Maria López']}/messages"
    refused = clinician.request.post(target, form={"body": "forged message"}, max_redirects=0)
    assert refused.status == 403
    assert "CSRF" in refused.text()
    wrong = clinician.request.post(
        target, form={"body": "forged message", "csrf_token": "not-the-token"}, max_redirects=0
    )
    assert wrong.status == 403

    page = clinician.new_page()
    page.goto(f"{base}/patients/{ids['Maria López']}")
    assert "forged message" not in page.locator("#thread").inner_text()
    page.evaluate("window.__noReload = true")
    text = "Please repeat the magnesium test next week."
    page.fill("#body", text)
    with page.expect_response(lambda r: r.url == target and r.request.method == "POST") as info:
        page.get_by_role("button", name="Send").click()
    assert info.value.status == 200
    page.locator("#thread .message", has_text=text).wait_for()
    assert page.evaluate("window.__noReload === true"), "sending reloaded the whole page"
    newest = page.locator("#thread .message").last
    assert text in newest.inner_text()
    assert "Dr Ana Rivera" in newest.inner_text()
    assert "forged message" not in page.locator("#thread").inner_text()
    page.close()


def test_the_message_box_empties_after_sending(
    clinician: Any, clinic: tuple[str, dict[str, int]]
) -> None:
    base, ids = clinic
    page = clinician.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{base}/patients/{ids['John Carter']}")
    page.fill("#body", "Your next labs are due.")
    page.get_by_role("button", name="Send").click()
    page.locator("#thread .message", has_text="Your next labs are due.").wait_for()
    page.wait_for_timeout(200)
    assert errors == []
    assert page.input_value("#body") == ""


_A11Y_PROBLEMS = """() => {
  const problems = [];
  if (!document.documentElement.lang) problems.push("no lang on <html>");
  if (document.querySelectorAll("main, [role=main]").length !== 1) problems.push("not one main");
  for (const el of document.querySelectorAll("input, select, textarea")) {
    if (el.type === "hidden") continue;
    const labelled = el.labels && [...el.labels].some(l => l.textContent.trim());
    if (!labelled) problems.push(`unlabelled ${el.tagName} ${el.name || el.id}`);
  }
  for (const svg of document.querySelectorAll("svg[role=img]")) {
    const title = svg.querySelector(":scope > title");
    if (!title || !title.textContent.trim()) problems.push("svg image without a title");
  }
  return problems;
}"""


def test_pages_have_labels_landmarks_and_a_skip_link(
    new_context: NewContext, clinician: Any, clinic: tuple[str, dict[str, int]]
) -> None:
    base, ids = clinic
    anonymous = new_context().new_page()
    anonymous.goto(base + "/login")
    assert anonymous.evaluate(_A11Y_PROBLEMS) == []
    assert anonymous.locator("input:not([type=hidden])").count() == 2

    page = clinician.new_page()
    for path in ("/", f"/patients/{ids['Maria López']}", f"/patients/{ids['Sam Patel']}"):
        page.goto(base + path)
        assert page.evaluate(_A11Y_PROBLEMS) == [], path
    assert page.locator("input:not([type=hidden]), textarea").count() >= 6

    page.goto(f"{base}/patients/{ids['Maria López']}")
    assert page.locator("svg[role=img]").count() >= 2
    page.keyboard.press("Tab")
    focused = page.evaluate(
        "() => [document.activeElement.textContent.trim(), "
        "document.activeElement.getAttribute('href'), "
        "document.activeElement.getBoundingClientRect().left]"
    )
    assert focused[:2] == ["Skip to content", "#main"]
    assert focused[2] >= 0, "the focused skip link stays off screen"
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"
    page.close()


def test_the_browser_fetched_nothing_from_elsewhere(
    new_context: NewContext, clinic: tuple[str, dict[str, int]]
) -> None:
    base, _ids = clinic
    # Run alone, this test still loads a page of its own.
    new_context().new_page().goto(base + "/login")
    server = urlsplit(base)
    elsewhere = [
        url
        for url in REQUESTS
        if not url.startswith("data:")
        and (urlsplit(url).hostname, urlsplit(url).port) != (server.hostname, server.port)
    ]
    assert REQUESTS
    assert elsewhere == []
    # Nor did a page log an error (a script or style the CSP blocked, a script that failed); the
    # 404s are the ones asked for above.
    unexpected = [e for e in ERRORS if "status of 404 (Not Found)" not in e]
    assert unexpected == []
