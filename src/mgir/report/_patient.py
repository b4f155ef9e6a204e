"""The report's plain-language part: the same numbers and sources as the clinical part, in words.

Nothing here decides anything: every sentence reads a value or a decision the evaluation already
holds (status, bands, the plan's supplement and schedule, the monitoring due windows, the
projection), and carries the source keys of that value.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING

from mgir.report._labels import lab_label, mid_sentence, symbols
from mgir.units import analyte, convert

if TYPE_CHECKING:
    from mgir.care import Evaluation
    from mgir.planning import Monitoring

__all__ = ["Paragraph", "patient_summary"]


@dataclass(frozen=True)
class Paragraph:
    """A heading and its sentences, each sentence with the source keys it rests on."""

    heading: str
    sentences: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)
    urgent: bool = False

    def add(self, text: str, *keys: str) -> None:
        """Append a sentence and its sources (``;``-joined keys are split)."""
        split = tuple(k for key in keys for k in key.split(";") if k)
        self.sentences.append((text, split))


def _mg_dl(mmol_per_l: float) -> float:
    return convert(analyte("serum_magnesium"), mmol_per_l, "mmol/L", "mg/dL")


def _magnesium(evaluation: Evaluation, out: Paragraph) -> None:
    from mgir.reference import serum_magnesium_bands  # noqa: PLC0415

    bands = {b.code: b for b in serum_magnesium_bands("status")}
    healthy = bands["adequate"]
    mg = evaluation.assessment.magnesium
    value = mg.serum_mmol_per_l
    keys = ";".join(healthy.references)
    if value is None:
        out.add(
            "Your blood magnesium has not been measured. A blood test is the next step before "
            "deciding on a supplement.",
            "costello_nielsen2017",
        )
        return
    level = f"{value:.2f} mmol/L ({_mg_dl(value):.1f} mg/dL)"
    span = f"{healthy.lower:.2f} to {healthy.upper:.2f} mmol/L"
    if mg.status == "deficient":
        out.add(
            f"Your blood magnesium is {level}. That is lower than the range most likely to be "
            f"healthy ({span}): your body is probably short of magnesium.",
            keys,
            *mg.references,
        )
    elif mg.status == "grey_zone":
        out.add(
            f"Your blood magnesium is {level}, in a borderline range just below the healthy "
            f"range ({span}). Your diet or a 24-hour urine test decides whether you are short "
            "of magnesium.",
            "costello_nielsen2017",
        )
    elif mg.status == "adequate":
        out.add(f"Your blood magnesium is {level}, in the healthy range ({span}).", keys)
    else:
        out.add(
            f"Your blood magnesium is {level}, above the normal range. Do not take magnesium "
            "supplements, laxatives or antacids with magnesium; your clinician will look for the "
            "cause.",
            *mg.references,
        )
    intake = evaluation.assessment.intake
    if intake.mean_mg_per_day is not None and intake.ear_mg_per_day is not None:
        rda = evaluation.assessment.requirements.rda_mg_per_day
        at_least = "at least " if intake.lower_bound else "about "
        verdict = {
            True: "less than most people of your age and sex need",
            False: "enough for most people of your age and sex",
            None: "too uncertain to say whether it is enough",
        }[intake.below_ear]
        out.add(
            f"Your food diary gives {at_least}{intake.mean_mg_per_day:.0f} mg of magnesium a "
            f"day: {verdict} (the recommended amount for you is {rda:g} mg a day).",
            *intake.references,
            *evaluation.assessment.requirements.references,
        )


def _glucose(evaluation: Evaluation, out: Paragraph) -> None:
    a = evaluation.assessment
    homa = a.indices["homa_ir"]
    if homa.value is not None:
        cutoff = getattr(homa, "cutoff", None)
        resistant = getattr(homa, "insulin_resistant", None)
        if resistant is None:
            out.add(
                f"Your HOMA-IR, a measure of insulin resistance worked out from fasting glucose "
                f"and insulin, is {homa.value:.1f}, but it cannot be read as usual in your "
                "situation (for example on insulin treatment).",
                *homa.references,
            )
        elif cutoff is not None:
            side = (
                "which points to insulin resistance: your body needs more insulin than usual to "
                "keep glucose down"
                if resistant
                else "which does not point to insulin resistance"
            )
            out.add(
                f"Your HOMA-IR, a measure of insulin resistance worked out from fasting glucose "
                f"and insulin, is {homa.value:.1f}; the line used here is {cutoff.value:g}, "
                f"{side}.",
                *homa.references,
            )
    for reading in a.glycaemia.readings:
        label = lab_label(reading.lab)
        unit = " %" if reading.lab == "hba1c" else f" {reading.unit}"
        words = {
            "normal": "in the normal range",
            "prediabetes": "in the prediabetes range (a higher risk of diabetes)",
            "diabetes": "in the diabetes range",
        }[reading.category]
        shown = f"{round(reading.value, 1):g}"
        out.add(f"Your {mid_sentence(label)} of {shown}{unit} is {words}.", *reading.references)


def _kidneys(evaluation: Evaluation, out: Paragraph) -> None:
    egfr = evaluation.assessment.kidney.egfr
    if egfr.value is None:
        out.add(
            "Your kidney function has not been worked out yet; it is needed before taking any "
            "magnesium supplement, because the kidneys remove extra magnesium.",
            *egfr.references,
        )
        return
    category = egfr.details.get("category", "")
    text = f"Your kidney function (eGFR) is {egfr.value:.0f} mL/min/1.73 m² (stage {category})."
    plan = evaluation.plan
    blocked = plan is not None and any(b.code == "renal_contraindication" for b in plan.blocks)
    if blocked:
        text += (
            " Your kidneys clear magnesium less well, so magnesium supplements are not safe for "
            "you unless a kidney specialist decides otherwise."
        )
    out.add(text, *egfr.references)


def _this_week(evaluation: Evaluation, out: Paragraph) -> None:
    plan = evaluation.plan
    if plan is None:
        return
    if plan.urgent:
        out.add(
            "Contact your clinician today about your low magnesium: a blood test of potassium and "
            "calcium, and perhaps a heart tracing (ECG), come first.",
            *(k for u in plan.urgent for k in u.source.split(";")),
        )
    diet = plan.diet
    if diet.suggestions:
        foods = "; ".join(
            f"{s.name} ({s.serving}, about {s.magnesium_mg:.0f} mg)" for s in diet.suggestions[:3]
        )
        out.add(f"Eat more foods rich in magnesium, for example: {foods}.", "usda_sr28")
    else:
        out.add(diet.advice, "mgir_plan_rules")
    for existing in plan.existing_supplements:
        if existing.action == "reduce":
            ul = evaluation.assessment.requirements.supplement_ul_mg_per_day
            out.add(
                f"You already take {existing.elemental_mg_per_day:.0f} mg of magnesium a day as "
                f"{existing.given}, with more from other supplements: together above the safe "
                f"upper limit of {ul:g} mg a day. Ask your clinician how to take less.",
                "iom1997",
            )
        elif existing.action == "replace":
            out.add(
                f"Stop your {existing.given} when you start the new supplement: it is poorly "
                "absorbed.",
                existing.source,
            )
    supplement = plan.supplement
    if supplement is None:
        out.add(f"No magnesium supplement for now. {plan.supplement_decision}", "mgir_plan_rules")
        return
    times = " and ".join(f"{d.elemental_mg:.0f} mg at {d.time}" for d in supplement.schedule)
    out.add(
        f"Take {supplement.salt}: {supplement.elemental_mg_per_day:.0f} mg of magnesium a day "
        f"({supplement.salt_mg_per_day:.0f} mg of the supplement), {times}.",
        supplement.source,
    )
    timing = [c for c in plan.cautions if c.code == "interaction_timing"]
    if timing:
        medicines = sorted({c.message.split(":")[0] for c in timing})
        out.add(
            "These times keep magnesium apart from " + ", ".join(medicines) + ", which it can "
            "stop from working; keep to them.",
            *(k for c in timing for k in c.source.split(";")),
        )
    out.add(
        "Loose stools are the first sign of too much magnesium: if they happen, take less and "
        "tell your clinician.",
        "iom1997",
        "scf2001",
    )


def _retest(evaluation: Evaluation, out: Paragraph) -> None:
    """One line per test, soonest first: "Serum magnesium: by 2027-03-23 (...); then by ..."."""
    plan = evaluation.plan
    if plan is None or not plan.monitoring:
        return
    start: date = evaluation.person.assessed_on
    by_lab: dict[str, dict[int, list[Monitoring]]] = {}
    for item in sorted(plan.monitoring, key=lambda m: m.due_max_days):
        by_lab.setdefault(item.lab, {}).setdefault(item.due_max_days, []).append(item)
    for lab, by_due in by_lab.items():
        dues = []
        for due_max_days, items in by_due.items():
            by = start + timedelta(days=due_max_days)
            when = "now" if due_max_days == 0 else f"by {by.isoformat()}"
            reasons = "; ".join(dict.fromkeys(i.when for i in items))
            dues.append(f"{when} ({reasons})")
        keys = (i.source for items in by_due.values() for i in items)
        out.add(f"{lab_label(lab)}: " + "; then ".join(dues) + ".", *keys)


def _expect(evaluation: Evaluation, out: Paragraph) -> None:
    projection = evaluation.projection
    plan = evaluation.plan
    if projection is not None and len(projection.arms) == 1:
        serum = projection.arms[0].outputs["serum_magnesium"]
        out.add(
            f"Without a change, the model expects your blood magnesium to stay near "
            f"{serum.end:.2f} mmol/L over {projection.weeks:g} weeks (likely range "
            f"{serum.low[-1]:.2f} to {serum.high[-1]:.2f}).",
            *(str(k) for k in projection.model.get("references", [])[:3]),
        )
    if projection is not None and len(projection.arms) > 1:
        arm = projection.arms[1]
        serum = arm.outputs["serum_magnesium"]
        out.add(
            f"In a model of people with your results, taking {arm.elemental_mg_per_day:.0f} mg a "
            f"day for {projection.weeks:g} weeks raises blood magnesium from {serum.start:.2f} to "
            f"about {serum.end:.2f} mmol/L (likely range {serum.low[-1]:.2f} to "
            f"{serum.high[-1]:.2f}).",
            *(str(k) for k in projection.model.get("references", [])[:3]),
        )
        homa = arm.outputs["homa_ir"]
        if homa.anchored == "measured":
            out.add(
                f"In the same model HOMA-IR goes from {homa.start:.1f} to about {homa.end:.1f}.",
                "mgir_calibration",
            )
    if plan is not None:
        for effect in plan.expected_effects[:2]:
            sentence = f"In trials ({effect.population}): {effect.outcome} {effect.effect}."
            out.add(symbols(sentence), effect.source)
    out.add(
        "These are what a model and trials of other people suggest, not a promise for you.",
        "mgir_model_choice",
    )


def patient_summary(evaluation: Evaluation) -> list[Paragraph]:
    """The plain-language paragraphs of the report, in the order a person reads them."""
    magnesium = Paragraph("Your magnesium", urgent=bool(evaluation.assessment.urgent))
    _magnesium(evaluation, magnesium)
    glucose = Paragraph("Blood sugar and insulin")
    _glucose(evaluation, glucose)
    kidneys = Paragraph("Your kidneys")
    _kidneys(evaluation, kidneys)
    week = Paragraph("What to do this week")
    _this_week(evaluation, week)
    retest = Paragraph("When to test again")
    _retest(evaluation, retest)
    expect = Paragraph("What to expect")
    _expect(evaluation, expect)
    return [p for p in (magnesium, glucose, kidneys, week, retest, expect) if p.sentences]
