"""Medicines as inputs of the model: renal Mg wasting and reduced absorption.

A person's medicine names resolve through the knowledge base's interaction table (generic,
brand or class names; combinations gather their components). Classes with a measured effect on
magnesium handling (``data/medicine_effects.csv``) multiply urinary Mg at a given serum Mg
(loop and thiazide diuretics, calcineurin inhibitors) or the absorbed fraction (proton-pump
inhibitors). Medicines the knowledge base knows to waste Mg but without an effect size are
reported as not modelled, never guessed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Final

from mgir.model._parameters import Param
from mgir.model._tables import load_model_table
from mgir.reference import find_interactions

__all__ = ["MedicineEffect", "medicine_effects"]

_LOSS_MECHANISMS: Final[frozenset[str]] = frozenset({"renal_wasting", "mg_absorption_loss"})


@dataclass(frozen=True, slots=True)
class MedicineEffect:
    """The effect of one of the person's medicines on a model parameter (a multiplier)."""

    medicine: str
    drug_class: str
    parameter: Param
    factor: float
    source_keys: tuple[str, ...]
    evidence: str


@cache
def _table() -> dict[str, tuple[Param, float, tuple[str, ...], str]]:
    out = {}
    for row in load_model_table("medicine_effects").rows:
        out[str(row["drug_class"])] = (
            Param(str(row["parameter"])),
            float(row["value"]),
            tuple(k.strip() for k in str(row["source_key"]).split(";")),
            str(row["evidence"]),
        )
    return out


def medicine_effects(
    medicines: Iterable[str],
) -> tuple[tuple[MedicineEffect, ...], tuple[str, ...]]:
    """Effects of the named medicines, and those that waste Mg but have no effect size.

    Parameters
    ----------
    medicines : iterable of str
        Medicine names as a person file gives them.

    Returns
    -------
    effects, not_modelled
        One effect per medicine and class with a row in ``medicine_effects.csv``; the names of
        medicines whose Mg-losing mechanism the knowledge base knows but the model does not.
    """
    effects: list[MedicineEffect] = []
    not_modelled: list[str] = []
    for name in medicines:
        classes: dict[str, str] = {}
        for rule in find_interactions(name):
            classes.setdefault(rule.drug_class, rule.mechanism)
        modelled = [c for c in classes if c in _table()]
        for drug_class in modelled:
            parameter, factor, sources, evidence = _table()[drug_class]
            effects.append(MedicineEffect(name, drug_class, parameter, factor, sources, evidence))
        losing = {c for c, m in classes.items() if m in _LOSS_MECHANISMS} - set(modelled)
        if losing:
            not_modelled.append(name)
    return tuple(effects), tuple(not_modelled)
