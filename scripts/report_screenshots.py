"""Screenshots of each shipped example's report, for the docs and the README.

Renders ``mgir report`` for every ``examples/*.toml`` (assessed on a fixed date, seed 0, the
default 100 draws) and photographs the top of each page in Debian's Chromium (headless, through
Playwright), plus a small thumbnail of the T2D example for the README.

Run from the repository root::

    python scripts/report_screenshots.py            # writes docs/images/report-*.png

Needs the ``test`` extra (Playwright) and ``apt-get install chromium``; set ``MGIR_CHROMIUM`` to
use another Chromium binary.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import tomllib
from datetime import UTC, date, datetime
from pathlib import Path

from PIL import Image
from playwright.sync_api import sync_playwright

from mgir.assessment import parse_person
from mgir.care import evaluate
from mgir.report import render_report

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "images"
ASSESSED_ON = date(2026, 12, 1)
GENERATED = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
WIDTH_PX, HEIGHT_PX = 1000, 1500
THUMBNAIL_EXAMPLE = "t2d_low_magnesium"
THUMBNAIL_WIDTH_PX = 360


def _chromium() -> str:
    for candidate in (os.environ.get("MGIR_CHROMIUM"), "chromium", "chromium-browser"):
        if candidate and (found := shutil.which(candidate)):
            return found
    sys.exit("no Chromium found: apt-get install chromium, or set MGIR_CHROMIUM")


def _save(png: bytes, target: Path, width_px: int | None = None) -> None:
    """Write a palette PNG (about a third of the size of the browser's RGB one)."""
    with tempfile.NamedTemporaryFile(suffix=".png") as raw:
        raw.write(png)
        raw.flush()
        image = Image.open(raw.name).convert("RGB")
        if width_px is not None:
            height_px = round(image.height * width_px / image.width)
            image = image.resize((width_px, height_px), Image.Resampling.LANCZOS)
        image.quantize(colors=128, method=Image.Quantize.MEDIANCUT).save(target, optimize=True)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright, tempfile.TemporaryDirectory() as folder:
        browser = playwright.chromium.launch(executable_path=_chromium(), args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": WIDTH_PX, "height": HEIGHT_PX})
        for example in sorted((ROOT / "examples").glob("*.toml")):
            document = tomllib.loads(example.read_text(encoding="utf-8"))
            evaluation = evaluate(parse_person(document, assessed_on=ASSESSED_ON))
            html_path = Path(folder) / f"{example.stem}.html"
            html_path.write_text(render_report(evaluation, generated=GENERATED), encoding="utf-8")
            page.goto(html_path.as_uri(), wait_until="load")
            png = page.screenshot(clip={"x": 0, "y": 0, "width": WIDTH_PX, "height": HEIGHT_PX})
            _save(png, OUT / f"report-{example.stem}.png")
            if example.stem == THUMBNAIL_EXAMPLE:
                _save(png, OUT / "report-thumbnail.png", width_px=THUMBNAIL_WIDTH_PX)
            print(f"docs/images/report-{example.stem}.png")
        browser.close()


if __name__ == "__main__":
    main()
