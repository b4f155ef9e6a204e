"""Typed access to the magnesium Dietary Reference Intakes and upper limits."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from mgir._errors import InvalidInputError
from mgir.reference._tables import load_table

__all__ = ["MagnesiumDri", "eu_supplement_ul_mg_per_day", "magnesium_dri"]

Sex = Literal["female", "male"]


@dataclass(frozen=True, slots=True)
class MagnesiumDri:
    """Magnesium DRIs for one life stage.

    Attributes
    ----------
    life_stage
        Label of the IOM life-stage group.
    rda_mg_per_day
        RDA, or AI for infants (see ``rda_kind``), mg/day of total magnesium intake.
    rda_kind
        ``"RDA"`` or ``"AI"``.
    ear_mg_per_day
        Estimated Average Requirement, mg/day (None for infants).
    supplement_ul_mg_per_day
        Upper limit for supplemental (non-food) magnesium, mg/day; None = not established.
    evidence, ear_evidence
        Verification status of the values (``verified`` or ``unverified``).
    references
        Source keys.
    """

    life_stage: str
    rda_mg_per_day: float
    rda_kind: str
    ear_mg_per_day: float | None
    supplement_ul_mg_per_day: float | None
    evidence: str
    ear_evidence: str
    references: tuple[str, ...]


def magnesium_dri(
    *, age_years: float, sex: Sex, pregnant: bool = False, lactating: bool = False
) -> MagnesiumDri:
    """Return the DRIs for a life stage.

    Parameters
    ----------
    age_years
        Age in years (0 to 130).
    sex
        ``"female"`` or ``"male"`` (biological sex).
    pregnant, lactating
        Pregnancy and lactation rows exist for 14-50 y only.

    Raises
    ------
    InvalidInputError
        For an age out of range, or pregnancy/lactation outside 14-50 y or in a male.

    References
    ----------
    iom1997, dri_reproductions, ear_reproduction.
    """
    if not 0 <= age_years < 130:
        raise InvalidInputError(
            field="age_years", value=age_years, unit="year", allowed="0 <= age < 130 years"
        )
    if pregnant and lactating:
        raise InvalidInputError(
            field="pregnant/lactating", value="both true", allowed="at most one of them true"
        )
    state = "pregnancy" if pregnant else "lactation" if lactating else "none"
    if state != "none" and sex != "female":
        raise InvalidInputError(field=state, value=True, allowed=f"{state} only with sex = female")
    for row in load_table("dri_magnesium").rows:
        if not row["age_min_years"] <= age_years < row["age_max_years"]:
            continue
        if row["state"] != state or row["sex"] not in ("any", sex):
            continue
        refs = tuple(k for k in f"{row['source_key']};{row['ear_source_key']}".split(";"))
        return MagnesiumDri(
            life_stage=row["life_stage"],
            rda_mg_per_day=row["rda_mg_per_day"],
            rda_kind=row["rda_kind"],
            ear_mg_per_day=row["ear_mg_per_day"],
            supplement_ul_mg_per_day=row["ul_supplement_mg_per_day"],
            evidence=row["evidence"],
            ear_evidence=row["ear_evidence"],
            references=tuple(dict.fromkeys(refs)),
        )
    raise InvalidInputError(
        field=state,
        value=True,
        unit=None,
        allowed=f"{state} DRIs exist for ages 14 to 50 years only (got age {age_years:g} years)",
    )


def life_stage_ages_years(state: str) -> tuple[float, float]:
    """The ages (years, lower inclusive, upper exclusive) the DRI table covers for a state.

    Parameters
    ----------
    state
        ``"pregnancy"`` or ``"lactation"``.

    References
    ----------
    iom1997, dri_reproductions.
    """
    rows = [r for r in load_table("dri_magnesium").rows if r["state"] == state]
    if not rows:
        raise InvalidInputError(field="state", value=state, allowed="pregnancy or lactation")
    return min(r["age_min_years"] for r in rows), max(r["age_max_years"] for r in rows)


def eu_supplement_ul_mg_per_day(*, age_years: float) -> tuple[float, str, tuple[str, ...]] | None:
    """Return the EU (SCF 2001) supplemental UL for an age, its evidence and sources, or None.

    References
    ----------
    scf2001.
    """
    for row in load_table("eu_upper_limits").rows:
        if row["age_min_years"] <= age_years < row["age_max_years"]:
            return (
                row["ul_supplement_mg_per_day"],
                row["evidence"],
                tuple(row["source_key"].split(";")),
            )
    return None
