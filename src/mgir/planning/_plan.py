"""``plan(person, assessment)``: a cited magnesium plan with its safety checks.

The rules (docs/plan.md) are:

* **Diet**: target = the RDA (or AI) of the life stage from the assessment; current intake = the
  mean of the food diary (SR28); gap = target - current. Suggestions come from a short list of
  everyday whole foods (``suggested_foods.csv``), ranked by magnesium per serving and per kcal,
  taken until the gap is closed.
* **Supplement indicated** when serum status is ``deficient``; or ``grey_zone`` with low intake;
  or insulin resistance (a condition, or HOMA-IR read as insulin-resistant by the assessment) with
  low intake. Low intake = below the EAR (the AI when there is no EAR) — the EAR cut-point
  method (source ``ear_cut_point``, Costello & Nielsen 2017 for the grey zone).
* **Never** when a block applies (eGFR < 30 without a renal override, heart block, myasthenia
  gravis, bowel obstruction, hypermagnesaemia, raltegravir, an infant without an UL, or no time of
  day satisfies every timing rule).
* **Dose**: 300 mg/day elemental (the dose of Walker 2003; the trials in calibration.md used
  300-450 mg) capped at the supplemental UL of the life stage (65 mg 1-3 y, 110 mg 4-8 y, 350 mg
  from 9 y; IOM 1997) minus what the person already takes. Exceeding the UL needs
  ``override_ul_reason``, which the plan records. eGFR 30-60: half the dose.
* **Form**: the salt with the best repletion rank in ``salts.csv`` (trimagnesium dicitrate; oxide
  is never chosen); with chronic diarrhoea the least laxative ranked salt (bisglycinate).
* **Schedule**: split into 2 doses above 150 mg/day (SCF 2001: divided doses are better
  tolerated), at times that satisfy every timing rule on a 24-h clock.

Everything here is pure: no I/O; the packaged tables are read through :mod:`mgir.reference`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from mgir._errors import InvalidInputError
from mgir.assessment import Assessment, IndexResult, Person
from mgir.planning._intake import DiaryEntryLike, IntakeResult, diary_intake
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
    resolve_salt,
    salts,
)

__all__ = [
    "DEFAULT_ELEMENTAL_MG_PER_DAY",
    "Dose",
    "ExpectedEffect",
    "FoodSuggestion",
    "Monitoring",
    "Notice",
    "Plan",
    "SupplementPlan",
    "plan",
]

DEFAULT_ELEMENTAL_MG_PER_DAY: Final[float] = 300.0
"""Default supplemental elemental Mg, mg/day (Walker 2003 dose; within the trial range)."""
SPLIT_ABOVE_MG_PER_DAY: Final[float] = 150.0
IR_CONDITIONS: Final[frozenset[str]] = frozenset(
    {"insulin_resistance", "prediabetes", "t2d", "pcos", "metabolic_syndrome"}
)
_PREFERRED: Final[Mapping[int, tuple[int, ...]]] = {1: (19 * 60,), 2: (13 * 60, 19 * 60)}
_RULES: Final[str] = "mgir_plan_rules"


@dataclass(frozen=True, slots=True)
class Notice:
    """A block or a caution: a code, a message for people, and its source keys."""

    code: str
    message: str
    source: str

    def to_dict(self) -> dict[str, str]:
        """JSON-ready mapping."""
        return {"code": self.code, "message": self.message, "source": self.source}


@dataclass(frozen=True, slots=True)
class Dose:
    """One scheduled dose: time "HH:MM", elemental Mg (mg) and salt mass (mg)."""

    time: str
    elemental_mg: float
    salt_mg: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping."""
        return {"time": self.time, "elemental_mg": self.elemental_mg, "salt_mg": self.salt_mg}


@dataclass(frozen=True, slots=True)
class SupplementPlan:
    """The recommended supplement.

    Attributes
    ----------
    elemental_mg_per_day, salt_mg_per_day
        New supplemental magnesium (mg/day elemental) and the salt mass that holds it (mg/day).
    existing_mg_per_day
        Elemental Mg the person already takes (subtracted), mg/day.
    ul_mg_per_day
        Supplemental UL of the life stage, mg/day.
    ul_override_reason
        The reason given when the UL was exceeded on purpose, else None.
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
    ul_mg_per_day: float | None
    ul_override_reason: str | None
    reason: str
    form_reason: str
    source: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping."""
        return {
            "salt": self.salt,
            "salt_id": self.salt_id,
            "formula": self.formula,
            "mg_fraction": round(self.mg_fraction, 4),
            "elemental_mg_per_day": self.elemental_mg_per_day,
            "salt_mg_per_day": self.salt_mg_per_day,
            "doses_per_day": self.doses_per_day,
            "schedule": [d.to_dict() for d in self.schedule],
            "allowed_windows": [list(w) for w in self.allowed_windows],
            "existing_supplement_mg_per_day": self.existing_mg_per_day,
            "ul_mg_per_day": self.ul_mg_per_day,
            "ul_override": None
            if self.ul_override_reason is None
            else {"reason": self.ul_override_reason, "ul_mg_per_day": self.ul_mg_per_day},
            "reason": self.reason,
            "form_reason": self.form_reason,
            "source": self.source,
        }


@dataclass(frozen=True, slots=True)
class FoodSuggestion:
    """A food that helps close the gap, with its serving and magnesium (SR28)."""

    ndb_id: str
    description: str
    name: str
    serving: str
    grams: float
    magnesium_mg: float
    kcal: float
    mg_per_100_kcal: float
    source: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping."""
        return {
            "ndb_id": self.ndb_id,
            "description": self.description,
            "name": self.name,
            "serving": self.serving,
            "grams": self.grams,
            "magnesium_mg": self.magnesium_mg,
            "kcal": self.kcal,
            "mg_per_100_kcal": self.mg_per_100_kcal,
            "source": self.source,
        }


@dataclass(frozen=True, slots=True)
class Monitoring:
    """A lab to repeat, when, and why."""

    lab: str
    when: str
    why: str
    source: str

    def to_dict(self) -> dict[str, str]:
        """JSON-ready mapping."""
        return {"lab": self.lab, "when": self.when, "why": self.why, "source": self.source}


@dataclass(frozen=True, slots=True)
class ExpectedEffect:
    """Population evidence from comparable trials: not a promise for this person."""

    outcome: str
    effect: str
    population: str
    source: str
    label: str = "population evidence from comparable trials, not a prediction for this person"

    def to_dict(self) -> dict[str, str]:
        """JSON-ready mapping."""
        return {
            "outcome": self.outcome,
            "effect": self.effect,
            "population": self.population,
            "source": self.source,
            "label": self.label,
        }


@dataclass(frozen=True, slots=True)
class Plan:
    """A magnesium plan (immutable; :meth:`to_dict` gives the JSON document)."""

    life_stage: str
    target_mg_per_day: float
    target_kind: str
    current_mg_per_day: float | None
    gap_mg_per_day: float | None
    intake: IntakeResult | None
    suggestions: tuple[FoodSuggestion, ...]
    supplement: SupplementPlan | None
    supplement_decision: str
    blocks: tuple[Notice, ...]
    cautions: tuple[Notice, ...]
    not_checked: tuple[str, ...]
    monitoring: tuple[Monitoring, ...]
    expected_effects: tuple[ExpectedEffect, ...]
    reference_keys: tuple[str, ...]
    disclaimer: str = field(default="Decision support, not a medical device: a clinician decides.")

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON document of ``mgir plan --json`` (see docs/plan.md)."""
        return {
            "life_stage": self.life_stage,
            "diet": {
                "target_mg_per_day": self.target_mg_per_day,
                "target_kind": self.target_kind,
                "current_mg_per_day": None
                if self.current_mg_per_day is None
                else round(self.current_mg_per_day, 1),
                "gap_mg_per_day": None
                if self.gap_mg_per_day is None
                else round(self.gap_mg_per_day, 1),
                "intake": None if self.intake is None else self.intake.to_dict(),
                "suggestions": [s.to_dict() for s in self.suggestions],
            },
            "supplement": None if self.supplement is None else self.supplement.to_dict(),
            "supplement_decision": self.supplement_decision,
            "blocks": [b.to_dict() for b in self.blocks],
            "cautions": [c.to_dict() for c in self.cautions],
            "medications_not_checked": list(self.not_checked),
            "monitoring": [m.to_dict() for m in self.monitoring],
            "expected_effect": [e.to_dict() for e in self.expected_effects],
            "references": [
                {
                    "key": s.key,
                    "citation": s.citation,
                    "quality": s.quality,
                    "url": s.url,
                    "doi": s.doi,
                }
                for s in cite(self.reference_keys)
            ],
            "disclaimer": self.disclaimer,
        }


# ----------------------------------------------------------------------------- helpers


def _existing_supplements(person: Person, cautions: list[Notice]) -> float:
    total = 0.0
    for i, entry in enumerate(person.supplements):
        match = resolve_salt(entry.salt, field=f"supplements[{i}].salt")
        if entry.elemental_mg_per_day is not None:
            mg = entry.elemental_mg_per_day
        elif entry.salt_mass_mg_per_day is not None:
            mg = entry.salt_mass_mg_per_day * match.salt.mg_fraction
            if match.assumed:
                cautions.append(
                    Notice(
                        "salt_form_assumed",
                        f"'{entry.salt}' was read as {match.salt.name} "
                        f"({100 * match.salt.mg_fraction:.1f} % Mg): "
                        f"{entry.salt_mass_mg_per_day:g} mg/day = {mg:.0f} mg elemental. Check the "
                        "label's elemental amount; other forms differ.",
                        match.salt.source_key,
                    )
                )
        else:
            raise InvalidInputError(
                field=f"supplements[{i}]",
                value=entry.salt,
                allowed="a salt mass or an elemental amount (mg/day)",
            )
        if match.salt.bioavailability_class == "lower":
            cautions.append(
                Notice(
                    "existing_supplement_poorly_absorbed",
                    f"'{entry.salt}' ({match.salt.name}) is poorly absorbed "
                    f"({match.salt.bioavailability_note}); consider replacing it with the form "
                    "below. Its elemental amount still counts against the UL.",
                    match.salt.source_key,
                )
            )
        total += mg
    return total


def _suggestions(gap: float | None) -> tuple[FoodSuggestion, ...]:
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
        serving = f"{count:g} {portion.unit_description}"
        rows.append(
            FoodSuggestion(
                ndb_id=item.ndb_id,
                description=item.description,
                name=row["note"],
                serving=serving,
                grams=round(grams, 1),
                magnesium_mg=round(mg, 1),
                kcal=round(kcal, 1),
                mg_per_100_kcal=round(100 * mg / kcal, 1),
                source=row["source_key"],
            )
        )
    by_serving = sorted(rows, key=lambda s: -s.magnesium_mg)
    by_kcal = sorted(rows, key=lambda s: -s.mg_per_100_kcal)
    rank = {s.ndb_id: by_serving.index(s) + by_kcal.index(s) for s in rows}
    ranked = sorted(rows, key=lambda s: (rank[s.ndb_id], -s.magnesium_mg, s.ndb_id))
    if gap is None or gap <= 0:
        return tuple(ranked[:5])
    chosen: list[FoodSuggestion] = []
    total = 0.0
    for suggestion in ranked:
        chosen.append(suggestion)
        total += suggestion.magnesium_mg
        if total >= gap and len(chosen) >= 3:
            break
    return tuple(chosen[:8])


def _egfr_in(rule: Contraindication, egfr: float | None) -> bool:
    if egfr is None:
        return False
    low = -math.inf if rule.egfr_lower is None else rule.egfr_lower
    high = math.inf if rule.egfr_upper is None else rule.egfr_upper
    return low <= egfr < high


def _applies(rule: Contraindication, person: Person, egfr: float | None, status: str) -> bool:
    """Whether a contraindication row applies ("dose" rows are applied once the dose is known)."""
    checks: dict[str, Callable[[], bool]] = {
        "egfr": lambda: _egfr_in(rule, egfr),
        "egfr_unknown": lambda: egfr is None,
        "condition": lambda: rule.condition in person.conditions,
        "condition_without_egfr": lambda: egfr is None and rule.condition in person.conditions,
        "pregnancy": lambda: person.pregnant,
        "age": lambda: rule.age_upper_years is not None and person.age_years < rule.age_upper_years,
        "serum_high": lambda: status == "high",
    }
    check = checks.get(rule.kind)
    return check is not None and check()


def _choose_salt(person: Person) -> tuple[Salt, str]:
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
    person: Person, rules: Mapping[str, tuple[Interaction, ...]], cautions: list[Notice]
) -> list[TimingConstraint]:
    constraints: list[TimingConstraint] = []
    times = {name.lower(): value for name, value in person.medication_times.items()}
    for medication, found in rules.items():
        for rule in found:
            if rule.severity != "separate":
                continue
            before = rule.drug_before_mg_h or 0.0
            after = rule.drug_after_mg_h or 0.0
            given = times.get(medication.lower(), ())
            text = (
                f"{medication}: take it at least {before:g} h before or {after:g} h after "
                f"magnesium. {rule.action}"
            )
            if not given:
                text += (
                    " Its time of day is not in the person file, so the schedule could not "
                    "check it: add person.medication_times."
                )
            cautions.append(Notice("interaction_timing", text, rule.source_key))
            for i, t in enumerate(given):
                minute = parse_time(t, field=f"person.medication_times.{medication}[{i}]")
                constraints.append(
                    TimingConstraint(medication, minute, before, after, rule.source_key)
                )
    return constraints


def _supplement_indicated(
    person: Person, assessment: Assessment, current: float | None
) -> tuple[bool, str, tuple[str, ...]]:
    req = assessment.requirements
    status = assessment.magnesium.status
    cut = req.ear_mg_per_day if req.ear_mg_per_day is not None else req.rda_mg_per_day
    low_intake = current is not None and current < cut
    homa = assessment.indices.get("homa_ir")
    ir_lab = isinstance(homa, IndexResult) and homa.insulin_resistant is True
    ir = ir_lab or bool(IR_CONDITIONS & set(person.conditions))
    intake_words = (
        "unknown (no food diary)"
        if current is None
        else f"{current:.0f} mg/day vs EAR/AI {cut:g} mg/day"
    )
    if status == "deficient":
        return (
            True,
            "Serum magnesium status is deficient.",
            ("costello_nielsen2017", "rosanoff2022"),
        )
    if status == "grey_zone" and low_intake:
        return (
            True,
            (
                f"Serum magnesium is in the grey zone (0.75-0.85 mmol/L) and intake is low "
                f"({intake_words})."
            ),
            ("costello_nielsen2017", "ear_cut_point"),
        )
    if ir and low_intake:
        return (
            True,
            (f"Insulin resistance with low magnesium intake ({intake_words})."),
            ("ear_cut_point", "simental_mendia2016", "guerrero_romero2004"),
        )
    if status in ("adequate", "high"):
        return False, f"Serum magnesium status is {status}: no supplement; food first.", ()
    return (
        False,
        (
            f"No supplement indicated (status {status}, intake {intake_words}, insulin "
            f"resistance {'yes' if ir else 'not shown'}): food first."
        ),
        (),
    )


def _monitoring(
    assessment: Assessment,
    *,
    supplement: bool,
    egfr: float | None,
    rules: Iterable[Interaction],
    ir: bool,
) -> tuple[Monitoring, ...]:
    out: list[Monitoring] = []
    if egfr is None:
        out.append(
            Monitoring(
                "creatinine",
                "before starting any supplement",
                "eGFR is unknown; hypermagnesaemia occurs mostly with impaired renal function",
                "iom1997",
            )
        )
    status = assessment.magnesium.status
    if status == "unknown":
        out.append(
            Monitoring(
                "serum_magnesium",
                "now, before deciding on a supplement",
                "magnesium status is unknown",
                "costello_nielsen2017",
            )
        )
    if status == "grey_zone" and not supplement:
        out.append(
            Monitoring(
                "urine_magnesium",
                "24-h collection, with a 3-day food diary",
                "serum magnesium in the grey zone: intake and urinary magnesium decide",
                "costello_nielsen2017",
            )
        )
    if supplement:
        out.append(
            Monitoring(
                "serum_magnesium",
                "after 12 weeks, sooner with diarrhoea or symptoms",
                "trials measured the change at 12-16 weeks",
                "guerrero_romero2004;simental_mendia2016",
            )
        )
    if egfr is not None and egfr < 60:
        out.append(
            Monitoring(
                "serum_magnesium", "every 3-6 months", "eGFR below 60", "smpc_mg_glycerophosphate"
            )
        )
        out.append(
            Monitoring(
                "creatinine", "every 3-6 months", "eGFR below 60", "smpc_mg_glycerophosphate"
            )
        )
    if status == "deficient":
        out.append(
            Monitoring(
                "potassium",
                "with the next serum magnesium",
                "hypokalaemia accompanies magnesium deficiency",
                "rosanoff2022",
            )
        )
        out.append(
            Monitoring(
                "calcium",
                "with the next serum magnesium",
                "hypocalcaemia accompanies magnesium deficiency",
                "rosanoff2022",
            )
        )
    mechanisms = {r.mechanism for r in rules}
    if mechanisms & {"renal_wasting", "mg_absorption_loss", "retention"}:
        out.append(
            Monitoring(
                "serum_magnesium",
                "every 3-6 months while on the medicine",
                "a medicine alters magnesium losses or retention",
                "fda_ppi_2011;smpc_magnaspartate",
            )
        )
    if any(r.drug_class.endswith("diuretic") for r in rules):
        out.append(
            Monitoring(
                "potassium",
                "with serum magnesium",
                "diuretics also change potassium",
                "davies_fraser1993",
            )
        )
    if supplement and ir:
        out.append(
            Monitoring(
                "fasting_glucose and fasting_insulin (HOMA-IR)",
                "after 12-16 weeks",
                "to see whether insulin resistance changes; "
                "supplementation of 4 months or more worked better in trials",
                "simental_mendia2016",
            )
        )
    seen: set[tuple[str, str]] = set()
    unique = []
    for item in out:
        if (item.lab, item.when) not in seen:
            seen.add((item.lab, item.when))
            unique.append(item)
    return tuple(unique)


def _expected(assessment: Assessment, ir: bool) -> tuple[ExpectedEffect, ...]:
    """Trial results that apply to this person's situation (``expected_effects.csv``)."""
    not_deficient = assessment.magnesium.status not in ("deficient", "grey_zone")
    wanted = (
        {"supplement"}
        | ({"insulin_resistance"} if ir else set())
        | ({"not_deficient"} if not_deficient else set())
    )
    return tuple(
        ExpectedEffect(row["outcome"], row["effect"], row["population"], row["source_key"])
        for row in load_table("expected_effects").rows
        if row["applies_when"] in wanted
    )


def _medication_notices(
    check: MedicationCheck, blocks: list[Notice], cautions: list[Notice], keys: list[str]
) -> None:
    for medication in check.not_checked:
        cautions.append(
            Notice(
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
            keys.append(rule.source_key)
            code = codes.get(rule.severity)
            if code is None:
                continue  # "separate": handled with the schedule
            target = blocks if rule.severity == "avoid" else cautions
            target.append(Notice(code, f"{medication}: {rule.action}", rule.source_key))


def _contraindication_notices(
    person: Person,
    egfr: float | None,
    status: str,
    *,
    override_renal_reason: str | None,
    blocks: list[Notice],
    cautions: list[Notice],
) -> bool:
    """Apply the contraindication rows; return whether a renal block was overridden."""
    renal_override = False
    for ci in contraindications():
        if not _applies(ci, person, egfr, status):
            continue
        if ci.severity == "block" and ci.kind == "egfr" and override_renal_reason:
            renal_override = True
            cautions.append(
                Notice(
                    "renal_override",
                    f"{ci.message} Overridden by the clinician: "
                    f"{override_renal_reason}. The dose is halved and serum Mg must be monitored.",
                    ci.source_key,
                )
            )
        elif ci.severity == "block":
            blocks.append(Notice(ci.code, ci.message, ci.source_key))
        else:
            cautions.append(Notice(ci.code, ci.message, ci.source_key))
    return renal_override


def _check_options(
    override_ul_reason: str | None,
    override_renal_reason: str | None,
    requested: float | None,
    ul_basis: str,
) -> None:
    for name, reason in (
        ("override_ul_reason", override_ul_reason),
        ("override_renal_reason", override_renal_reason),
    ):
        if reason is not None and not reason.strip():
            raise InvalidInputError(field=name, value=reason, allowed="a non-empty reason")
    if requested is not None and not (math.isfinite(requested) and requested > 0):
        raise InvalidInputError(
            field="requested_elemental_mg_per_day",
            value=requested,
            unit="mg/day",
            allowed="a number > 0",
        )
    if ul_basis not in ("iom", "eu"):
        raise InvalidInputError(field="ul_basis", value=ul_basis, allowed="'iom' or 'eu'")


def _upper_limit(
    ul: float | None,
    eu: float | None,
    *,
    ul_basis: str,
    life_stage: str,
    blocks: list[Notice],
    cautions: list[Notice],
) -> float | None:
    """Supplemental UL to apply, mg/day; None (with a block) when none is established."""
    if ul is None:
        blocks.append(
            Notice(
                "no_ul",
                f"No supplemental UL is established for {life_stage}: no supplement.",
                "iom1997",
            )
        )
        return None
    if ul_basis == "eu" and eu is not None and eu < ul:
        cautions.append(
            Notice(
                "eu_ul_applied",
                f"The EU supplemental limit of {eu:g} mg/day is applied instead of the US UL.",
                "scf2001",
            )
        )
        return eu
    return ul


# ----------------------------------------------------------------------------- plan


def plan(
    person: Person,
    assessment: Assessment,
    *,
    override_ul_reason: str | None = None,
    override_renal_reason: str | None = None,
    requested_elemental_mg_per_day: float | None = None,
    diary: Sequence[DiaryEntryLike] | None = None,
    ul_basis: Literal["iom", "eu"] = "iom",
) -> Plan:
    """Build a magnesium plan for a person from their assessment.

    Parameters
    ----------
    person
        The validated person (diet, supplements, medications, medication times, conditions).
    assessment
        ``mgir.assessment.assess(person, ...)``: requirements, serum status, eGFR, HOMA-IR.
    override_ul_reason
        A clinician's reason to exceed the supplemental UL; recorded in the plan. Without it the
        supplement never exceeds the UL of the life stage.
    override_renal_reason
        A clinician's reason to supplement despite eGFR < 30 mL/min/1.73 m²; recorded, and the
        dose is still halved.
    requested_elemental_mg_per_day
        A total supplemental elemental Mg wanted (mg/day), instead of the default 300 mg/day.
    diary
        Food-diary entries to use instead of ``person.diet`` (e.g. from a diary CSV).
    ul_basis
        ``"iom"`` (default): the US supplemental UL of the life stage (65/110/350 mg/day);
        ``"eu"``: the EU limit for supplements (SCF 2001, 250 mg/day for adults) where it is
        lower. The stricter of the two is used, so "eu" never raises the cap.

    Returns
    -------
    Plan
        Diet target, intake and gap with food suggestions; the supplement (or None, with the
        reason); blocks and cautions ``{code, message, source}``; medicines not checked;
        monitoring; expected effect (population evidence); references.

    Raises
    ------
    InvalidInputError
        An unresolvable diary food, portion or supplement salt; an empty override reason; a
        requested dose that is not a positive number; a malformed medication time.
    """
    _check_options(
        override_ul_reason, override_renal_reason, requested_elemental_mg_per_day, ul_basis
    )
    req = assessment.requirements
    keys: list[str] = [*req.references, "usda_sr28", _RULES]
    blocks: list[Notice] = []
    cautions: list[Notice] = []

    # Diet
    entries = person.diet if diary is None else diary
    intake = diary_intake(entries) if entries else None
    current = intake.mean_mg_per_day if intake is not None else assessment.dietary_intake_mg_per_day
    target = req.rda_mg_per_day
    gap = None if current is None else max(0.0, target - current)
    if intake is not None and not intake.complete:
        cautions.append(
            Notice(
                "intake_incomplete",
                "SR28 has no magnesium value for: "
                + "; ".join(intake.foods_without_magnesium)
                + ". They are not counted as zero; intake is a lower bound.",
                "usda_sr28",
            )
        )
    suggestions = _suggestions(gap)

    # Medicines
    check = check_medications(person.medications)
    all_rules = [r for rules in check.matches.values() for r in rules]
    _medication_notices(check, blocks, cautions, keys)
    constraints = _timing_constraints(person, check.matches, cautions)

    # Contraindications
    egfr = assessment.kidney.egfr.value
    status = assessment.magnesium.status
    renal_override = _contraindication_notices(
        person,
        egfr,
        status,
        override_renal_reason=override_renal_reason,
        blocks=blocks,
        cautions=cautions,
    )
    ul = _upper_limit(
        req.supplement_ul_mg_per_day,
        req.eu_supplement_ul_mg_per_day,
        ul_basis=ul_basis,
        life_stage=req.life_stage,
        blocks=blocks,
        cautions=cautions,
    )

    # Decision
    existing = _existing_supplements(person, cautions)
    indicated, decision, decision_keys = _supplement_indicated(person, assessment, current)
    keys.extend(decision_keys)
    homa = assessment.indices.get("homa_ir")
    ir = (isinstance(homa, IndexResult) and homa.insulin_resistant is True) or bool(
        IR_CONDITIONS & set(person.conditions)
    )
    supplement: SupplementPlan | None = None
    if indicated and blocks:
        decision += " Not recommended because of: " + ", ".join(b.code for b in blocks) + "."
    elif indicated and ul is not None:
        supplement, decision = _dose(
            person,
            ul,
            existing,
            override_ul_reason,
            requested_elemental_mg_per_day,
            halve=(egfr is not None and egfr < 60) or renal_override,
            constraints=constraints,
            decision=decision,
            blocks=blocks,
            cautions=cautions,
        )
    if supplement is not None:
        keys.extend([supplement.source, "scf2001", "iom1997"])
        total = supplement.elemental_mg_per_day + existing
        for ci in contraindications():
            if (
                ci.kind == "dose"
                and ci.dose_above_mg_per_day is not None
                and total > ci.dose_above_mg_per_day
            ):
                cautions.append(Notice(ci.code, ci.message, ci.source_key))
    monitoring = _monitoring(
        assessment, supplement=supplement is not None, egfr=egfr, rules=all_rules, ir=ir
    )
    expected = _expected(assessment, ir) if supplement is not None else ()
    for item in (*blocks, *cautions):
        keys.append(item.source)
    keys.extend(m.source for m in monitoring)
    keys.extend(e.source for e in expected)
    keys.extend(s.source for s in suggestions)
    return Plan(
        life_stage=req.life_stage,
        target_mg_per_day=target,
        target_kind=req.rda_kind,
        current_mg_per_day=current,
        gap_mg_per_day=gap,
        intake=intake,
        suggestions=suggestions,
        supplement=supplement,
        supplement_decision=decision,
        blocks=tuple(blocks),
        cautions=tuple(cautions),
        not_checked=check.not_checked,
        monitoring=monitoring,
        expected_effects=expected,
        reference_keys=tuple(dict.fromkeys(k for key in keys for k in key.split(";") if k)),
    )


def _dose(
    person: Person,
    ul: float,
    existing: float,
    override_ul_reason: str | None,
    requested: float | None,
    *,
    halve: bool,
    constraints: list[TimingConstraint],
    decision: str,
    blocks: list[Notice],
    cautions: list[Notice],
) -> tuple[SupplementPlan | None, str]:
    wanted_total = requested if requested is not None else min(DEFAULT_ELEMENTAL_MG_PER_DAY, ul)
    override = None
    if wanted_total > ul and override_ul_reason:
        override = override_ul_reason
        cautions.append(
            Notice(
                "ul_override",
                f"Supplemental magnesium {wanted_total:g} mg/day exceeds the UL of "
                f"{ul:g} mg/day on purpose: {override_ul_reason}. Diarrhoea is the first sign of "
                "excess; monitor serum Mg.",
                "iom1997",
            )
        )
    elif wanted_total > ul:
        cautions.append(
            Notice(
                "ul_capped",
                f"Requested {wanted_total:g} mg/day is above the supplemental UL of "
                f"{ul:g} mg/day for {person.age_years:g}-year-olds of this life stage; capped. An "
                "override needs a reason.",
                "iom1997",
            )
        )
        wanted_total = ul
    new = wanted_total - existing
    if new <= 0:
        cautions.append(
            Notice(
                "existing_supplement_sufficient",
                f"The person already takes {existing:.0f} mg/day "
                f"of supplemental magnesium, which meets the planned {wanted_total:g} mg/day; no "
                "additional supplement.",
                "iom1997",
            )
        )
        return None, decision + " No additional supplement: existing supplements already reach it."
    if halve:
        new /= 2
        decision += " Dose halved for reduced kidney function."
    new = math.floor(new)
    salt, form_reason = _choose_salt(person)
    doses = 2 if new > SPLIT_ABOVE_MG_PER_DAY else 1
    times = choose_times(doses, constraints, preferred=_PREFERRED[doses])
    if times is None and doses == 2:
        doses = 1
        times = choose_times(1, constraints, preferred=_PREFERRED[1])
        if times is not None:
            cautions.append(
                Notice(
                    "single_dose",
                    "The medication times leave no two slots 4 h apart, so the dose "
                    "is taken once a day; divided doses are better tolerated.",
                    "scf2001",
                )
            )
    if times is None:
        blocks.append(
            Notice(
                "interaction_timing_conflict",
                "No time of day satisfies every medication timing "
                "rule; no supplement until the medication times are reviewed.",
                ";".join(dict.fromkeys(c.source for c in constraints)),
            )
        )
        return None, decision + " Not recommended: no time satisfies every timing rule."
    if not all(allowed(t, constraints) for t in times):  # defensive: choose_times guarantees it
        raise AssertionError("scheduled a dose inside a forbidden interval")
    per_dose = new / doses
    schedule = tuple(
        Dose(format_time(t), round(per_dose, 1), round(per_dose / salt.mg_fraction)) for t in times
    )
    return SupplementPlan(
        salt_id=salt.salt_id,
        salt=salt.name,
        formula=salt.full_formula,
        mg_fraction=salt.mg_fraction,
        elemental_mg_per_day=float(new),
        salt_mg_per_day=float(round(new / salt.mg_fraction)),
        doses_per_day=doses,
        schedule=schedule,
        allowed_windows=allowed_windows(constraints),
        existing_mg_per_day=round(existing, 1),
        ul_mg_per_day=ul,
        ul_override_reason=override,
        reason=decision,
        form_reason=form_reason,
        source=salt.source_key,
    ), decision
