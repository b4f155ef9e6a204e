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


def _entries(kind: str) -> list[Path]:
    return sorted(p for p in SUITE.iterdir() if (p / kind).is_file())


def test_suite_entries_are_valid_specs_outside_the_calibration() -> None:
    calibration = "\n".join(
        (REPO / "src/mgir/model/data" / name).read_text("utf-8")
        for name in ("calibration_targets.csv", "progression_targets.csv")
    )
    trials = _entries("observed.toml")
    assert len(trials) >= 3
    assert len(_entries("cohort.toml")) >= 2
    assert len(_entries("cross_section.toml")) == 1
    every = sorted(p for p in SUITE.iterdir() if p.is_dir())
    assert every == sorted([*trials, *_entries("cohort.toml"), *_entries("cross_section.toml")])
    for entry in every:
        if entry in trials:
            read_trial_spec(entry / "spec.toml")
        text = next(f.read_text("utf-8") for f in entry.iterdir() if f.name != "spec.toml")
        key = re.search(r'source_key = "([^"]+)"', text)
        assert key is not None
        assert key.group(1) not in calibration, entry


def _shipped_checks() -> dict[str, float]:
    from mgir.model import calibration_record

    return dict(calibration_record()["progression"]["checks"])


def test_cohort_entries_score_the_progression_checks(tmp_path: Path) -> None:
    """A cohort ratio is inside its interval or not, and its sign is taken against 1."""
    entry = tmp_path / "suite" / "dong"
    entry.mkdir(parents=True)
    (entry / "cohort.toml").write_text(
        (SUITE / "dong2011_intake_cohorts" / "cohort.toml").read_text("utf-8"), encoding="utf-8"
    )
    for ratio, inside, agrees in ((0.85, True, True), (0.95, False, True), (1.1, False, False)):
        checks = {**_shipped_checks(), "rate_ratio_per_100_mg_intake": ratio}
        (row,) = score_validation(tmp_path / "suite", cohort_checks=checks)
        assert (row.predicted, row.inside, row.sign_agrees) == (ratio, inside, agrees)
        assert (row.observed, row.ci_low, row.ci_high) == (0.86, 0.82, 0.89)


def test_an_unknown_cohort_check_is_an_error_naming_it(tmp_path: Path) -> None:
    from mgir._errors import InvalidInputError

    entry = tmp_path / "suite" / "one"
    entry.mkdir(parents=True)
    (entry / "cohort.toml").write_text(
        'source_key = "dong2011_mg_intake_diabetes"\nnote = "x"\n[[effects]]\n'
        'check = "hazard_ratio_per_serum_sd"\nestimate = 0.8\nci95 = [0.7, 0.9]\n',
        encoding="utf-8",
    )
    with pytest.raises(InvalidInputError, match="hazard_ratio_per_serum_sd"):
        score_validation(tmp_path / "suite", cohort_checks=_shipped_checks())


@pytest.mark.slow
def test_nhanes_cross_section_is_computed_from_the_table() -> None:
    """The observed slope is recomputed here independently (pandas + numpy weighted least
    squares) and agrees with the statsmodels one; the model's slope has the observed sign."""
    import numpy as np
    import pandas as pd

    from mgir.trials import nhanes_intake_cross_section

    section = nhanes_intake_cross_section()
    table = pd.read_csv(REPO / "src/mgir/model/data/nhanes_mg_intake_adults.csv")
    ln_homa = np.log(
        table["fasting_glucose_mmol_per_l"] * table["fasting_insulin_uiu_per_ml"] / 22.5
    )
    design = np.column_stack([np.ones(len(table)), table["mg_intake_mg_per_day"] / 100.0])
    root_w = np.sqrt(table["weight"].to_numpy())
    beta = np.linalg.lstsq(design * root_w[:, None], ln_homa * root_w, rcond=None)[0]
    assert section.observed_slope["crude"] == pytest.approx(beta[1], rel=1e-9)
    low, high = section.observed_ci95["crude"]
    assert low < section.observed_slope["crude"] < high < 0
    assert section.n_people == len(table)
    assert 0.9 * section.n_people < section.n_fitted <= section.n_people
    assert len(section.excluded) == section.n_people - section.n_fitted
    assert section.model_slope < 0
    # Quartile means of intake rise, and the model's HOMA-IR falls with them.
    assert np.all(np.diff(section.quartile_intake_mg_per_day) > 0)
    assert np.all(np.diff(section.model_quartile_homa_ir) < 0)


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


def _time_course_entry(tmp_path: Path, published_weeks: float, endpoint: str) -> Path:
    entry = tmp_path / "suite" / "zhang"
    entry.mkdir(parents=True)
    (entry / "spec.toml").write_text(
        (SUITE / "zhang2016_mg_status" / "spec.toml").read_text("utf-8"), encoding="utf-8"
    )
    (entry / "time_course.toml").write_text(
        'source_key = "zhang2016_mg_status_meta"\nnote = "x"\nhorizon_weeks = 26\n'
        f'agreement_factor = 2.0\n[[plateaus]]\nendpoint = "{endpoint}"\narm = "magnesium"\n'
        f"published_weeks = {published_weeks}\n",
        encoding="utf-8",
    )
    return tmp_path / "suite"


def test_time_course_plateau_is_the_first_week_at_90_percent_of_the_horizon_effect(
    tmp_path: Path,
) -> None:
    from mgir.trials import predict_typical, score_time_course

    suite = _time_course_entry(tmp_path, 20, "serum_magnesium")
    (row,) = score_time_course(suite)
    spec = read_trial_spec(suite / "zhang" / "spec.toml")

    def effect(weeks: float) -> float:
        p = predict_typical(spec, duration_weeks=weeks)
        return (
            p["magnesium"]["serum_magnesium"]["change"] - p["placebo"]["serum_magnesium"]["change"]
        )

    # Recomputed independently at the reported week and the week before.
    horizon = effect(26)
    assert row.effect_at_horizon == pytest.approx(horizon, rel=1e-12)
    assert abs(effect(row.model_weeks)) >= 0.9 * abs(horizon)
    if row.model_weeks > 1:
        assert abs(effect(row.model_weeks - 1)) < 0.9 * abs(horizon)
    # Agreement is a factor of two either way of the published plateau.
    assert row.agrees == (row.model_weeks / 2 <= 20 <= row.model_weeks * 2)


def test_time_course_agreement_follows_the_published_plateau(tmp_path: Path) -> None:
    from mgir.trials import score_time_course

    (near,) = score_time_course(_time_course_entry(tmp_path / "a", 1.0, "serum_magnesium"))
    (far,) = score_time_course(_time_course_entry(tmp_path / "b", 400.0, "serum_magnesium"))
    assert near.model_weeks == far.model_weeks
    assert near.agrees is (0.5 <= near.model_weeks <= 2.0)
    assert far.agrees is False


def test_time_course_on_an_endpoint_the_spec_does_not_list_is_an_error(tmp_path: Path) -> None:
    from mgir._errors import InvalidInputError
    from mgir.trials import score_time_course

    with pytest.raises(InvalidInputError, match=r"plateaus\[0\]\.endpoint"):
        score_time_course(_time_course_entry(tmp_path, 20, "homa_ir"))


def test_published_time_course_is_the_current_model_s() -> None:
    from mgir.trials import score_time_course

    page = (REPO / "docs" / "validation.md").read_text(encoding="utf-8")
    for c in score_time_course(SUITE):
        assert (
            f"| `{c.entry}` | {c.endpoint} | ≈ {c.published_weeks:g} | {c.model_weeks:g} |" in page
        )
