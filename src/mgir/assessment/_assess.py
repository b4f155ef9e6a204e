"""``assess(person)``: every calculation the data allows, and why the others are missing."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

from mgir._errors import InvalidInputError
from mgir.assessment import _calculators as calc
from mgir.assessment._person import Person
from mgir.assessment._results import CalculatorResult, IndexResult
from mgir.reference import (
    band_for,
    eu_supplement_ul_mg_per_day,
    magnesium_dri,
    magnesium_marker_bands,
    serum_magnesium_bands,
)
from mgir.units import Quantity

__all__ = ["Assessment", "KidneyFunction", "MagnesiumStatus", "Requirements", "assess"]

Status = Literal["deficient", "grey_zone", "adequate", "high", "unknown"]


@dataclass(frozen=True, slots=True)
class MagnesiumStatus:
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
    findings: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    references: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping."""
        return {
            "status": self.status,
            "serum_mmol_per_l": self.serum_mmol_per_l,
            "basis": list(self.basis),
            "severity": self.severity,
            "findings": dict(self.findings),
            "references": list(self.references),
        }


@dataclass(frozen=True, slots=True)
class Requirements:
    """Magnesium requirements for the person's life stage (mg/day)."""

    life_stage: str
    rda_mg_per_day: float
    rda_kind: str
    ear_mg_per_day: float | None
    supplement_ul_mg_per_day: float | None
    eu_supplement_ul_mg_per_day: float | None
    flags: tuple[str, ...]
    references: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping."""
        return {
            "life_stage": self.life_stage,
            "rda_mg_per_day": self.rda_mg_per_day,
            "rda_kind": self.rda_kind,
            "ear_mg_per_day": self.ear_mg_per_day,
            "supplement_ul_mg_per_day": self.supplement_ul_mg_per_day,
            "eu_supplement_ul_mg_per_day": self.eu_supplement_ul_mg_per_day,
            "flags": list(self.flags),
            "references": list(self.references),
        }


@dataclass(frozen=True, slots=True)
class KidneyFunction:
    """eGFR and fractional excretion of magnesium."""

    egfr: CalculatorResult
    fe_magnesium: CalculatorResult

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping."""
        return {"egfr": self.egfr.to_dict(), "fe_magnesium": self.fe_magnesium.to_dict()}


@dataclass(frozen=True, slots=True)
class Assessment:
    """Everything mgir could compute for one person, and why the rest is missing."""

    person: Person
    indices: Mapping[str, CalculatorResult]
    kidney: KidneyFunction
    magnesium: MagnesiumStatus
    requirements: Requirements
    dietary_intake_mg_per_day: float | None
    warnings: tuple[str, ...]
    references: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """The JSON document of ``mgir assess --json`` (see docs/cli.md)."""
        person = self.person
        return {
            "person": {
                "id": person.id,
                "age_years": person.age_years,
                "sex": person.sex,
                "pregnant": person.pregnant,
                "lactating": person.lactating,
                "conditions": list(person.conditions),
                "medications": list(person.medications),
            },
            "labs": {
                name: {
                    "value": lab.value,
                    "unit": lab.unit,
                    "given_value": lab.given_value,
                    "given_unit": lab.given_unit,
                    "date": None if lab.date is None else lab.date.isoformat(),
                }
                for name, lab in person.labs.items()
            },
            "indices": {name: result.to_dict() for name, result in self.indices.items()},
            "kidney": self.kidney.to_dict(),
            "magnesium": self.magnesium.to_dict(),
            "requirements": self.requirements.to_dict(),
            "dietary_intake_mg_per_day": self.dietary_intake_mg_per_day,
            "not_computed": dict(self.not_computed),
            "warnings": list(self.warnings),
            "insulin_conversion_factor": person.insulin_pmol_per_uiu,
            "insulin_conversion_factor_unit": "pmol/L per µIU/mL",
            "references": list(self.references),
        }

    @property
    def not_computed(self) -> Mapping[str, str]:
        """Name -> reason for every calculation without a value."""
        results = {
            **self.indices,
            "egfr": self.kidney.egfr,
            "fe_magnesium": self.kidney.fe_magnesium,
        }
        return MappingProxyType({k: r.reason or "" for k, r in results.items() if r.value is None})


def _missing(person: Person, *names: str) -> list[str]:
    return [name for name in names if name not in person.labs]


def _q(person: Person, name: str) -> Quantity:
    lab = person.labs[name]
    return Quantity(lab.value, lab.unit if name != "hba1c" else "hba1c_ngsp_percent")


def _lacks(name: str, unit: str, missing: list[str], refs: tuple[str, ...]) -> CalculatorResult:
    reason = "needs " + " and ".join(missing)
    if name in ("homa_ir", "quicki", "tyg", "matsuda"):
        return IndexResult.not_computed_index(name, unit, reason, refs)
    return CalculatorResult.not_computed(name, unit, reason, refs)


def _indices(person: Person, homa_ir_cutoff: str | None) -> dict[str, CalculatorResult]:
    out: dict[str, CalculatorResult] = {}
    missing = _missing(person, "fasting_glucose", "fasting_insulin")
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
    missing = _missing(person, "fasting_glucose", "triglycerides")
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
    missing = _missing(person, "total_testosterone", "shbg")
    out["free_androgen_index"] = (
        _lacks("free_androgen_index", "%", missing, ("vermeulen1999",))
        if missing
        else calc.free_androgen_index(
            total_testosterone=_q(person, "total_testosterone"), shbg=_q(person, "shbg")
        )
    )
    return out


def _kidney(person: Person) -> KidneyFunction:
    if "creatinine" in person.labs:
        cystatin = _q(person, "cystatin_c") if "cystatin_c" in person.labs else None
        egfr = calc.egfr_ckd_epi_2021(
            creatinine=_q(person, "creatinine"),
            age_years=person.age_years,
            sex=person.sex,
            cystatin_c=cystatin,
        )
    else:
        egfr = CalculatorResult.not_computed(
            "egfr", "mL/min/1.73 m²", "needs creatinine", ("inker2021",)
        )
    needed = ("urine_magnesium", "serum_magnesium", "urine_creatinine", "creatinine")
    missing = _missing(person, *needed)
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
    return KidneyFunction(egfr=egfr, fe_magnesium=fe)


def _requirements(person: Person) -> Requirements:
    dri = magnesium_dri(
        age_years=person.age_years,
        sex=person.sex,
        pregnant=person.pregnant,
        lactating=person.lactating,
    )
    eu = eu_supplement_ul_mg_per_day(age_years=person.age_years)
    flags = []
    if dri.ear_evidence != "verified":
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


def _magnesium(
    person: Person,
    kidney: KidneyFunction,
    requirements: Requirements,
    intake_mg_per_day: float | None,
) -> MagnesiumStatus:
    findings: dict[str, str] = {}
    refs: list[str] = []
    low_intake = (
        intake_mg_per_day is not None
        and requirements.ear_mg_per_day is not None
        and intake_mg_per_day < requirements.ear_mg_per_day
    )
    if intake_mg_per_day is not None and requirements.ear_mg_per_day is not None:
        side = "below" if low_intake else "at or above"
        findings["intake"] = (
            f"dietary intake {intake_mg_per_day:.0f} mg/day is {side} the EAR "
            f"{requirements.ear_mg_per_day:g} mg/day (EAR cut-point method)"
        )
        refs.append("ear_cut_point")
    renal_conservation = False
    fe_band = kidney.fe_magnesium.details.get("band") if kidney.fe_magnesium.value else None
    if kidney.fe_magnesium.value is not None:
        findings["fe_magnesium"] = kidney.fe_magnesium.interpretation or ""
        renal_conservation = fe_band == "extrarenal"
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
            findings=MappingProxyType(findings),
            references=tuple(refs),
        )
    band = band_for(serum_magnesium_bands("status"), serum)
    assert band is not None
    severity = band_for(serum_magnesium_bands("severity"), serum)
    status: Status = band.code  # type: ignore[assignment]
    basis = [f"serum magnesium {serum:.2f} mmol/L: {band.description}"]
    refs = list(band.references) + refs
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
            basis.append(f"grey zone resolved as deficient: {why} agree")
        else:
            basis.append(
                "grey zone: intake or urinary magnesium would decide; neither points to deficiency"
                if intake_mg_per_day is not None
                else "grey zone: give a food diary or urinary magnesium to decide"
            )
    if severity is not None:
        basis.append(severity.description)
        refs += list(severity.references)
    return MagnesiumStatus(
        status=status,
        serum_mmol_per_l=serum,
        basis=tuple(basis),
        severity=None if severity is None else severity.code,
        findings=MappingProxyType(findings),
        references=tuple(dict.fromkeys(refs)),
    )


def _warnings(
    person: Person,
    indices: Mapping[str, CalculatorResult],
    kidney: KidneyFunction,
    magnesium: MagnesiumStatus,
) -> list[str]:
    warnings = list(person.warnings)
    if "t1d" in person.conditions and indices["homa_ir"].value is not None:
        warnings.append("HOMA indices are not valid in type 1 diabetes or on insulin therapy")
    if magnesium.status == "high":
        warnings.append(
            f"serum magnesium {magnesium.serum_mmol_per_l:.2f} mmol/L is above the "
            "reference range: check for supplements, laxatives or antacids and kidney "
            "function; no magnesium supplement"
        )
    if magnesium.severity == "overt_hypomagnesaemia":
        warnings.append(
            "serum magnesium <= 0.6 mmol/L: symptomatic hypomagnesaemia is likely; "
            "seek clinical review (oral repletion may not be enough)"
        )
    egfr = kidney.egfr.value
    if egfr is not None and egfr < 30:
        warnings.append(
            f"eGFR {egfr:.0f} mL/min/1.73 m² (< 30): magnesium supplements are "
            "contraindicated without clinician oversight (risk of hypermagnesaemia)"
        )
    elif egfr is not None and egfr < 60:
        warnings.append(
            f"eGFR {egfr:.0f} mL/min/1.73 m² (30-60): supplement only with caution, "
            "lower doses and monitoring of serum magnesium"
        )
    if "creatinine" not in person.labs:
        warnings.append("no creatinine: kidney function unknown, which any supplement plan needs")
    if person.pregnant:
        warnings.append(
            "pregnancy: requirements and limits for pregnancy apply; "
            "supplements only with the obstetric team"
        )
    lab = person.labs.get("fasting_insulin")
    if lab is not None and lab.given_unit.strip().lower() == "pmol/l":
        warnings.append(
            f"insulin was given in pmol/L and converted with "
            f"{person.insulin_pmol_per_uiu:g} pmol/L per µIU/mL; the other common "
            "factor changes HOMA-IR by about 16 %"
        )
    return warnings


def assess(
    person: Person,
    *,
    dietary_intake_mg_per_day: float | None = None,
    homa_ir_cutoff: str | None = None,
) -> Assessment:
    """Run every calculation the person's data allows.

    Parameters
    ----------
    person
        A validated :class:`Person`.
    dietary_intake_mg_per_day
        Usual dietary magnesium intake (mg/day), e.g. the mean of a food diary; used to resolve
        the serum grey zone (EAR cut-point method). Never invented when absent.
    homa_ir_cutoff
        Key of the HOMA-IR cut-off to interpret against (default: the packaged default).

    Returns
    -------
    Assessment
        Indices, kidney function, magnesium status, requirements, warnings, and for every value
        that could not be computed, the reason.
    """
    if dietary_intake_mg_per_day is not None and not 0 <= dietary_intake_mg_per_day < 10_000:
        raise InvalidInputError(
            field="dietary_intake_mg_per_day",
            value=dietary_intake_mg_per_day,
            unit="mg/day",
            allowed="0 to 10,000 mg/day",
        )
    indices = _indices(person, homa_ir_cutoff)
    kidney = _kidney(person)
    requirements = _requirements(person)
    magnesium = _magnesium(person, kidney, requirements, dietary_intake_mg_per_day)
    warnings = _warnings(person, indices, kidney, magnesium)
    refs: list[str] = []
    for result in (*indices.values(), kidney.egfr, kidney.fe_magnesium):
        refs += result.references
    refs += magnesium.references + requirements.references
    return Assessment(
        person=person,
        indices=MappingProxyType(indices),
        kidney=kidney,
        magnesium=magnesium,
        requirements=requirements,
        dietary_intake_mg_per_day=dietary_intake_mg_per_day,
        warnings=tuple(warnings),
        references=tuple(dict.fromkeys(refs)),
    )
