"""Score the model on the validation suite and write docs/validation.md, its CSV and figure.

Usage (from the repository root)::

    python scripts/validate_model.py

Reads ``validation/*/spec.toml`` and ``observed.toml`` (published trials and meta-analyses the
calibration does not use), ``cohort.toml`` (published incidence ratios of diabetes) and
``cross_section.toml`` (the NHANES relation of HOMA-IR to Mg intake); predicts each trial's
typical participant, each cohort's incidence ratio and the NHANES population's slope; and writes
``docs/validation.md``, ``docs/validation_scores.csv``, ``docs/figures/validation_effects.png``
and ``docs/figures/validation_nhanes_intake.png``.
"""

from __future__ import annotations

import csv
import platform
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from mgir.model import MODEL_VERSION, calibration_id
from mgir.reference import source
from mgir.trials import (
    PLATEAU_FRACTION,
    IntakeCrossSection,
    ValidationScore,
    nhanes_intake_cross_section,
    score_time_course,
    score_validation,
)

ROOT = Path(__file__).resolve().parents[1]
SUITE = ROOT / "validation"
PAGE = ROOT / "docs" / "validation.md"
CSV = ROOT / "docs" / "validation_scores.csv"
FIGURE = ROOT / "docs" / "figures" / "validation_effects.png"
NHANES_FIGURE = ROOT / "docs" / "figures" / "validation_nhanes_intake.png"
COLUMNS = (
    "entry",
    "endpoint",
    "arm",
    "reference",
    "measure",
    "unit",
    "observed",
    "ci_low",
    "ci_high",
    "predicted",
    "inside",
    "sign_agrees",
    "source_key",
)


def _reading(rows: list[ValidationScore], section: IntakeCrossSection) -> list[str]:
    """The first bullets of "Reading the scores", with the numbers of this run."""
    by = {(r.entry, r.endpoint, r.measure): r for r in rows}
    urine = by[("zhang2016_mg_status", "urinary_magnesium", "difference_in_change")]
    glucose = by[("xu2023_t2d", "fasting_glucose", "difference_in_change")]
    hba1c = by[("asbaghi2022_t2d_dose", "hba1c", "difference_in_change")]
    dong = by[("dong2011_intake_cohorts", "incident_diabetes", "incidence_ratio_per_100_mg_intake")]
    kao = by[
        (
            "kao1999_aric_serum_mg",
            "incident_diabetes",
            "incidence_ratio_lowest_vs_highest_serum_mg",
        )
    ]
    q_observed = section.observed_quartile_homa_ir[-1] / section.observed_quartile_homa_ir[0]
    q_model = section.model_quartile_homa_ir[-1] / section.model_quartile_homa_ir[0]
    return [
        f"- Trials: the model gets the direction of every effect right. Urinary Mg is too high "
        f"({urine.predicted:+.2f} against {urine.observed:+.2f} mmol/day: the model's kidney "
        "excretes more of an absorbed dose than the trials saw); fasting glucose in type 2 "
        f"diabetes falls too much ({glucose.predicted:+.2f} against {glucose.observed:+.2f} "
        "mmol/L: the calibration's Song 2006 target, −0.56, pulls it there); HbA1c at 500 "
        f"mg/day falls too little ({hba1c.predicted:+.2f} against {hba1c.observed:+.2f} %: the "
        "model's HbA1c follows its fasting glucose through a population line, and mean 24-hour "
        "glucose is not modelled).",
        f"- Cohorts: 100 mg/day more dietary Mg lowers the model's 5-year incidence of diabetes "
        f"in people with impaired fasting glucose by {100 * (1 - dong.predicted):.0f} % "
        f"(ratio {dong.predicted:.3f}; Dong 2011: {dong.observed}, {dong.ci_low}–{dong.ci_high}), "
        f"and the same people made Mg-deficient develop diabetes {kao.predicted:.2f} times as "
        f"often (Kao 1999: {kao.observed}, {kao.ci_low}–{kao.ci_high}). The published ratios "
        "come from mostly normoglycaemic cohorts and are observational; in the model a person "
        "with fasting glucose below 5.0 mmol/L does not progress at all, so the model's ratios "
        "concern people with raised glucose only.",
        f"- NHANES: in the survey, ln HOMA-IR falls by {-section.observed_slope['crude']:.3f} "
        f"per 100 mg/day of intake (crude; {-section.observed_slope['adjusted']:.3f} adjusted "
        f"for energy, age, sex and BMI); the model's causal effect in the same people is "
        f"{-section.model_slope:.3f}, inside the crude interval and below the adjusted one. "
        f"From the lowest to the highest intake quartile the survey's geometric mean HOMA-IR "
        f"falls by {100 * (1 - q_observed):.0f} %, the model's by {100 * (1 - q_model):.0f} %. "
        "An association larger than the model's effect is what confounding (diet quality, "
        "activity) would add; the model's effect is not fitted to any of it.",
    ]


def main() -> None:
    start = time.perf_counter()
    section = nhanes_intake_cross_section()
    rows = score_validation(SUITE, cross_section=section)
    courses = score_time_course(SUITE)
    seconds = time.perf_counter() - start
    with CSV.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(COLUMNS)
        for r in rows:
            writer.writerow(
                [
                    r.entry,
                    r.endpoint,
                    r.arm,
                    r.reference,
                    r.measure,
                    r.unit,
                    r.observed,
                    r.ci_low,
                    r.ci_high,
                    f"{r.predicted:.6g}",
                    r.inside,
                    "" if r.sign_agrees is None else r.sign_agrees,
                    r.source_key,
                ]
            )

    def shown(r: ValidationScore, value: float) -> float:
        # Ratios are drawn on the log scale, so that no effect sits at 0 as differences do.
        return float(np.log(value)) if r.unit == "ratio" else value

    fig, ax = plt.subplots(figsize=(7.5, 0.6 * len(rows) + 1.2))
    for k, r in enumerate(reversed(rows)):
        low, high, observed, predicted = (
            shown(r, v) for v in (r.ci_low, r.ci_high, r.observed, r.predicted)
        )
        scale = max(abs(low), abs(high), abs(predicted))
        ax.plot([low / scale, high / scale], [k, k], color="#0072B2", lw=2)
        ax.plot([observed / scale], [k], "o", color="#0072B2")
        ax.plot([predicted / scale], [k], "D", color="#D55E00")
    ax.axvline(0, color="grey", lw=0.8)
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels(
        [
            f"{r.entry}: {r.measure if r.unit in ('ratio', 'ln') else r.endpoint}"
            for r in reversed(rows)
        ],
        fontsize=7,
    )
    ax.set_xlabel(
        "effect / largest magnitude in the row; ratios as logarithms\n"
        "(published: circle and 95 % CI; model: diamond)"
    )
    fig.tight_layout()
    FIGURE.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(FIGURE, dpi=110)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(6.0, 3.6))
    ax.plot(
        section.quartile_intake_mg_per_day,
        section.observed_quartile_homa_ir,
        "o-",
        color="#0072B2",
        label="NHANES 2015–2016 (observed, by intake quartile)",
    )
    ax.plot(
        section.quartile_intake_mg_per_day,
        section.model_quartile_homa_ir,
        "D--",
        color="#D55E00",
        label="model: the same adults, all at the quartile's intake",
    )
    ax.set_xlabel("dietary Mg intake (mg/day; quartile means)")
    ax.set_ylabel("HOMA-IR (weighted geometric mean)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(NHANES_FIGURE, dpi=110)
    plt.close(fig)

    inside = sum(r.inside for r in rows)
    signed = [r for r in rows if r.sign_agrees is not None]
    agree = sum(bool(r.sign_agrees) for r in signed)
    lines = [
        "# Model validation",
        "",
        "Generated by `scripts/validate_model.py` (do not edit by hand; rerun the script).",
        "",
        f"- Model {MODEL_VERSION}, parameter set `{calibration_id()}`; {seconds:.1f} s on "
        f"{platform.machine()} (Python {platform.python_version()}).",
        f"- **{inside} of {len(rows)}** published effects inside their 95 % confidence "
        f"interval; **sign agreement {agree} of {len(signed)}** (effects whose interval excludes "
        "no effect).",
        "",
        "## What is scored",
        "",
        "Every entry of `validation/` is a published trial or meta-analysis the calibration does "
        "not use, written as a trial spec (`spec.toml`, trial-spec format version 1) with its "
        "published effects (`observed.toml`: estimate, 95 % CI, source). The model predicts the "
        "trial's typical participant: fitted to the spec's baseline means (a missing serum Mg "
        "from the population of the spec's condition), given each arm's salt and dose times "
        "adherence for the trial's duration (`mgir.trials.predict_typical`; the virtual-cohort "
        "runner with replicate trials is not built yet). The control arm's "
        "change is the model's drift (zero at steady state: no placebo effect is modelled). An "
        "effect is *inside* when the model's between-arm difference lies in the published "
        "interval.",
        "",
        "Cohort entries (`cohort.toml`) hold published incidence ratios of diabetes; the model's "
        "ratio comes from its progression to diabetes in the virtual cohort of NHANES "
        "2017–March 2020 adults with impaired fasting glucose that the progression rate is "
        "calibrated on (`docs/calibration.md`), with the contrast the paper reports "
        "(`mgir.model.progression_checks`). The incidences themselves are calibration "
        "targets; how intake and serum Mg move them is not.",
        "",
        "The cross-section entry (`cross_section.toml`) compares the survey-weighted slope of "
        "ln HOMA-IR on dietary Mg intake in NHANES 2015–2016, computed here from the CDC's files "
        "(`nhanes_mg_intake_adults.csv`, `docs/data-provenance.md`), with the model's effect of "
        "100 mg/day more intake in the same adults, each fitted to their own fasting glucose, "
        "insulin and intake (`mgir.trials.nhanes_intake_cross_section`).",
        "",
        "The trials the project reserves for its independent validation are in neither this "
        "suite nor the calibration (a test checks both).",
        "",
        "## Scores",
        "",
        "| entry | endpoint | measure | published (95 % CI) | model | inside | sign | source |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        sign = "—" if r.sign_agrees is None else ("agrees" if r.sign_agrees else "differs")
        unit = "" if r.unit == "1" else f" {r.unit}"
        lines.append(
            f"| `{r.entry}` | {r.endpoint} | {r.measure.replace('_', ' ')} | "
            f"{r.observed:+.3g} ({r.ci_low:+.3g} to {r.ci_high:+.3g}){unit} | "
            f"{r.predicted:+.3g}{unit} | {'yes' if r.inside else 'no'} | {sign} | "
            f"`{r.source_key}` |"
        )
    lines += [
        "",
        "![Published effects (circles, 95 % CI) and the model's (diamonds), each row scaled by "
        "its largest magnitude](figures/validation_effects.png)",
        "",
        "## NHANES: HOMA-IR by dietary Mg intake",
        "",
        f"{section.n_people} adults without diabetes by fasting glucose; the model's population "
        f"holds the {section.n_fitted} whose labs and drawn serum Mg it can hold at steady state "
        f"({section.n_people - section.n_fitted} left out: a drawn serum Mg that the recorded "
        "intake cannot sustain, or a glucose outside the fit's range).",
        "",
        "| intake quartile | mean intake (mg/day) | observed HOMA-IR | model HOMA-IR |",
        "|---|---|---|---|",
        *(
            f"| Q{q + 1} | {i:.0f} | {o:.2f} | {m:.2f} |"
            for q, (i, o, m) in enumerate(
                zip(
                    section.quartile_intake_mg_per_day,
                    section.observed_quartile_homa_ir,
                    section.model_quartile_homa_ir,
                    strict=True,
                )
            )
        ),
        "",
        "![HOMA-IR by intake quartile: observed and model](figures/validation_nhanes_intake.png)",
        "",
        "## Time course",
        "",
        "Entries with `time_course.toml` state when a published effect stops growing with "
        "trial duration. The entry's trial is run to every whole week up to the horizon; the "
        f"model's plateau is the first week its effect against the reference arm reaches "
        f"{PLATEAU_FRACTION * 100:.0f} % of its effect at the horizon "
        "(`mgir.trials.score_time_course`). "
        "Published plateaus are read off meta-regression curves, without an interval: the "
        "model agrees when its plateau is within the entry's factor of the published one. "
        "These are not in the share above.",
        "",
        "| entry | endpoint | published plateau (weeks) | model plateau (weeks) | model effect "
        "at horizon | agrees | source |",
        "|---|---|---|---|---|---|---|",
        *(
            f"| `{c.entry}` | {c.endpoint} | ≈ {c.published_weeks:g} | {c.model_weeks:g} | "
            f"{c.effect_at_horizon:+.3g} {c.unit} at {c.horizon_weeks} weeks | "
            f"{'yes' if c.agrees else 'no'} (factor {c.agreement_factor:g}) | "
            f"`{c.source_key}` |"
            for c in courses
        ),
        "",
        "## Reading the scores",
        "",
        *_reading(rows, section),
        "- Time course: the model's serum and urinary Mg reach their new level within "
        f"{max(c.model_weeks for c in courses):g} weeks of starting a supplement, where the "
        "trials' meta-regression shows them rising for about 20 and 40 weeks. In the model the "
        "absorbed extra Mg is excreted as soon as serum Mg crosses the renal threshold, because "
        "its body pools exchange linearly with serum and fill within weeks at a small rise. One "
        "reading is a store that keeps taking up Mg for months (repletion of a deficit), which "
        "would also explain why the model's urinary Mg rise at 12 weeks is too large; another is "
        "that longer trials differed in dose and population, which a meta-regression across "
        "trials cannot separate from duration. Telling them apart needs trials with repeated "
        "measurements, which the calibration does not hold yet (docs/calibration.md, 'Checks "
        "not used in the fit', has the glucose side).",
        "- Trial entries are meta-analyses whose abstracts give no pooled baseline, dose or "
        "duration: the specs' assumptions are written at their top, and they move the "
        "predictions. Trials with their own baseline tables would score the model more sharply.",
        "- Not scored yet: the joint distribution of fasting glucose, insulin and HOMA-IR in a "
        "virtual population generated from covariates (age, sex, BMI, intake), which needs the "
        "population sampler of the trials engine; here every virtual adult is fitted to their "
        "own labs, so their distribution is the survey's by construction and only the relation "
        "to intake is a test.",
        "",
        "## Sources",
        "",
    ]
    for key in sorted({r.source_key for r in rows} | {c.source_key for c in courses}):
        lines.append(f"- `{key}`: {source(key).citation}")
    PAGE.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {PAGE}, {CSV}, {FIGURE}: {inside}/{len(rows)} inside, {agree}/{len(signed)} sign")


if __name__ == "__main__":
    main()
