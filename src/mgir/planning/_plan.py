"""``plan(assessment, options)``: a cited magnesium plan with its safety checks.

The rules (``docs/plan.md``) read every number from packaged tables (``plan_policy.csv``,
``dose_times.csv``, ``monitoring.csv``, ``contraindications.csv``, ``interactions.csv``,
``suggested_foods.csv``); the person, their intake and their low-intake verdict come from the
assessment, so the plan can never read the same person differently.

* **Diet**: target = the RDA (or AI) of the life stage; current intake = the assessment's
  (a lower bound says so); foods that close the gap, ranked by magnesium per serving and per kcal.
  No push towards the RDA when magnesium is adequate and a renal block applies (eGFR < 30); with
  a renal block or hyperkalaemia, high-potassium foods carry a caution (hyperkalaemia: left out).
* **Supplement indicated** when the status is ``deficient``; or ``grey_zone`` with low intake; or
  insulin resistance (a condition, or an index read as insulin-resistant) with low intake. Low
  intake is the assessment's verdict (:func:`mgir.assessment.intake_below_ear`).
* **Never** when a block applies, unless the block names an override the clinician gave (who,
  when, why, all recorded); **never above the supplemental UL** without an UL override: a
  requested dose above it is an input error, and supplements already taken above it are a caution
  to reduce.
* **Dose**: the default (or requested) total supplemental magnesium, times the strictest
  ``dose_factor`` of the rows that apply (eGFR 30-60, an overridden renal block), minus what the
  person already takes in a well-absorbed form; a poorly absorbed form already taken (oxide) is
  replaced, not counted.
* **Schedule**: split into two doses above the policy threshold, at times that satisfy every timing
  rule on a 24-h clock.
* **Urgent**: overt hypomagnesaemia (serum Mg <= 0.6 mmol/L) puts the urgent flag on the plan
  itself, with its monitoring (recheck within days, potassium, calcium, ECG).

Everything here is pure: no I/O; the packaged tables are read through :mod:`mgir.reference`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Literal

from pydantic import Field, field_validator

from mgir._errors import InvalidInputError
from mgir._records import Record
from mgir.assessment import Assessment, Notice, Person
from mgir.planning._schedule import (
    TimingConstraint,
    allowed,
    allowed_windows,
    choose_times,
    format_time,
    parse_time,
)
from mgir.reference import (
    Contraindication,
    Interaction,
    MedicationCheck,
    Salt,
    check_medications,
    cite,
    contraindications,
    food,
    load_table,
    monitoring_rules,
    policy,
    preferred_dose_times,
    resolve_salt,
    salts,
)

__all__ = [
    "IR_CONDITIONS",
    "DietPlan",
    "Dose",
    "ExistingSupplement",
    "ExpectedEffect",
    "FoodSuggestion",
    "Monitoring",
    "Override",
    "Plan",
    "PlanOptions",
    "Reference",
    "SupplementPlan",
    "applicable_contraindications",
    "insulin_resistance",
    "plan",
]

IR_CONDITIONS: frozenset[str] = frozenset(
    {"insulin_resistance", "prediabetes", "t2d", "pcos", "metabolic_syndrome"}
)
_RULES = "mgir_plan_rules"
_DISCLAIMER = "Decision support, not a medical device: a clinician decides."


class Override(Record):
    """A clinician's recorded decision to go past a safety rule.

    Attributes
    ----------
    kind
        ``upper_limit`` (supplemental magnesium above the UL) or ``renal`` (supplement despite
        a renal block, eGFR < 30; the dose factor of the row still applies).
    reason, by
        Why, and who (a clinician's name or identifier); both required and non-empty.
    at
        When the override was given (timezone-aware).
    """

    kind: Literal["upper_limit", "renal"]
    reason: str
    by: str
    at: datetime

    @field_validator("reason", "by")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("a non-empty text")
        return value.strip()

    @field_validator("at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("a time with its timezone")
        return value


class PlanOptions(Record):
    """What a clinician may choose for a plan.

    Attributes
    ----------
    overrides
        Recorded overrides (:class:`Override`), at most one of each kind.
    requested_elemental_mg_per_day
        Total supplemental elemental magnesium wanted (mg/day) instead of the policy default;
        above the UL it needs an ``upper_limit`` override.
    requested_salt
        A salt to use instead of the best-ranked one (any name the knowledge base resolves).
    supplement_requested
        A supplement is asked for although the rules may not indicate one (recorded in the
        decision); every safety rule still applies.
    ul_basis
        ``iom`` (US supplemental UL of the life stage) or ``eu`` (the EU limit where lower).
    """

    overrides: tuple[Override, ...] = ()
    requested_elemental_mg_per_day: float | None = None
    requested_salt: str | None = None
    supplement_requested: bool = False
    ul_basis: Literal["iom", "eu"] = "iom"

    def override(self, kind: str) -> Override | None:
        """The override of ``kind``, if given."""
        return next((o for o in self.overrides if o.kind == kind), None)


class Dose(Record):
    """One scheduled dose: time "HH:MM", elemental Mg (mg) and salt mass (mg)."""

    time: str
    elemental_mg: float
    salt_mg: float


class ExistingSupplement(Record):
    """A supplement the person already takes and what the plan does with it.

    ``action``: ``continue`` (counted towards the planned total), ``replace`` (poorly absorbed:
    stop it when starting the planned form; not counted), or ``reduce`` (with the others above
    the UL).
    """

    given: str
    salt: str
    elemental_mg_per_day: float
    counted_mg_per_day: float
    action: Literal["continue", "replace", "reduce"]
    note: str
    source: str


class SupplementPlan(Record):
    """The recommended supplement.

    Attributes
    ----------
    elemental_mg_per_day, salt_mg_per_day
        New supplemental magnesium (mg/day elemental) and the salt mass that holds it (mg/day).
    existing_mg_per_day
        Elemental Mg already taken in a well-absorbed form and continued, mg/day (counted).
    total_mg_per_day
        New plus continued supplemental magnesium, mg/day (what the UL is checked against).
    ul_mg_per_day
        Supplemental UL applied, mg/day.
    dose_factor
        The strictest dose factor of the rules that apply (1 = none).
    replaces
        Existing supplements to stop when starting this one.
    allowed_windows
        Windows of the day ("HH:MM", "HH:MM") in which every timing rule is met.
    """

    salt_id: str
    salt: str
    formula: str
    mg_fraction: float
    elemental_mg_per_day: float
    salt_mg_per_day: float
    doses_per_day: int
    schedule: tuple[Dose, ...]
    allowed_windows: tuple[tuple[str, str], ...]
    existing_mg_per_day: float
    total_mg_per_day: float
    ul_mg_per_day: float
    dose_factor: float
    replaces: tuple[str, ...]
    reason: str
    form_reason: str
    source: str


class FoodSuggestion(Record):
    """A food that helps close the gap, with its serving and magnesium (SR28)."""

    ndb_id: str
    description: str
    name: str
    serving: str
    grams: float
    magnesium_mg: float
    kcal: float
    mg_per_100_kcal: float
    potassium_class: Literal["high", "low", "unknown"]
    source: str


class DietPlan(Record):
    """Intake target, current intake, gap, and foods that close it."""

    target_mg_per_day: float
    target_kind: str
    current_mg_per_day: float | None
    current_is_lower_bound: bool
    gap_mg_per_day: float | None
    suggestions: tuple[FoodSuggestion, ...]
    advice: str


class Monitoring(Record):
    """A lab (or ECG, height) to measure, when, and why; due window in days from the plan."""

    lab: str
    when: str
    due_min_days: int
    due_max_days: int
    repeat_days: int | None
    urgent: bool
    why: str
    source: str


class ExpectedEffect(Record):
    """Population evidence from comparable trials: not a promise for this person."""

    outcome: str
    effect: str
    population: str
    source: str
    label: str = "population evidence from comparable trials, not a prediction for this person"


class Reference(Record):
    """A resolved source key."""

    key: str
    citation: str
    quality: str
    url: str | None = None
    doi: str | None = None


class Plan(Record):
    """A magnesium plan (immutable; ``to_dict()`` is the JSON of ``mgir plan --json``)."""

    life_stage: str
    diet: DietPlan
    supplement: SupplementPlan | None
    supplement_decision: str
    existing_supplements: tuple[ExistingSupplement, ...]
    urgent: tuple[Notice, ...]
    blocks: tuple[Notice, ...]
    cautions: tuple[Notice, ...]
    medications_not_checked: tuple[str, ...]
    monitoring: tuple[Monitoring, ...]
    expected_effects: tuple[ExpectedEffect, ...]
    overrides: tuple[Override, ...]
    references: tuple[Reference, ...]
    disclaimer: str = Field(default=_DISCLAIMER)

    @property
    def reference_keys(self) -> tuple[str, ...]:
        """Every source key the plan used."""
        return tuple(r.key for r in self.references)


# ----------------------------------------------------------------------------- helpers


def _notice(code: str, message: str, source: str, severity: str = "caution") -> Notice:
    return Notice(code=code, message=message, source=source, severity=severity)


def _potassium_risk(assessment: Assessment, renal_block: bool) -> tuple[bool, bool]:
    """(risk, hyperkalaemia): a renal block applies, or serum potassium is high."""
    potassium = assessment.person.lab("potassium")
    high = policy("hyperkalaemia_mmol_per_l")
    hyperkalaemia = potassium is not None and potassium >= high.to("mmol/L")
    return renal_block or hyperkalaemia, hyperkalaemia


def _all_suggestions() -> list[FoodSuggestion]:
    rows = []
    for row in load_table("suggested_foods").rows:
        item = food(row["ndb_id"])
        portion = next(p for p in item.portions if p.seq == row["portion_seq"])
        grams = portion.grams * row["servings"]
        mg = item.magnesium_mg(grams)
        kcal = item.kcal(grams)
        if mg is None or kcal is None or kcal <= 0:
            continue
        count = row["servings"] * portion.amount
        source = ";".join(k for k in (row["source_key"], row["potassium_source_key"]) if k)
        rows.append(
            FoodSuggestion(
                ndb_id=item.ndb_id,
                description=item.description,
                name=row["note"],
                serving=f"{count:g} {portion.unit_description}",
                grams=round(grams, 1),
                magnesium_mg=round(mg, 1),
                kcal=round(kcal, 1),
                mg_per_100_kcal=round(100 * mg / kcal, 1),
                potassium_class=row["potassium_class"],
                source=source,
            )
        )
    by_serving = sorted(rows, key=lambda s: -s.magnesium_mg)
    by_kcal = sorted(rows, key=lambda s: -s.mg_per_100_kcal)
    rank = {s.ndb_id: by_serving.index(s) + by_kcal.index(s) for s in rows}
    return sorted(rows, key=lambda s: (rank[s.ndb_id], -s.magnesium_mg, s.ndb_id))


def _diet(assessment: Assessment, renal_block: bool, cautions: list[Notice]) -> DietPlan:
    req = assessment.requirements
    intake = assessment.intake
    current = intake.mean_mg_per_day
    target = req.rda_mg_per_day
    gap = None if current is None else max(0.0, target - current)
    if intake.lower_bound and intake.diary is not None:
        cautions.append(
            _notice(
                "intake_incomplete",
                "SR28 has no magnesium value for: "
                + "; ".join(intake.diary.foods_without_magnesium)
                + ". They are not counted as zero; intake is a lower bound and the gap an upper "
                "bound.",
                "usda_sr28",
            )
        )
    adequate = assessment.magnesium.status in ("adequate", "high")
    if adequate and renal_block:
        return DietPlan(
            target_mg_per_day=target,
            target_kind=req.rda_kind,
            current_mg_per_day=current,
            current_is_lower_bound=intake.lower_bound,
            gap_mg_per_day=gap,
            suggestions=(),
            advice="Magnesium status is adequate and kidney function is severely reduced: no "
            "change to the diet for magnesium. The renal team's diet advice (potassium, "
            "phosphate) comes first.",
        )
    ranked = _all_suggestions()
    risk, hyperkalaemia = _potassium_risk(assessment, renal_block)
    advice = "Foods rich in magnesium, ranked by magnesium per serving and per 100 kcal."
    if hyperkalaemia:
        left_out = [s.name for s in ranked if s.potassium_class == "high"]
        ranked = [s for s in ranked if s.potassium_class != "high"]
        cutoff = policy("hyperkalaemia_mmol_per_l")
        cautions.append(
            _notice(
                "potassium_foods_excluded",
                f"Serum potassium is at or above {cutoff.value:g} mmol/L: high-potassium foods are "
                "not suggested (" + ", ".join(left_out) + "). Foods whose potassium is not "
                "classified here still need the renal team's or a dietitian's check.",
                f"{cutoff.source_key};nkf_potassium",
            )
        )
    chosen = _take(ranked, gap)
    flagged = [s.name for s in chosen if s.potassium_class in ("high", "unknown")]
    if risk and not hyperkalaemia and flagged:
        serving = policy("high_potassium_serving_mg")
        cautions.append(
            _notice(
                "potassium_foods",
                "Kidney function is severely reduced: some suggested foods are high in potassium "
                f"(about {serving.value:g} mg or more per serving) or not classified here ("
                + ", ".join(flagged)
                + "); check each with the renal team or a dietitian before eating more of it.",
                "nkf_potassium;fresenius_potassium;healthwise_potassium",
            )
        )
    return DietPlan(
        target_mg_per_day=target,
        target_kind=req.rda_kind,
        current_mg_per_day=current,
        current_is_lower_bound=intake.lower_bound,
        gap_mg_per_day=gap,
        suggestions=tuple(chosen),
        advice=advice,
    )


def _take(ranked: list[FoodSuggestion], gap: float | None) -> list[FoodSuggestion]:
    if gap is None or gap <= 0:
        return ranked[:5]
    chosen: list[FoodSuggestion] = []
    total = 0.0
    for suggestion in ranked:
        chosen.append(suggestion)
        total += suggestion.magnesium_mg
        if total >= gap and len(chosen) >= 3:
            break
    return chosen[:8]


def _egfr_in(rule: Contraindication, egfr: float | None) -> bool:
    if egfr is None:
        return False
    low = -math.inf if rule.egfr_lower is None else rule.egfr_lower
    high = math.inf if rule.egfr_upper is None else rule.egfr_upper
    return low <= egfr < high


def applicable_contraindications(assessment: Assessment) -> tuple[Contraindication, ...]:
    """The contraindication rows that apply to the person (``dose`` rows apply to a dose later)."""
    person = assessment.person
    egfr = assessment.kidney.egfr.value
    status = assessment.magnesium.status
    checks: dict[str, Callable[[Contraindication], bool]] = {
        "egfr": lambda r: _egfr_in(r, egfr),
        "egfr_unknown": lambda r: egfr is None,
        "condition": lambda r: r.condition in person.conditions,
        "condition_without_egfr": lambda r: egfr is None and r.condition in person.conditions,
        "pregnancy": lambda r: person.pregnant,
        "age": lambda r: r.age_upper_years is not None and person.age_years < r.age_upper_years,
        "serum_high": lambda r: status == "high",
    }
    return tuple(r for r in contraindications() if r.kind in checks and checks[r.kind](r))


def _choose_salt(person: Person, requested: str | None) -> tuple[Salt, str]:
    if requested is not None:
        match = resolve_salt(requested, field="requested_salt")
        return (
            match.salt,
            f"{match.salt.name}: the form asked for. {match.salt.bioavailability_note}",
        )
    ranked = sorted(
        (s for s in salts().values() if s.preference_rank is not None),
        key=lambda s: s.preference_rank or 0,
    )
    if "chronic_diarrhoea" in person.conditions:
        order = {"low": 0, "moderate": 1, "uncertain": 2, "high": 3}
        best = min(ranked, key=lambda s: (order[s.laxative_effect], s.preference_rank or 0))
        return best, (
            f"{best.name}: well absorbed and the least laxative of the ranked forms "
            f"(chronic diarrhoea). {best.bioavailability_note}"
        )
    best = ranked[0]
    return best, (
        f"{best.name}: chosen for absorption ({best.bioavailability_note}); "
        "magnesium oxide is not used for repletion (about 4 % absorbed)."
    )


def _timing_constraints(
    person: Person, check: MedicationCheck, cautions: list[Notice]
) -> list[TimingConstraint]:
    constraints: list[TimingConstraint] = []
    for medication, found in check.matches.items():
        for rule in found:
            if rule.severity != "separate":
                continue
            before = rule.drug_before_mg_h or 0.0
            after = rule.drug_after_mg_h or 0.0
            given = person.medication_times.get(medication, ())
            text = (
                f"{medication}: take it at least {before:g} h before or {after:g} h after "
                f"magnesium. {rule.action}"
            )
            if not given:
                text += (
                    " Its time of day is not in the person file, so the schedule could not "
                    "check it: add person.medication_times."
                )
            cautions.append(_notice("interaction_timing", text, rule.source_key))
            for i, t in enumerate(given):
                minute = parse_time(t, field=f"person.medication_times.{medication}[{i}]")
                constraints.append(
                    TimingConstraint(medication, minute, before, after, rule.source_key)
                )
    return constraints


def _indication(assessment: Assessment) -> tuple[bool, str, tuple[str, ...]]:
    status = assessment.magnesium.status
    intake = assessment.intake
    low_intake = intake.below_ear is True
    ir = insulin_resistance(assessment)
    if intake.mean_mg_per_day is None:
        intake_words = "unknown (no food diary)"
    else:
        at_least = "at least " if intake.lower_bound else ""
        ear = "no EAR" if intake.ear_mg_per_day is None else f"EAR {intake.ear_mg_per_day:g} mg/day"
        intake_words = f"{at_least}{intake.mean_mg_per_day:.0f} mg/day vs {ear}"
    if status == "deficient":
        return (
            True,
            "Serum magnesium status is deficient.",
            ("costello_nielsen2017", "rosanoff2022"),
        )
    if status == "grey_zone" and low_intake:
        return (
            True,
            f"Serum magnesium is in the grey zone (0.75-0.85 mmol/L) and intake is low "
            f"({intake_words}).",
            ("costello_nielsen2017", "ear_cut_point"),
        )
    if ir and low_intake:
        return (
            True,
            f"Insulin resistance with low magnesium intake ({intake_words}).",
            ("ear_cut_point", "simental_mendia2016", "guerrero_romero2004"),
        )
    if status in ("adequate", "high"):
        return False, f"Serum magnesium status is {status}: no supplement; food first.", ()
    undecided = (
        " (a lower bound cannot tell)" if intake.below_ear is None and intake.lower_bound else ""
    )
    return (
        False,
        f"No supplement indicated (status {status}, intake {intake_words}{undecided}, insulin "
        f"resistance {'yes' if ir else 'not shown'}): food first.",
        (),
    )


def insulin_resistance(assessment: Assessment) -> bool:
    """Insulin resistance for the plan: a recorded condition, or an index read as resistant."""
    return assessment.insulin_resistant or bool(IR_CONDITIONS & set(assessment.person.conditions))


def _triggers(
    assessment: Assessment,
    *,
    supplement: bool,
    rules: Iterable[Interaction],
    applied: Iterable[Contraindication],
) -> set[str]:
    person = assessment.person
    status = assessment.magnesium.status
    egfr = assessment.kidney.egfr.value
    rules = list(rules)
    out = {f"contraindication:{r.rule_id}" for r in applied}
    mechanisms = {r.mechanism for r in rules}
    flags = {
        "overt_hypomagnesaemia": assessment.magnesium.severity == "overt_hypomagnesaemia",
        "egfr_missing_creatinine": egfr is None and "creatinine" not in person.labs,
        "egfr_missing_height": egfr is None
        and person.age_years < 18
        and "creatinine" in person.labs
        and person.height_cm is None,
        "status_unknown": status == "unknown",
        "grey_zone_no_supplement": status == "grey_zone" and not supplement,
        "supplement": supplement,
        "supplement_insulin_resistance": supplement and insulin_resistance(assessment),
        "deficient": status == "deficient",
        "medicine_mg_balance": bool(
            mechanisms & {"renal_wasting", "mg_absorption_loss", "retention"}
        ),
        "diuretic": any(r.drug_class.endswith("diuretic") for r in rules),
        "diabetes": bool({"t2d", "t1d"} & set(person.conditions))
        or assessment.glycaemia.category == "diabetes",
    }
    return out | {name for name, on in flags.items() if on}


def _monitoring(triggers: set[str]) -> tuple[Monitoring, ...]:
    out: list[Monitoring] = []
    seen: set[tuple[str, str]] = set()
    for rule in monitoring_rules():
        if rule.trigger not in triggers:
            continue
        lab = " and ".join(rule.labs)
        if (lab, rule.when) in seen:
            continue
        seen.add((lab, rule.when))
        out.append(
            Monitoring(
                lab=lab,
                when=rule.when,
                due_min_days=rule.due_min_days,
                due_max_days=rule.due_max_days,
                repeat_days=rule.repeat_days,
                urgent=rule.urgent,
                why=rule.why,
                source=rule.source_key,
            )
        )
    return tuple(sorted(out, key=lambda m: not m.urgent))


def _expected(assessment: Assessment) -> tuple[ExpectedEffect, ...]:
    """Trial results that apply to this person's situation (``expected_effects.csv``)."""
    not_deficient = assessment.magnesium.status not in ("deficient", "grey_zone")
    # A trial speaks for the people it enrolled: diabetic trials for people with type 2
    # diabetes, non-diabetic trials for the others.
    diabetes = "with" if "t2d" in assessment.person.conditions else "without"
    wanted = (
        {"supplement"}
        | ({"insulin_resistance"} if insulin_resistance(assessment) else set())
        | ({"not_deficient"} if not_deficient else set())
    )
    return tuple(
        ExpectedEffect(
            outcome=row["outcome"],
            effect=row["effect"],
            population=row["population"],
            source=row["source_key"],
        )
        for row in load_table("expected_effects").rows
        if row["applies_when"] in wanted and row["diabetes"] in ("any", diabetes)
    )


def _medication_notices(
    check: MedicationCheck, blocks: list[Notice], cautions: list[Notice]
) -> None:
    for medication in check.not_checked:
        cautions.append(
            _notice(
                "medication_not_checked",
                f"{medication}: not checked - the knowledge base has no interaction data for it. "
                "This does not mean it is safe with magnesium.",
                _RULES,
            )
        )
    codes = {
        "avoid": "interaction_avoid",
        "monitor": "interaction_monitor",
        "caution": "interaction_caution",
    }
    for medication, rules in check.matches.items():
        for rule in rules:
            code = codes.get(rule.severity)
            if code is None:
                continue  # "separate": handled with the schedule
            if rule.severity == "avoid":
                blocks.append(
                    _notice(code, f"{medication}: {rule.action}", rule.source_key, "block")
                )
            else:
                cautions.append(_notice(code, f"{medication}: {rule.action}", rule.source_key))


def _upper_limit(
    assessment: Assessment, ul_basis: str, blocks: list[Notice], cautions: list[Notice]
) -> tuple[float | None, str]:
    """Supplemental UL to apply (mg/day) and its source; None (with a block) when none exists."""
    req = assessment.requirements
    if req.supplement_ul_mg_per_day is None:
        blocks.append(
            _notice(
                "no_ul",
                f"No supplemental UL is established for {req.life_stage}: no supplement.",
                "iom1997",
                "block",
            )
        )
        return None, "iom1997"
    eu = req.eu_supplement_ul_mg_per_day
    if ul_basis == "eu" and eu is not None and eu < req.supplement_ul_mg_per_day:
        cautions.append(
            _notice(
                "eu_ul_applied",
                f"The EU supplemental limit of {eu:g} mg/day is applied instead of the US UL.",
                "scf2001",
            )
        )
        return eu, "scf2001"
    return req.supplement_ul_mg_per_day, "iom1997"


def _existing(
    person: Person, will_supplement: bool, cautions: list[Notice]
) -> list[ExistingSupplement]:
    out = []
    for i, entry in enumerate(person.supplements):
        match = resolve_salt(entry.salt, field=f"supplements[{i}].salt")
        if entry.elemental_mg_per_day is not None:
            mg = entry.elemental_mg_per_day
        else:
            assert entry.salt_mass_mg_per_day is not None
            mg = entry.salt_mass_mg_per_day * match.salt.mg_fraction
            if match.assumed:
                cautions.append(
                    _notice(
                        "salt_form_assumed",
                        f"'{entry.salt}' was read as {match.salt.name} "
                        f"({100 * match.salt.mg_fraction:.1f} % Mg): "
                        f"{entry.salt_mass_mg_per_day:g} mg/day = {mg:.0f} mg elemental. Check "
                        "the label's elemental amount; other forms differ.",
                        match.salt.source_key,
                    )
                )
        poorly = match.salt.bioavailability_class == "lower"
        replace = poorly and will_supplement
        note = (
            f"{match.salt.name} is poorly absorbed ({match.salt.bioavailability_note}): "
            + ("stop it when starting the planned form; it is not counted." if replace else "kept.")
            if poorly
            else "counted towards the planned total."
        )
        out.append(
            ExistingSupplement(
                given=entry.salt,
                salt=match.salt.name,
                elemental_mg_per_day=round(mg, 1),
                counted_mg_per_day=0.0 if replace else round(mg, 1),
                action="replace" if replace else "continue",
                note=note,
                source=match.salt.source_key,
            )
        )
    return out


# ----------------------------------------------------------------------------- plan


def plan(assessment: Assessment, options: PlanOptions | None = None) -> Plan:
    """Build a magnesium plan from an assessment.

    Parameters
    ----------
    assessment
        :func:`mgir.assessment.assess` of the person (the person, intake and its low-intake
        verdict, status, eGFR, glycaemia and indices all come from it).
    options
        Overrides (recorded), a requested dose or salt, and the UL basis (:class:`PlanOptions`).

    Returns
    -------
    Plan
        Diet, the supplement (or None, with the reason), existing supplements and what to do with
        them, urgent flags, blocks and cautions ``{code, message, source, severity}``, medicines
        not checked, monitoring with due windows, expected effect (population evidence),
        overrides and references.

    Raises
    ------
    InvalidInputError
        A requested dose that is not a positive number, or above the supplemental UL without an
        ``upper_limit`` override; a requested salt that is unknown; an unresolvable medication
        time.
    """
    options = options or PlanOptions()
    person = assessment.person
    _check_options(options)
    blocks: list[Notice] = []
    cautions: list[Notice] = []
    urgent = [
        n.model_copy(
            update={"message": n.message + " Any oral plan below is provisional until that review."}
        )
        for n in assessment.urgent
    ]

    # Contraindications and overrides
    applied = applicable_contraindications(assessment)
    factors = [1.0]
    renal_block = False
    used_overrides: list[Override] = []
    for rule in applied:
        if rule.kind == "dose":
            continue
        if rule.kind == "egfr" and rule.severity == "block":
            renal_block = True
        override = options.override(rule.override) if rule.override else None
        if rule.severity == "block" and override is not None:
            used_overrides.append(override)
            factor = rule.dose_factor if rule.dose_factor is not None else 1.0
            factors.append(factor)
            cautions.append(
                _notice(
                    f"{rule.override}_override",
                    f"{rule.message} Overridden by {override.by} on "
                    f"{override.at.date().isoformat()}: {override.reason}."
                    + (f" Dose x {factor:g}; monitor serum Mg." if factor != 1 else ""),
                    rule.source_key,
                )
            )
        elif rule.severity == "block":
            blocks.append(_notice(rule.code, rule.message, rule.source_key, "block"))
        else:
            if rule.dose_factor is not None:
                factors.append(rule.dose_factor)
            cautions.append(_notice(rule.code, rule.message, rule.source_key))
    diet = _diet(assessment, renal_block, cautions)

    # Medicines
    check = check_medications(person.medications)
    _medication_notices(check, blocks, cautions)
    constraints = _timing_constraints(person, check, cautions)
    ul, ul_source = _upper_limit(assessment, options.ul_basis, blocks, cautions)

    # Decision
    indicated, decision, decision_keys = _indication(assessment)
    if options.supplement_requested and not indicated:
        indicated = True
        decision = (
            "A supplement was asked for; the rules alone would not indicate one ("
            + decision.rstrip(".")
            + ")."
        )
    requested = options.requested_elemental_mg_per_day
    existing = _existing(person, indicated and not blocks, cautions)
    all_existing = math.fsum(e.elemental_mg_per_day for e in existing)
    ul_override = options.override("upper_limit")
    if requested is not None:
        _requested_within_ul(requested, ul, ul_override, person)
    supplement: SupplementPlan | None = None
    if ul is not None and all_existing > ul and ul_override is None:
        existing = [
            e.model_copy(update={"action": "reduce", "counted_mg_per_day": e.elemental_mg_per_day})
            for e in existing
        ]
        cautions.append(
            _notice(
                "existing_supplement_above_ul",
                f"The person already takes {all_existing:.0f} mg/day of supplemental magnesium, "
                f"above the supplemental UL of {ul:g} mg/day for {person.age_years:g}-year-olds "
                "of this life stage: reduce it to the UL or below. Diarrhoea is the first sign of "
                "excess; with impaired kidney function, excess can cause hypermagnesaemia.",
                ul_source,
            )
        )
        decision += " No additional supplement: existing supplements already exceed the UL."
    elif indicated and blocks:
        decision += " Not recommended because of: " + ", ".join(b.code for b in blocks) + "."
    elif indicated and ul is not None:
        if requested is not None and requested > ul and ul_override is not None:
            used_overrides.append(ul_override)
            cautions.append(
                _notice(
                    "ul_override",
                    f"Supplemental magnesium {requested:g} mg/day exceeds the UL of {ul:g} mg/day "
                    f"on purpose, by {ul_override.by} on {ul_override.at.date().isoformat()}: "
                    f"{ul_override.reason}. Diarrhoea is the first sign of excess; "
                    "monitor serum Mg.",
                    ul_source,
                )
            )
        supplement, decision = _dose(
            person,
            ul=ul,
            existing=existing,
            requested=requested,
            requested_salt=options.requested_salt,
            factor=min(factors),
            constraints=constraints,
            decision=decision,
            blocks=blocks,
            cautions=cautions,
        )
    if supplement is not None:
        for rule in contraindications():
            if (
                rule.kind == "dose"
                and rule.dose_above_mg_per_day is not None
                and supplement.total_mg_per_day > rule.dose_above_mg_per_day
            ):
                cautions.append(_notice(rule.code, rule.message, rule.source_key))
    if requested is not None and supplement is None:
        # A dose was asked for but no supplement is planned: say so, never drop it silently.
        cautions.append(
            _notice(
                "requested_dose_not_planned",
                f"The requested {requested:g} mg/day of supplemental magnesium is not in the "
                f"plan: {decision} To plan one anyway, request a supplement (on the command "
                "line: mgir simulate --supplement SALT --elemental-mg N); every safety rule "
                "still applies.",
                _RULES,
                "info",
            )
        )
    triggers = _triggers(
        assessment,
        supplement=supplement is not None,
        rules=[r for rules in check.matches.values() for r in rules],
        applied=applied,
    )
    monitoring = _monitoring(triggers)
    expected = _expected(assessment) if supplement is not None else ()
    keys: list[str] = [*assessment.requirements.references, "usda_sr28", _RULES, *decision_keys]
    for item in (*urgent, *blocks, *cautions):
        keys.append(item.source)
    keys += [m.source for m in monitoring] + [e.source for e in expected]
    keys += [s.source for s in diet.suggestions] + [e.source for e in existing]
    if supplement is not None:
        keys += [supplement.source, "scf2001", ul_source]
    return Plan(
        life_stage=assessment.requirements.life_stage,
        diet=diet,
        supplement=supplement,
        supplement_decision=decision,
        existing_supplements=tuple(existing),
        urgent=tuple(urgent),
        blocks=tuple(blocks),
        cautions=tuple(cautions),
        medications_not_checked=check.not_checked,
        monitoring=monitoring,
        expected_effects=expected,
        overrides=tuple(dict.fromkeys(used_overrides)),
        references=tuple(
            Reference(key=s.key, citation=s.citation, quality=s.quality, url=s.url, doi=s.doi)
            for s in cite(keys)
        ),
    )


def _check_options(options: PlanOptions) -> None:
    requested = options.requested_elemental_mg_per_day
    if requested is not None and not (math.isfinite(requested) and requested >= 1):
        raise InvalidInputError(
            field="requested_elemental_mg_per_day",
            value=requested,
            unit="mg/day",
            allowed="a number of at least 1 mg/day",
        )
    kinds = [o.kind for o in options.overrides]
    if len(set(kinds)) != len(kinds):
        raise InvalidInputError(
            field="overrides", value=kinds, allowed="at most one override of each kind"
        )
    if options.requested_salt is not None:
        resolve_salt(options.requested_salt, field="requested_salt")


def _requested_within_ul(
    requested: float, ul: float | None, override: Override | None, person: Person
) -> None:
    if ul is not None and requested > ul and override is None:
        raise InvalidInputError(
            field="requested_elemental_mg_per_day",
            value=requested,
            unit="mg/day",
            allowed=f"at most the supplemental UL of {ul:g} mg/day for a "
            f"{person.age_years:g}-year-old of this life stage, unless a clinician records an "
            "upper_limit override (who, when, why)",
        )


def _dose(
    person: Person,
    *,
    ul: float,
    existing: Sequence[ExistingSupplement],
    requested: float | None,
    requested_salt: str | None,
    factor: float,
    constraints: list[TimingConstraint],
    decision: str,
    blocks: list[Notice],
    cautions: list[Notice],
) -> tuple[SupplementPlan | None, str]:
    default = policy("default_elemental_mg_per_day").to("mg/day")
    wanted_total = requested if requested is not None else min(default, ul)
    allowed_total = math.floor(wanted_total * factor)
    if factor != 1:
        decision += f" Total dose x {factor:g} for reduced kidney function."
    counted = math.fsum(e.counted_mg_per_day for e in existing)
    new = allowed_total - counted
    if new <= 0:
        cautions.append(
            _notice(
                "existing_supplement_sufficient",
                f"The person already takes {counted:.0f} mg/day of supplemental magnesium in a "
                f"well-absorbed form, which meets the planned {allowed_total:g} mg/day; no "
                "additional supplement.",
                "iom1997",
            )
        )
        return None, decision + " No additional supplement: existing supplements already reach it."
    new = float(math.floor(new))
    salt, form_reason = _choose_salt(person, requested_salt)
    split = policy("split_above_mg_per_day").to("mg/day")
    gap_min = int(policy("min_dose_gap_h").to("minute"))
    step = int(policy("schedule_step_min").to("minute"))

    def pick(n: int) -> tuple[int, ...] | None:
        preferred = [parse_time(t, field="dose_times.csv") for t in preferred_dose_times(n)]
        return choose_times(n, constraints, preferred=preferred, min_gap_min=gap_min, step_min=step)

    doses = 2 if new > split else 1
    times = pick(doses)
    if times is None and doses == 2:
        doses = 1
        times = pick(1)
        if times is not None:
            cautions.append(
                _notice(
                    "single_dose",
                    f"The medication times leave no two slots {gap_min // 60} h apart, so the "
                    "dose is taken once a day; divided doses are better tolerated.",
                    "scf2001",
                )
            )
    if times is None:
        blocks.append(
            _notice(
                "interaction_timing_conflict",
                "No time of day satisfies every medication timing rule; no supplement until the "
                "medication times are reviewed.",
                ";".join(dict.fromkeys(c.source for c in constraints)),
                "block",
            )
        )
        return None, decision + " Not recommended: no time satisfies every timing rule."
    if not all(allowed(t, constraints) for t in times):  # defensive: choose_times guarantees it
        raise AssertionError("scheduled a dose inside a forbidden interval")
    per_dose = new / doses
    replaced = tuple(e.given for e in existing if e.action == "replace")
    if replaced:
        cautions.append(
            _notice(
                "existing_supplement_replaced",
                "Stop " + ", ".join(replaced) + " when starting the planned supplement: it is "
                "poorly absorbed, so it is not counted towards the planned total, and taking both "
                "would add to the dose checked against the UL.",
                ";".join(e.source for e in existing if e.action == "replace"),
            )
        )
    return SupplementPlan(
        salt_id=salt.salt_id,
        salt=salt.name,
        formula=salt.full_formula,
        mg_fraction=round(salt.mg_fraction, 4),
        elemental_mg_per_day=new,
        salt_mg_per_day=float(round(new / salt.mg_fraction)),
        doses_per_day=doses,
        schedule=tuple(
            Dose(
                time=format_time(t),
                elemental_mg=round(per_dose, 1),
                salt_mg=round(per_dose / salt.mg_fraction),
            )
            for t in times
        ),
        allowed_windows=allowed_windows(constraints),
        existing_mg_per_day=round(counted, 1),
        total_mg_per_day=round(new + counted, 1),
        ul_mg_per_day=ul,
        dose_factor=factor,
        replaces=replaced,
        reason=decision,
        form_reason=form_reason,
        source=salt.source_key,
    ), decision
