"""Scoring the model on published results it was not fitted to (the validation suite).

Each entry of the suite is a folder with ``spec.toml`` (a trial spec) and ``observed.toml``:
the published between-arm effects with their 95 % confidence intervals and sources::

    source_key = "zhang2016_mg_status_meta"
    note = "what was read, and every assumption of the spec"

    [[effects]]
    endpoint = "serum_magnesium"
    arm = "magnesium"
    measure = "difference_in_change"     # or difference_at_end
    estimate = 0.04
    ci95 = [0.02, 0.06]
    unit = "mmol/L"

An effect scores *inside* when the model's difference lies within the published interval, and
*sign agrees* when the model's difference has the sign of the published estimate (counted only
where the interval excludes zero). The calibration never reads this folder, and the trials the
project reserves for its independent validation are in neither.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, Final, Literal

import pydantic
from pydantic import BaseModel, ConfigDict, Field

from mgir._errors import InvalidInputError, InvalidInputErrors
from mgir._records import Record, input_errors
from mgir.reference import source
from mgir.trials._spec import read_trial_spec
from mgir.trials._typical import predict_typical

__all__ = ["ValidationScore", "score_validation"]

_CANONICAL_UNIT: Final[dict[str, str]] = {
    "serum_magnesium": "mmol/L",
    "fasting_glucose": "mmol/L",
    "fasting_insulin": "uU/mL",
    "homa_ir": "1",
    "quicki": "1",
    "homa_beta": "%",
    "hba1c": "%",
    "urinary_magnesium": "mmol/day",
}


class _Effect(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    endpoint: str
    arm: str
    measure: Literal["difference_in_change", "difference_at_end"]
    estimate: float
    ci95: tuple[float, float]
    unit: str
    note: str = ""


class _Observed(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    source_key: str
    note: str
    effects: list[_Effect] = Field(min_length=1)


class ValidationScore(Record):
    """One published effect against the model's prediction for the trial's typical subject."""

    entry: str
    trial: str
    endpoint: str
    arm: str
    reference: str
    measure: str
    unit: str
    observed: float
    ci_low: float
    ci_high: float
    predicted: float
    inside: bool
    significant: bool
    sign_agrees: bool | None
    source_key: str


def _read_observed(path: Path) -> _Observed:
    try:
        document: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
        observed = _Observed.model_validate(document)
    except OSError as exc:
        raise InvalidInputError(
            field="observed", value=str(path), allowed=f"a readable file ({exc.strerror})"
        ) from None
    except pydantic.ValidationError as exc:
        InvalidInputErrors.raise_if_any(input_errors(exc, _Observed, prefix=str(path)))
        raise  # pragma: no cover
    source(observed.source_key)
    return observed


def score_validation(folder: str | Path, *, dt_days: float = 0.5) -> list[ValidationScore]:
    """Score the model on every entry (sub-folder) of a validation suite.

    Parameters
    ----------
    folder : str or Path
        The suite: one sub-folder per published trial or meta-analysis, each holding
        ``spec.toml`` and ``observed.toml``.
    dt_days : float
        Solver step (days).

    Returns
    -------
    list of ValidationScore
        One row per published effect, in folder then file order.

    Raises
    ------
    InvalidInputError
        A spec or observed file that does not validate, an effect whose endpoint the spec does
        not list, a unit other than the endpoint's canonical unit, or an unknown source.
    """
    rows: list[ValidationScore] = []
    entries = sorted(p for p in Path(folder).iterdir() if p.is_dir())
    for entry in entries:
        spec = read_trial_spec(entry / "spec.toml")
        observed = _read_observed(entry / "observed.toml")
        predicted = predict_typical(spec, dt_days=dt_days)
        for i, effect in enumerate(observed.effects):
            where = f"{entry.name}/observed.toml effects[{i}]"
            if effect.endpoint not in spec.endpoints:
                raise InvalidInputError(
                    field=f"{where}.endpoint",
                    value=effect.endpoint,
                    allowed=f"an endpoint of the spec: {', '.join(spec.endpoints)}",
                )
            if effect.arm not in predicted or effect.arm == spec.reference_arm:
                raise InvalidInputError(
                    field=f"{where}.arm", value=effect.arm, allowed="a non-reference arm"
                )
            unit = _CANONICAL_UNIT[effect.endpoint]
            if effect.unit != unit:
                raise InvalidInputError(
                    field=f"{where}.unit", value=effect.unit, allowed=f"{unit} (canonical)"
                )
            low, high = sorted(effect.ci95)
            key = "change" if effect.measure == "difference_in_change" else "end"
            value = (
                predicted[effect.arm][effect.endpoint][key]
                - predicted[spec.reference_arm][effect.endpoint][key]
            )
            significant = not (low <= 0.0 <= high)
            rows.append(
                ValidationScore(
                    entry=entry.name,
                    trial=spec.name,
                    endpoint=effect.endpoint,
                    arm=effect.arm,
                    reference=spec.reference_arm,
                    measure=effect.measure,
                    unit=unit,
                    observed=effect.estimate,
                    ci_low=low,
                    ci_high=high,
                    predicted=value,
                    inside=low <= value <= high,
                    significant=significant,
                    sign_agrees=(value * effect.estimate > 0) if significant else None,
                    source_key=observed.source_key,
                )
            )
    return rows
