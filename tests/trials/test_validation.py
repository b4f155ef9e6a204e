"""The validation suite: scored on trials the calibration does not use; reserved trials nowhere."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from mgir.trials import read_trial_spec, score_validation

REPO = Path(__file__).resolve().parents[2]
SUITE = REPO / "validation"

# Kept for the project's independent external validation: never fitted, tuned or scored here.
RESERVED = re.compile(
    r"guerrero[-_ ]?romero[-_ ]?2015|lima[-_ ]de[-_ ]souza|jamilian|shokrpour|farsinejad|kieboom",
    re.IGNORECASE,
)


def _texts() -> list[Path]:
    roots = [SUITE, REPO / "src" / "mgir" / "model" / "data"]
    return [p for root in roots for p in root.rglob("*") if p.is_file()]


def test_reserved_trials_are_in_neither_the_suite_nor_the_calibration() -> None:
    files = _texts()
    assert any(p.name == "calibration_targets.csv" for p in files)
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace")
        assert not RESERVED.search(text), path
    assert not RESERVED.search("guerrero_romero2004")  # the calibration's 2004 trial is fine
    assert RESERVED.search("Guerrero-Romero 2015")  # the pattern does catch the reserved one


def test_suite_entries_are_valid_specs_outside_the_calibration() -> None:
    calibration = (REPO / "src/mgir/model/data/calibration_targets.csv").read_text("utf-8")
    entries = sorted(p for p in SUITE.iterdir() if p.is_dir())
    assert len(entries) >= 3
    for entry in entries:
        read_trial_spec(entry / "spec.toml")
        key = re.search(r'source_key = "([^"]+)"', (entry / "observed.toml").read_text("utf-8"))
        assert key is not None
        assert key.group(1) not in calibration, entry


@pytest.mark.slow
def test_published_scores_are_the_current_model_s() -> None:
    """Fails when the model changes without rerunning scripts/validate_model.py."""
    rows = score_validation(SUITE)
    with (REPO / "docs" / "validation_scores.csv").open(encoding="utf-8") as fh:
        published = list(csv.DictReader(fh))
    assert len(published) == len(rows)
    for row, pub in zip(rows, published, strict=True):
        assert (row.entry, row.endpoint) == (pub["entry"], pub["endpoint"])
        assert row.predicted == pytest.approx(float(pub["predicted"]), rel=1e-4, abs=1e-6)
        assert str(row.inside) == pub["inside"]
        assert row.ci_low <= row.observed <= row.ci_high
    page = (REPO / "docs" / "validation.md").read_text(encoding="utf-8")
    inside = sum(r.inside for r in rows)
    assert f"**{inside} of {len(rows)}**" in page


def test_an_effect_on_an_endpoint_the_spec_does_not_list_is_an_error(tmp_path: Path) -> None:
    from mgir._errors import InvalidInputError

    entry = tmp_path / "suite" / "one"
    entry.mkdir(parents=True)
    (entry / "spec.toml").write_text(
        (SUITE / "zhang2016_mg_status" / "spec.toml").read_text("utf-8"), encoding="utf-8"
    )
    (entry / "observed.toml").write_text(
        'source_key = "zhang2016_mg_status_meta"\nnote = "x"\n[[effects]]\n'
        'endpoint = "homa_ir"\narm = "magnesium"\nmeasure = "difference_in_change"\n'
        'estimate = -0.5\nci95 = [-1.0, -0.1]\nunit = "1"\n',
        encoding="utf-8",
    )
    with pytest.raises(InvalidInputError, match="homa_ir"):
        score_validation(tmp_path / "suite")
