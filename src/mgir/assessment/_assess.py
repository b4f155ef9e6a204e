"""``assess(person)``: every calculation the data allows, and why the others are missing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Literal

from pydantic import Field

from mgir._records import Record
from mgir.assessment import _calculators as calc
from mgir.assessment._intake import DietaryIntake, dietary_intake
from mgir.assessment._person import Person
from mgir.assessment._results import CalculatorResult, IndexResult, Notice
from mgir.reference import (
    Band,
    band_for,
    contraindications,
    eu_supplement_ul_mg_per_day,
    glycaemic_categories,
    index_caveats,
    lab_variability,
    magnesium_dri,
    magnesium_marker_bands,
    serum_magnesium_bands,
)
from mgir.units import Quantity

__all__ = [
    "Assessment",
    "Glycaemia",
    "GlycaemicReading",
    "KidneyFunction",
    "LabChange",
    "MagnesiumStatus",
    "Requirements",
    "assess",
    "homa_caveats",
    "lab_changes",
]

Status = Literal["deficient", "grey_zone", "adequate", "high", "unknown"]
GlycaemicCategory = Literal["normal", "prediabetes", "diabetes"]
_CATEGORY_ORDER: Mapping[str, int] = {"normal": 0, "prediabetes": 1, "diabetes": 2}
_HOMA_FAMILY = ("homa_ir", "homa_beta", "quicki")


class MagnesiumStatus(Record):
    """Magnesium status from serum magnesium, refined by intake and urinary magnesium.

    Attributes
    ----------
    status
        ``deficient`` (< 0.75 mmol/L, or grey zone with low intake or renal conservation),
        ``grey_zone`` (0.75-0.85 and nothing else decides), ``adequate`` (0.85-1.00), ``high``
        (> 1.00) or ``unknown`` (no serum magnesium).
    serum_mmol_per_l
        Serum magnesium used, mmol/L.
    basis
        Sentences explaining how the status was reached.
    severity
        Severity band code (``overt_hypomagnesaemia``, ``hypermagnesaemia_*``) or None.
    findings
        Other markers (RBC magnesium, FE_Mg, intake) and what they say.
    references
        Source keys.
    """

    status: Status
    serum_mmol_per_l: float | None
    basis: tuple[str, ...]
    severity: str | None = None
    findings: dict[str, str] = Field(default_factory=dict)
    references: tuple[str, ...] = ()


class Requirements(Record):
    """Magnesium requirements for the person's life stage (mg/day)."""

    life_stage: str
    rda_mg_per_day: float
    rda_kind: str
    ear_mg_per_day: float | None
    supplement_ul_mg_per_day: float | None
    eu_supplement_ul_mg_per_day: float | None
    flags: tuple[str, ...]
    references: tuple[str, ...]


class KidneyFunction(Record):
    """EGFR (CKD-EPI 2021 in adults, bedside Schwartz under 18) and fractional excretion of Mg."""

    egfr: CalculatorResult
    fe_magnesium: CalculatorResult


class GlycaemicReading(Record):
    """One lab read against the ADA glycaemic categories."""

    lab: Literal["hba1c", "fasting_glucose"]
    value: float
    unit: str
    category: GlycaemicCategory
    description: str
    references: tuple[str, ...]


class Glycaemia(Record):
    """Glycaemic category from HbA1c and fasting glucose.

    The higher category of the two (the ADA criteria read either test); a reading, not a
    diagnosis, which needs a confirming test.
    """

    category: GlycaemicCategory | None
    readings: tuple[GlycaemicReading, ...]
    basis: str
    references: tuple[str, ...] = ()


class LabChange(Record):
    """The change between a lab's two newest dated results, read against its variation.

    ``reference_change_percent`` is the two-point reference change value (95 %): a smaller
    change is within what the same person and assay give from week to week.
    """

    lab: str
    unit: str
    previous_date: dt.date
    previous_value: float
    latest_date: dt.date
    latest_value: float
    change_percent: float
    reference_change_percent: float
    beyond_expected_variation: bool
    source: str


class Assessment(Record):
    """Everything mgir could compute for one person, and why the rest is missing."""

    person: Person
    indices: dict[str, IndexResult | CalculatorResult]
    kidney: KidneyFunction
    magnesium: MagnesiumStatus
    requirements: Requirements
    intake: DietaryIntake
    glycaemia: Glycaemia
    notices: tuple[Notice, ...]
    references: tuple[str, ...]
    not_computed: dict[str, str] = Field(
        default_factory=dict, description="Name -> reason for every calculation without a value."
    )
    lab_changes: tuple[LabChange, ...] = ()

    @property
    def urgent(self) -> tuple[Notice, ...]:
        """Notices that need action now (overt hypomagnesaemia)."""
        return tuple(n for n in self.notices if n.severity == "urgent")

    @property
    def insulin_resistant(self) -> bool:
        """Whether HOMA-IR, read against its cut-off (and not excluded by a caveat), says so."""
        homa = self.indices.get("homa_ir")
        return isinstance(homa, IndexResult) and homa.insulin_resistant is True


def lab_changes(person: Person) -> tuple[LabChange, ...]:
    """Changes between the two newest dated results of every lab with a sourced variation."""
    out = []
    for lab in dict.fromkeys(v.name for v in person.lab_history):
        variation = lab_variability(lab)
        dated = sorted(
            (v for v in person.lab_history if v.name == lab and v.date is not None),
            key=lambda v: v.date or dt.date.min,
        )
        if variation is None or len(dated) < 2 or dated[-2].value == 0:
            continue
        previous, latest = dated[-2], dated[-1]
        change = 100.0 * (latest.value - previous.value) / previous.value
        rcv = variation.reference_change_percent
        out.append(
            LabChange(
                lab=lab,
                unit=latest.unit,
                previous_date=previous.date,
                previous_value=previous.value,
                latest_date=latest.date,
                latest_value=latest.value,
                change_percent=change,
                reference_change_percent=rcv,
                beyond_expected_variation=abs(change) > rcv,
                source=";".join(variation.source_keys),
            )
        )
    return tuple(out)


def _q(person: Person, name: str) -> Quantity:
    lab = person.labs[name]
    return Quantity(lab.value, lab.unit if name != "hba1c" else "hba1c_ngsp_percent")


def _missing(person: Person, *names: str) -> list[str]:
    return [name for name in names if name not in person.labs]


def _apart(person: Person, *names: str) -> list[str]:
    """Why the newest values of ``names`` cannot be combined: sampled on different days.

    An index of several labs (HOMA, QUICKI, TyG, FAI, FE_Mg) describes one sample; the newest
    value of each may come from different visits. Empty when they share a day, or when any of
    them is undated (a person file may give no dates).
    """
    newest: dict[str, dt.date] = {}
    for name in names:
        dates = [v.date for v in person.lab_history if v.name == name]
        if not dates or any(d is None for d in dates):
            return []
        newest[name] = max(d for d in dates if d is not None)
    if len(set(newest.values())) <= 1:
        return []
    shown = ", ".join(f"{name} of {day}" for name, day in newest.items())
    return [f"{' and '.join(names)} sampled on one day (the newest are {shown})"]


def _lacks(name: str, unit: str, missing: list[str], refs: tuple[str, ...]) -> CalculatorResult:
    reason = "needs " + " and ".join(missing)
    if name in ("homa_ir", "quicki", "tyg", "matsuda"):
        return IndexResult.not_computed_index(name, unit, reason, refs)
    return CalculatorResult.not_computed(name, unit, reason, refs)


def homa_caveats(person: Person) -> tuple[tuple[str, str, str, str], ...]:
    """The index caveats that apply (``index_caveats.csv``): (rule id, effect, message, source)."""
    words = {w for m in person.medications for w in m.replace("/", " ").replace("-", " ").split()}
    out = []
    for rule in index_caveats():
        applies = (
            (rule.kind == "condition" and any(c in person.conditions for c in rule.match))
            or (rule.kind == "medicine" and bool(words & set(rule.match)))
            or (rule.kind == "age_below" and person.age_years < float(rule.match[0]))
        )
        if applies:
            out.append((rule.rule_id, rule.effect, rule.message, rule.source_key))
    return tuple(out)


def _apply_caveats(
    indices: dict[str, CalculatorResult], person: Person, notices: list[Notice]
) -> None:
    for rule_id, effect, message, source in homa_caveats(person):
        computed = [n for n in _HOMA_FAMILY if indices[n].value is not None]
        if not computed:
            continue
        severity: Literal["caution", "info"] = "caution"
        notices.append(
            Notice(code=f"homa_{rule_id}", message=message, source=source, severity=severity)
        )
        for name in computed:
            result = indices[name]
            refs = tuple(dict.fromkeys((*result.references, *source.split(";"))))
            if effect == "not_interpreted":
                update: dict[str, object] = {
                    "interpretation": f"{name.replace('_', '-').upper()} {result.value:.3g}: "
                    f"not interpreted. {message}",
                    "references": refs,
                }
                if isinstance(result, IndexResult):
                    update["insulin_resistant"] = None
            else:
                update = {
                    "interpretation": f"{result.interpretation} Caveat: {message}",
                    "references": refs,
                }
            indices[name] = result.model_copy(update=update)


def _indices(person: Person, homa_ir_cutoff: str | None) -> dict[str, CalculatorResult]:
    out: dict[str, CalculatorResult] = {}
    missing = _missing(person, "fasting_glucose", "fasting_insulin") or _apart(
        person, "fasting_glucose", "fasting_insulin"
    )
    if missing:
        out["homa_ir"] = _lacks("homa_ir", "1", missing, ("matthews1985",))
        out["homa_beta"] = _lacks("homa_beta", "%", missing, ("matthews1985",))
        out["quicki"] = _lacks("quicki", "1", missing, ("katz2000",))
    else:
        glucose, insulin = _q(person, "fasting_glucose"), _q(person, "fasting_insulin")
        out["homa_ir"] = calc.homa_ir(
            fasting_glucose=glucose, fasting_insulin=insulin, cutoff_key=homa_ir_cutoff
        )
        out["homa_beta"] = calc.homa_beta(fasting_glucose=glucose, fasting_insulin=insulin)
        out["quicki"] = calc.quicki(fasting_glucose=glucose, fasting_insulin=insulin)
    missing = _missing(person, "fasting_glucose", "triglycerides") or _apart(
        person, "fasting_glucose", "triglycerides"
    )
    out["tyg"] = (
        _lacks("tyg", "1", missing, ("simental_mendia2008",))
        if missing
        else calc.tyg(
            fasting_glucose=_q(person, "fasting_glucose"), triglycerides=_q(person, "triglycerides")
        )
    )
    if person.ogtt:
        out["matsuda"] = calc.matsuda(
            minutes=[p.minutes for p in person.ogtt],
            glucose=[Quantity(p.glucose_mmol_per_l, "mmol/L") for p in person.ogtt],
            insulin=[Quantity(p.insulin_uiu_per_ml, "µIU/mL") for p in person.ogtt],
        )
    else:
        out["matsuda"] = _lacks("matsuda", "1", ["an OGTT series ([[ogtt]])"], ("matsuda1999",))
    missing = _missing(person, "total_testosterone", "shbg") or _apart(
        person, "total_testosterone", "shbg"
    )
    out["free_androgen_index"] = (
        _lacks("free_androgen_index", "%", missing, ("vermeulen1999",))
        if missing
        else calc.free_androgen_index(
            total_testosterone=_q(person, "total_testosterone"), shbg=_q(person, "shbg")
        )
    )
    return out


def _egfr(person: Person) -> CalculatorResult:
    unit = "mL/min/1.73 m²"
    if person.age_years < 18:
        missing = _missing(person, "creatinine") + (
            ["height_cm"] if person.height_cm is None else []
        )
        if missing:
            return CalculatorResult.not_computed(
                "egfr",
                unit,
                "needs " + " and ".join(missing) + " (under 18 years eGFR comes from the bedside "
                "Schwartz equation: height and creatinine)",
                ("schwartz2009",),
            )
        assert person.height_cm is not None
        return calc.egfr_bedside_schwartz(
            creatinine=_q(person, "creatinine"),
            height_cm=person.height_cm,
            age_years=person.age_years,
        )
    if "creatinine" not in person.labs:
        return CalculatorResult.not_computed("egfr", unit, "needs creatinine", ("inker2021",))
    return calc.egfr_ckd_epi_2021(
        creatinine=_q(person, "creatinine"),
        age_years=person.age_years,
        sex=person.sex,
        cystatin_c=_q(person, "cystatin_c") if "cystatin_c" in person.labs else None,
    )


def _kidney(person: Person) -> KidneyFunction:
    needed = ("urine_magnesium", "serum_magnesium", "urine_creatinine", "creatinine")
    missing = _missing(person, *needed) or _apart(person, *needed)
    fe = (
        CalculatorResult.not_computed(
            "fe_magnesium", "%", "needs " + " and ".join(missing), ("tucker2020",)
        )
        if missing
        else calc.fe_magnesium(
            urine_magnesium=_q(person, "urine_magnesium"),
            serum_magnesium=_q(person, "serum_magnesium"),
            urine_creatinine=_q(person, "urine_creatinine"),
            serum_creatinine=_q(person, "creatinine"),
        )
    )
    return KidneyFunction(egfr=_egfr(person), fe_magnesium=fe)


def _requirements(person: Person) -> Requirements:
    dri = magnesium_dri(
        age_years=person.age_years,
        sex=person.sex,
        pregnant=person.pregnant,
        lactating=person.lactating,
    )
    eu = eu_supplement_ul_mg_per_day(age_years=person.age_years)
    flags = []
    if dri.ear_evidence != "verified" and dri.ear_mg_per_day is not None:
        flags.append(f"EAR {dri.ear_mg_per_day:g} mg/day for {dri.life_stage} is unverified")
    if eu is not None and eu[1] != "verified":
        flags.append(
            f"EU supplemental limit {eu[0]:g} mg/day for age {person.age_years:g} y is unverified"
        )
    return Requirements(
        life_stage=dri.life_stage,
        rda_mg_per_day=dri.rda_mg_per_day,
        rda_kind=dri.rda_kind,
        ear_mg_per_day=dri.ear_mg_per_day,
        supplement_ul_mg_per_day=dri.supplement_ul_mg_per_day,
        eu_supplement_ul_mg_per_day=None if eu is None else eu[0],
        flags=tuple(flags),
        references=dri.references + (() if eu is None else eu[2]),
    )


def _magnesium(person: Person, kidney: KidneyFunction, intake: DietaryIntake) -> MagnesiumStatus:
    findings: dict[str, str] = {}
    refs: list[str] = []
    if intake.mean_mg_per_day is not None:
        findings["intake"] = intake.basis
        refs += list(intake.references)
    renal_conservation = False
    if kidney.fe_magnesium.value is not None:
        findings["fe_magnesium"] = kidney.fe_magnesium.interpretation or ""
        renal_conservation = kidney.fe_magnesium.details.get("band") == "extrarenal"
        refs += list(kidney.fe_magnesium.references)
    rbc = person.lab("rbc_magnesium")
    if rbc is not None:
        band = band_for(magnesium_marker_bands("rbc_magnesium"), rbc)
        if band is not None:
            findings["rbc_magnesium"] = f"RBC magnesium {rbc:.2f} mmol/L: {band.description}"
            refs += list(band.references)
    serum = person.lab("serum_magnesium")
    if serum is None:
        return MagnesiumStatus(
            status="unknown",
            serum_mmol_per_l=None,
            basis=("no serum magnesium given",),
            findings=findings,
            references=tuple(dict.fromkeys(refs)),
        )
    band = band_for(serum_magnesium_bands("status"), serum)
    assert band is not None
    severity = band_for(serum_magnesium_bands("severity"), serum)
    status: Status = band.code  # type: ignore[assignment]
    basis = [f"serum magnesium {serum:.2f} mmol/L: {band.description}"]
    refs = list(band.references) + refs
    low_intake = intake.below_ear is True
    if status == "grey_zone":
        if low_intake or renal_conservation:
            status = "deficient"
            why = " and ".join(
                w
                for w, ok in (
                    ("intake below the EAR", low_intake),
                    ("renal conservation (FE_Mg < 2 %)", renal_conservation),
                )
                if ok
            )
            basis.append(f"grey zone resolved as deficient: {why}")
        elif intake.mean_mg_per_day is None:
            basis.append("grey zone: give a food diary or urinary magnesium to decide")
        elif intake.below_ear is None:
            basis.append(f"grey zone: {intake.basis}; urinary magnesium would decide")
        else:
            basis.append(
                "grey zone: intake or urinary magnesium would decide; neither points to deficiency"
            )
    if severity is not None:
        basis.append(severity.description)
        refs += list(severity.references)
    return MagnesiumStatus(
        status=status,
        serum_mmol_per_l=serum,
        basis=tuple(basis),
        severity=None if severity is None else severity.code,
        findings=findings,
        references=tuple(dict.fromkeys(refs)),
    )


def _reading(person: Person, lab: Literal["hba1c", "fasting_glucose"]) -> GlycaemicReading | None:
    value = person.lab(lab)
    if value is None:
        return None
    band: Band | None = band_for(glycaemic_categories(lab), value)
    assert band is not None
    return GlycaemicReading(
        lab=lab,
        value=value,
        unit=band.unit,
        category=band.code,
        description=band.description,
        references=band.references,
    )


def _glycaemia(person: Person) -> Glycaemia:
    readings = tuple(
        r for r in (_reading(person, "hba1c"), _reading(person, "fasting_glucose")) if r
    )
    if not readings:
        return Glycaemia(category=None, readings=(), basis="needs HbA1c or fasting glucose")
    worst = max(readings, key=lambda r: _CATEGORY_ORDER[r.category])
    basis = "; ".join(r.description for r in readings)
    return Glycaemia(
        category=worst.category,
        readings=readings,
        basis=basis,
        references=tuple(dict.fromkeys(k for r in readings for k in r.references)),
    )


_URGENT_SOURCES = (
    "rosanoff2022;rcht_hypomagnesaemia2021;nhs_highland_hypomagnesaemia;bnssg_hypomagnesaemia"
)


def _notices(
    person: Person,
    kidney: KidneyFunction,
    magnesium: MagnesiumStatus,
    glycaemia: Glycaemia,
    notices: list[Notice],
) -> list[Notice]:
    out = [
        Notice(code="loinc_unit", message=w, source="loinc", severity="info")
        for w in person.warnings
    ]
    if magnesium.severity == "overt_hypomagnesaemia":
        out.append(
            Notice(
                code="overt_hypomagnesaemia",
                severity="urgent",
                message=f"Serum magnesium {magnesium.serum_mmol_per_l:.2f} mmol/L (at or below "
                "0.6 mmol/L): overt symptoms are likely. Clinical review now: check potassium and "
                "calcium (hypokalaemia and hypocalcaemia accompany it), an ECG if symptomatic or "
                "with arrhythmia, digoxin or QT-prolonging medicines; IV magnesium below "
                "0.4-0.5 mmol/L or with symptoms; oral repletion may not be enough; recheck serum "
                "magnesium within 3-5 days.",
                source=_URGENT_SOURCES,
            )
        )
    out.extend(notices)
    if magnesium.status == "high":
        out.append(
            Notice(
                code="hypermagnesaemia",
                message=f"Serum magnesium {magnesium.serum_mmol_per_l:.2f} mmol/L is above the "
                "reference range: check for supplements, laxatives or antacids and kidney "
                "function; no magnesium supplement.",
                source=";".join(magnesium.references),
            )
        )
    egfr = kidney.egfr.value
    for rule in contraindications():
        applies = (
            rule.kind == "egfr"
            and egfr is not None
            and (rule.egfr_lower is None or egfr >= rule.egfr_lower)
            and (rule.egfr_upper is None or egfr < rule.egfr_upper)
        ) or (rule.kind == "egfr_unknown" and egfr is None)
        if applies:
            message = rule.message
            if egfr is None:
                message += f" (eGFR {kidney.egfr.reason})"
            else:
                message = f"eGFR {egfr:.0f} mL/min/1.73 m². " + message
            out.append(Notice(code=rule.code, message=message, source=rule.source_key))
    if person.pregnant:
        out.append(
            Notice(
                code="pregnancy",
                message="Pregnancy: requirements and limits for pregnancy apply; supplements only "
                "with the obstetric team.",
                source="iom1997",
            )
        )
    lab = person.labs.get("fasting_insulin")
    if lab is not None and lab.given_unit.strip().lower() == "pmol/l":
        out.append(
            Notice(
                code="insulin_conversion_factor",
                severity="info",
                message=f"Insulin was given in pmol/L and converted with "
                f"{person.insulin_pmol_per_uiu:g} pmol/L per µIU/mL; the other common factor "
                "changes HOMA-IR by about 16 %.",
                source="knopp2019",
            )
        )
    diabetic = {"t2d", "t1d"} & set(person.conditions)
    if glycaemia.category == "diabetes" and not diabetic:
        out.append(
            Notice(
                code="glycaemia_diabetes_range",
                message=glycaemia.basis + ". No diabetes is recorded: confirm with a repeat test.",
                source=";".join(glycaemia.references),
            )
        )
    return out


def assess(person: Person, *, homa_ir_cutoff: str | None = None) -> Assessment:
    """Run every calculation the person's data allows.

    Parameters
    ----------
    person
        A validated :class:`Person`. Its food diary gives the dietary intake
        (:func:`mgir.assessment.dietary_intake`: the one intake policy).
    homa_ir_cutoff
        Key of the HOMA-IR cut-off to interpret against (default: the packaged default).

    Returns
    -------
    Assessment
        Indices, kidney function, magnesium status, requirements, intake, glycaemic category,
        notices (urgent first), and for every value that could not be computed, the reason.
    """
    indices = _indices(person, homa_ir_cutoff)
    caveat_notices: list[Notice] = []
    _apply_caveats(indices, person, caveat_notices)
    kidney = _kidney(person)
    requirements = _requirements(person)
    intake = dietary_intake(
        person.diet, ear_mg_per_day=requirements.ear_mg_per_day, life_stage=requirements.life_stage
    )
    magnesium = _magnesium(person, kidney, intake)
    glycaemia = _glycaemia(person)
    notices = _notices(person, kidney, magnesium, glycaemia, caveat_notices)
    refs: list[str] = []
    for result in (*indices.values(), kidney.egfr, kidney.fe_magnesium):
        refs += result.references
    refs += [*magnesium.references, *requirements.references, *intake.references]
    refs += list(glycaemia.references)
    for notice in notices:
        refs += notice.source.split(";")
    results = {**indices, "egfr": kidney.egfr, "fe_magnesium": kidney.fe_magnesium}
    return Assessment(
        person=person,
        indices=indices,
        kidney=kidney,
        magnesium=magnesium,
        requirements=requirements,
        intake=intake,
        glycaemia=glycaemia,
        notices=tuple(sorted(notices, key=lambda n: n.severity != "urgent")),
        references=tuple(dict.fromkeys(k for k in refs if k)),
        not_computed={k: r.reason or "" for k, r in results.items() if r.value is None},
        lab_changes=lab_changes(person),
    )
