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
    ``override`` names the override kind that lifts a block (``"renal"``; None = none can);
    ``dose_factor`` multiplies the supplement dose while the row applies (a caution, or an
    overridden block).
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
    override: str | None
    dose_factor: float | None
    message: str
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
        What the knowledge base does not know: a whole medicine, or one component of a
        combination ("olmesartan (in amlodipine/olmesartan)"). *Not checked*, never "safe".
    """

    matches: Mapping[str, tuple[Interaction, ...]]
    not_checked: tuple[str, ...]


_SEVERITY_ORDER: Mapping[str, int] = MappingProxyType(
    {"avoid": 0, "separate": 1, "monitor": 2, "caution": 3}
)
_COMBINATION = re.compile(r"\s*(?:/|\+|&|,|\band\b|\bwith\b)\s*")
_NOISE = re.compile(
    r"^(?:\d+(?:\.\d+)?|mg|mcg|µg|ug|g|ml|iu|units?|tablets?|tabs?|capsules?|caps?|"
    r"oral|daily|sr|xr|er|mr|hcl|hydrochloride|sodium|potassium)$"
)


def _norm(name: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9/+&,]+", " ", name.lower()).split())


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


def _strictest(class_name: str, members: list[Interaction]) -> Interaction:
    """One rule standing for a class for one mechanism: its members' strictest rule.

    The most severe severity wins (avoid > separate > monitor > caution); for a timing rule the
    longest interval before and the longest after over the members that have that severity.
    """
    severity = min((r.severity for r in members), key=lambda s: _SEVERITY_ORDER[s])
    worst = [r for r in members if r.severity == severity]
    before = [r.drug_before_mg_h for r in worst if r.drug_before_mg_h is not None]
    after = [r.drug_after_mg_h for r in worst if r.drug_after_mg_h is not None]
    names = ", ".join(sorted({r.drug for r in members}))
    keys = ";".join(dict.fromkeys(k for r in worst for k in r.source_key.split(";")))
    action = (
        worst[0].action if len(worst) == 1 else "; ".join(dict.fromkeys(r.action for r in worst))
    )
    return Interaction(
        interaction_id=f"class:{_norm(class_name)}:{worst[0].mechanism}",
        drug=class_name,
        synonyms=(),
        drug_class=class_name,
        mechanism=worst[0].mechanism,
        severity=severity,
        drug_before_mg_h=max(before) if before else None,
        drug_after_mg_h=max(after) if after else None,
        action=f"A class name takes the strictest rule of its members ({names}): {action}",
        evidence="derived",
        source_key=keys,
    )


@cache
def _name_index() -> Mapping[str, tuple[Interaction, ...]]:
    """Medicine names and synonyms -> their rules (generic and brand names only)."""
    index: dict[str, list[Interaction]] = {}
    for rule in interactions():
        for name in {rule.drug, *rule.synonyms}:
            index.setdefault(_norm(name), []).append(rule)
    return MappingProxyType({k: tuple(v) for k, v in index.items()})


@cache
def _class_index() -> Mapping[str, tuple[Interaction, ...]]:
    """Class names ("integrase inhibitor") -> the strictest rule of the class per mechanism."""
    members: dict[str, dict[str, list[Interaction]]] = {}
    for rule in interactions():
        by_mechanism = members.setdefault(_norm(rule.drug_class), {})
        by_mechanism.setdefault(rule.mechanism, []).append(rule)
    classes = {r.drug_class for r in interactions()}
    return MappingProxyType(
        {
            _norm(name): tuple(_strictest(name, rules) for rules in members[_norm(name)].values())
            for name in classes
        }
    )


def _component_rules(component: str) -> tuple[Interaction, ...]:
    """Rules of one component: its full name, a class name, or a drug name within its words."""
    key = _norm(component)
    if key in _name_index():
        return _name_index()[key]
    if key in _class_index():
        return _class_index()[key]
    words = [w for w in key.split() if not _NOISE.match(w)]
    found: dict[str, Interaction] = {}
    # The longest run of words that names a drug wins ("amphotericin b", "levothyroxine").
    for size in range(len(words), 0, -1):
        for start in range(len(words) - size + 1):
            phrase = " ".join(words[start : start + size])
            for rule in _name_index().get(phrase, ()):
                found.setdefault(rule.interaction_id, rule)
        if found:
            break
    return tuple(found.values())


def find_interactions(medication: str) -> tuple[Interaction, ...]:
    """Interaction rules for one medication name (generic, brand or class; case-insensitive).

    The full name is tried first (so a listed combination such as "dolutegravir/rilpivirine"
    keeps its own rule), then a class name (the strictest rule of the class), then the
    longest run of words that names a drug ("levothyroxine sodium 100 mcg" -> levothyroxine).
    A combination ("losartan + hydrochlorothiazide") gathers the rules of its components. An
    empty result means *not checked*; :func:`check_medications` also names unknown components.
    """
    return _lookup(medication)[0]


def _lookup(medication: str) -> tuple[tuple[Interaction, ...], tuple[str, ...]]:
    key = _norm(medication)
    if key in _name_index():
        return _name_index()[key], ()
    if key in _class_index():
        return _class_index()[key], ()
    components = [c for c in _COMBINATION.split(key) if c.strip()]
    found: dict[str, Interaction] = {}
    unknown: list[str] = []
    for component in components or [key]:
        rules = _component_rules(component)
        if not rules:
            unknown.append(component)
        for rule in rules:
            found.setdefault(rule.interaction_id, rule)
    return tuple(found.values()), tuple(unknown)


def check_medications(medications: Iterable[str]) -> MedicationCheck:
    """Check a medication list; unknown medicines and unknown components are not checked."""
    matches: dict[str, tuple[Interaction, ...]] = {}
    unknown: list[str] = []
    for medication in medications:
        rules, missing = _lookup(medication)
        if rules:
            matches[medication] = rules
        if not rules:
            unknown.append(medication)
        else:
            unknown.extend(f"{part} (in {medication})" for part in missing)
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
            override=row["override"],
            dose_factor=row["dose_factor"],
            message=row["message"],
            evidence=row["evidence"],
            source_key=row["source_key"],
        )
        for row in load_table("contraindications").rows
    )
