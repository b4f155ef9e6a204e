"""Safety knowledge: drug-magnesium interactions and contraindications, as data.

The rules live in ``interactions.csv`` and ``contraindications.csv``; this module only loads and
looks them up. A medicine that matches no row is reported as *not checked*: the knowledge base
has nothing on it, which is not the same as "safe".

Timing rules are stated as the drug relative to magnesium: ``drug_before_mg_h = 2`` and
``drug_after_mg_h = 6`` mean "take the drug at least 2 h before or at least 6 h after a
magnesium dose". On a daily schedule both hold at once: each magnesium dose lies at least
``drug_before_mg_h`` after one drug dose and at least ``drug_after_mg_h`` before the next.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from types import MappingProxyType
from typing import Literal

from mgir.reference._tables import load_table

__all__ = [
    "Contraindication",
    "Interaction",
    "MedicationCheck",
    "check_medications",
    "contraindications",
    "find_interactions",
    "interactions",
]

Severity = Literal["avoid", "separate", "monitor", "caution"]


@dataclass(frozen=True, slots=True)
class Interaction:
    """One drug-magnesium interaction rule (a row of ``interactions.csv``).

    Attributes
    ----------
    drug_before_mg_h, drug_after_mg_h
        Timing rule in hours, drug relative to magnesium; ``None`` when there is none.
    severity
        ``avoid`` (no supplement without the prescriber), ``separate`` (timing rule),
        ``monitor`` (repeat labs) or ``caution``.
    """

    interaction_id: str
    drug: str
    synonyms: tuple[str, ...]
    drug_class: str
    mechanism: str
    severity: Severity
    drug_before_mg_h: float | None
    drug_after_mg_h: float | None
    action: str
    evidence: str
    source_key: str


@dataclass(frozen=True, slots=True)
class Contraindication:
    """One contraindication or caution rule (a row of ``contraindications.csv``).

    eGFR bounds are mL/min/1.73 m²; ``egfr_lower`` inclusive, ``egfr_upper`` exclusive.
    """

    rule_id: str
    code: str
    kind: str
    condition: str | None
    egfr_lower: float | None
    egfr_upper: float | None
    age_upper_years: float | None
    dose_above_mg_per_day: float | None
    severity: Literal["block", "caution"]
    message: str
    monitoring: tuple[str, ...]
    evidence: str
    source_key: str


@dataclass(frozen=True, slots=True)
class MedicationCheck:
    """Result of checking a medication list against the knowledge base.

    Attributes
    ----------
    matches
        Each medication (as given) with the interaction rules that apply to it (non-empty).
    not_checked
        Medications the knowledge base does not know: *not checked*, never "safe".
    """

    matches: Mapping[str, tuple[Interaction, ...]]
    not_checked: tuple[str, ...]


def _norm(name: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9/]+", " ", name.lower()).split())


def _split(text: str | None) -> tuple[str, ...]:
    return tuple(part.strip() for part in (text or "").split(";") if part.strip())


@cache
def interactions() -> tuple[Interaction, ...]:
    """All interaction rules."""
    return tuple(
        Interaction(
            interaction_id=row["interaction_id"],
            drug=row["drug"],
            synonyms=_split(row["synonyms"]),
            drug_class=row["drug_class"],
            mechanism=row["mechanism"],
            severity=row["severity"],
            drug_before_mg_h=row["drug_before_mg_h"],
            drug_after_mg_h=row["drug_after_mg_h"],
            action=row["action"],
            evidence=row["evidence"],
            source_key=row["source_key"],
        )
        for row in load_table("interactions").rows
    )


@cache
def _name_index() -> Mapping[str, tuple[Interaction, ...]]:
    index: dict[str, list[Interaction]] = {}
    for rule in interactions():
        for name in {rule.drug, *rule.synonyms}:
            index.setdefault(_norm(name), []).append(rule)
    # A class name ("proton-pump inhibitor") stands for its first member's rules of each kind.
    classes: dict[str, dict[tuple[str, str], Interaction]] = {}
    for rule in interactions():
        kinds = classes.setdefault(_norm(rule.drug_class), {})
        kinds.setdefault((rule.mechanism, rule.severity), rule)
    for name, kinds in classes.items():
        if name not in index:
            index[name] = list(kinds.values())
    return MappingProxyType({k: tuple(v) for k, v in index.items()})


def find_interactions(medication: str) -> tuple[Interaction, ...]:
    """Interaction rules for one medication name (generic, brand or class; case-insensitive).

    The full name is tried first, then each word ("levothyroxine sodium 100 mcg" ->
    levothyroxine). An empty result means *not checked*.
    """
    index = _name_index()
    key = _norm(medication)
    if key in index:
        return index[key]
    found: dict[str, Interaction] = {}
    for word in key.replace("/", " ").split():
        for rule in index.get(word, ()):
            found.setdefault(rule.interaction_id, rule)
    return tuple(found.values())


def check_medications(medications: Iterable[str]) -> MedicationCheck:
    """Check a medication list; unknown medicines are listed as not checked."""
    matches: dict[str, tuple[Interaction, ...]] = {}
    unknown: list[str] = []
    for medication in medications:
        rules = find_interactions(medication)
        if rules:
            matches[medication] = rules
        else:
            unknown.append(medication)
    return MedicationCheck(matches=MappingProxyType(matches), not_checked=tuple(unknown))


@cache
def contraindications() -> tuple[Contraindication, ...]:
    """All contraindication and caution rules."""
    return tuple(
        Contraindication(
            rule_id=row["rule_id"],
            code=row["code"],
            kind=row["kind"],
            condition=row["condition"],
            egfr_lower=row["egfr_lower"],
            egfr_upper=row["egfr_upper"],
            age_upper_years=row["age_upper_years"],
            dose_above_mg_per_day=row["dose_above_mg_per_day"],
            severity=row["severity"],
            message=row["message"],
            monitoring=_split(row["monitoring"]),
            evidence=row["evidence"],
            source_key=row["source_key"],
        )
        for row in load_table("contraindications").rows
    )
