"""Model parameters: names defined once, values, units, ranges and sources from packaged data.

The authoritative list of names is :class:`Param`; ``data/parameters.csv`` must list exactly the
same names in the same order (checked on load). Values that calibration fits are overridden by
``data/calibrated.toml`` when it exists.
"""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from types import MappingProxyType
from typing import Final, Literal

import numpy as np
from numpy.typing import NDArray

from mgir._errors import InvalidInputError, ReferenceDataError
from mgir.model._tables import load_model_table, model_data_text

__all__ = [
    "N_PARAMS",
    "Param",
    "ParameterInfo",
    "ParameterSet",
    "calibration_record",
    "default_parameters",
    "parameter_info",
]

FloatArray = NDArray[np.float64]
Role = Literal["fixed", "calibrated", "person"]


class Param(StrEnum):
    """Model parameters, in array order. Units are part of each name (see ``parameter_info``)."""

    GLUCOSE_PRODUCTION = "glucose_production_mg_per_dl_day"
    GLUCOSE_EFFECTIVENESS = "glucose_effectiveness_per_day"
    INSULIN_SENSITIVITY = "insulin_sensitivity_ml_per_uiu_day"
    SECRETION_MAX = "insulin_secretion_max_uiu_per_ml_mg_day"
    SECRETION_HALF_GLUCOSE_SQ = "secretion_half_glucose_sq_mg2_per_dl2"
    INSULIN_CLEARANCE = "insulin_clearance_per_day"
    BETA_GROWTH_CURVATURE = "beta_growth_curvature_per_mg2_dl2_day"
    BETA_SETPOINT_SPAN = "beta_setpoint_span_mg_per_dl"
    BETA_SETPOINT_INITIAL = "beta_setpoint_initial_mg_per_dl"
    BETA_PLASTICITY = "beta_plasticity"
    BETA_PLASTICITY_GLUCOSE_SCALE = "beta_plasticity_glucose_scale_mg_per_dl"
    INSULIN_SENSITIVITY_SCALE = "insulin_sensitivity_scale"
    SI_MG_HALF_SATURATION = "si_mg_half_saturation"
    SI_MG_HILL = "si_mg_hill"
    BETA_MG_COUPLING = "beta_mg_coupling"
    DIETARY_INTAKE = "dietary_intake_mg_per_day"
    ABSORPTION_VMAX = "absorption_vmax_mmol_per_day"
    ABSORPTION_KM = "absorption_km_mmol_per_day"
    ABSORPTION_LINEAR_FRACTION = "absorption_linear_fraction"
    DEFICIT_INTAKE_SHARE = "deficit_intake_share"
    ABSORPTION_SCALE = "absorption_scale"
    ECF_VOLUME = "ecf_volume_l"
    SERUM_MG_REFERENCE = "serum_mg_reference_mmol_per_l"
    INTRACELLULAR_MG_REFERENCE = "intracellular_mg_reference_mmol"
    BONE_FAST_MG_REFERENCE = "bone_fast_mg_reference_mmol"
    BONE_SLOW_MG_REFERENCE = "bone_slow_mg_reference_mmol"
    INTRACELLULAR_EFFLUX = "intracellular_efflux_per_day"
    BONE_FAST_RELEASE = "bone_fast_release_per_day"
    BONE_SLOW_RELEASE = "bone_slow_release_per_day"
    EGFR = "egfr_ml_per_min_1_73m2"
    FILTERABLE_FRACTION = "filterable_fraction"
    RENAL_THRESHOLD = "renal_threshold_mmol_per_l"
    FE_BELOW_THRESHOLD = "fe_below_threshold"
    RENAL_THRESHOLD_SMOOTHING = "renal_threshold_smoothing_mmol_per_l"
    GLUCOSE_THRESHOLD_SHIFT = "glucose_threshold_shift"
    GLUCOSE_EXCRETION_ONSET = "glucose_excretion_onset_mmol_per_l"
    GLUCOSE_EXCRETION_SMOOTHING = "glucose_excretion_smoothing_mmol_per_l"
    INSULIN_ACTION_EXCRETION_EXPONENT = "insulin_action_excretion_exponent"
    INSULIN_ACTION_REFERENCE = "insulin_action_reference_per_day"
    HBA1C_HALF_TIME = "hba1c_half_time_day"
    HBA1C_FPG_INTERCEPT = "hba1c_fpg_intercept_percent"
    HBA1C_FPG_SLOPE = "hba1c_fpg_slope_percent_per_mmol_per_l"
    HBA1C_OFFSET = "hba1c_offset_percent"
    RENAL_EXCRETION_FACTOR = "renal_excretion_factor"
    ABSORPTION_RATE_FACTOR = "absorption_rate_factor"
    PROGRESSION_RATE = "progression_rate_per_day"
    PROGRESSION_GLUCOSE_THRESHOLD = "progression_glucose_threshold_mg_per_dl"

    @property
    def pos(self) -> int:
        """Position of the parameter in the last axis of a parameter array."""
        return _INDEX[self]


_INDEX: Final[dict[Param, int]] = {p: i for i, p in enumerate(Param)}
N_PARAMS: Final[int] = len(Param)


@dataclass(frozen=True, slots=True)
class ParameterInfo:
    """One row of the parameter table.

    Attributes
    ----------
    name, value, unit
        Name, default (or calibrated) value and its unit (parses in ``mgir.units.ureg``).
    lower, upper
        Plausible range, in ``unit``.
    role
        ``fixed`` (literature or derived), ``calibrated`` (fitted) or ``person`` (hidden
        per-person parameter, fitted from labs by :func:`mgir.model.fit_person`).
    source_keys
        Keys into ``mgir.reference`` sources.
    evidence
        ``verified``, ``derived``, ``unverified`` or ``low_quality``.
    """

    name: Param
    value: float
    unit: str
    lower: float
    upper: float
    role: Role
    source_keys: tuple[str, ...]
    evidence: str
    description: str


@cache
def _table_info() -> Mapping[Param, ParameterInfo]:
    table = load_model_table("parameters")
    names = tuple(str(r["name"]) for r in table.rows)
    if names != tuple(p.value for p in Param):
        raise ReferenceDataError("parameters.csv rows differ from mgir.model.Param (names/order)")
    out: dict[Param, ParameterInfo] = {}
    for row in table.rows:
        role = str(row["role"])
        if role not in ("fixed", "calibrated", "person"):
            raise ReferenceDataError(f"parameters.csv {row['name']}: role {role!r}")
        lower, upper, value = float(row["lower"]), float(row["upper"]), float(row["value"])
        if not lower <= value <= upper:
            raise ReferenceDataError(f"parameters.csv {row['name']}: value outside its range")
        p = Param(str(row["name"]))
        out[p] = ParameterInfo(
            name=p,
            value=value,
            unit=str(row["unit"]),
            lower=lower,
            upper=upper,
            role=role,  # type: ignore[arg-type]
            source_keys=tuple(k.strip() for k in str(row["source_key"]).split(";")),
            evidence=str(row["evidence"]),
            description=str(row["description"]),
        )
    return MappingProxyType(out)


@cache
def calibration_record() -> Mapping[str, object]:
    """Return the shipped calibration (``data/calibrated.toml``), or an empty mapping.

    The record holds ``parameters`` (fitted values), ``uncertainty`` (names, log-space mean and
    covariance of the Laplace approximation), ``posterior`` (the sampled posterior the
    projections draw from), ``fit`` (targets, residuals, settings) and ``progression``. Read
    once per process (``calibration_record.cache_clear()`` rereads it).
    """
    try:
        text = model_data_text("calibrated.toml")
    except FileNotFoundError:
        return MappingProxyType({})
    return MappingProxyType(tomllib.loads(text))


def parameter_info(*, calibrated: bool = True) -> Mapping[Param, ParameterInfo]:
    """Return the parameter table, with calibrated values applied when ``calibrated``."""
    base = _table_info()
    if not calibrated:
        return base
    fitted = calibration_record().get("parameters", {})
    if not isinstance(fitted, Mapping) or not fitted:
        return base
    out = dict(base)
    for name, value in fitted.items():
        info = out[Param(name)]
        if info.role != "calibrated":
            raise ReferenceDataError(f"calibrated.toml sets {name}, which is not calibrated")
        out[info.name] = ParameterInfo(
            name=info.name,
            value=float(value),
            unit=info.unit,
            lower=info.lower,
            upper=info.upper,
            role=info.role,
            source_keys=info.source_keys,
            evidence=info.evidence,
            description=info.description,
        )
    return MappingProxyType(out)


@dataclass(frozen=True, slots=True)
class ParameterSet:
    """Parameter values for a cohort: an array of shape ``(n_subjects, N_PARAMS)``.

    Build one with :func:`default_parameters` and change values with :meth:`replace`; the array
    is read-only and never mutated.
    """

    values: FloatArray
    label: str = field(default="default")

    def __post_init__(self) -> None:
        arr = np.array(self.values, dtype=float, copy=True)
        if arr.ndim != 2 or arr.shape[1] != N_PARAMS:
            raise InvalidInputError(
                field="parameters",
                value=getattr(self.values, "shape", None),
                allowed=f"a 2-D array of shape (n_subjects, {N_PARAMS})",
            )
        if arr.shape[0] < 1 or not np.all(np.isfinite(arr)):
            raise InvalidInputError(
                field="parameters",
                value="non-finite or empty",
                allowed="finite values for at least one subject",
            )
        arr.flags.writeable = False
        object.__setattr__(self, "values", arr)

    @property
    def n_subjects(self) -> int:
        """Number of subjects (rows)."""
        return int(self.values.shape[0])

    def __getitem__(self, name: Param | str) -> FloatArray:
        """Column of one parameter, shape ``(n_subjects,)``."""
        return self.values[:, Param(name).pos]

    def replace(self, **changes: float | FloatArray) -> ParameterSet:
        """Return a copy with some parameters changed (scalars or per-subject arrays)."""
        arr = np.array(self.values, dtype=float, copy=True)
        for name, value in changes.items():
            try:
                p = Param(name)
            except ValueError:
                raise InvalidInputError(
                    field="parameter", value=name, allowed="a name in mgir.model.Param"
                ) from None
            arr[:, p.pos] = np.broadcast_to(np.asarray(value, dtype=float), (arr.shape[0],))
        return ParameterSet(arr, label=self.label)

    def subset(self, index: int | slice | NDArray[np.intp]) -> ParameterSet:
        """Return the parameter set of some subjects."""
        return ParameterSet(np.atleast_2d(self.values[index]), label=self.label)

    def repeat(self, n: int) -> ParameterSet:
        """Tile a one-subject set to ``n`` subjects."""
        return ParameterSet(np.repeat(self.values[:1], n, axis=0), label=self.label)

    def digest(self) -> str:
        """Short SHA-256 of the values (the parameter set id in provenance)."""
        return hashlib.sha256(np.ascontiguousarray(self.values).tobytes()).hexdigest()[:16]

    def to_dict(self, subject: int = 0) -> dict[str, float]:
        """Values of one subject keyed by parameter name."""
        return {p.value: float(self.values[subject, p.pos]) for p in Param}


def default_parameters(n_subjects: int = 1, *, calibrated: bool = True) -> ParameterSet:
    """Default (reference adult) parameters for ``n_subjects`` identical subjects.

    Parameters
    ----------
    n_subjects
        Number of rows.
    calibrated
        Apply ``data/calibrated.toml`` (the shipped calibration); ``False`` gives the table's
        prior values.
    """
    if n_subjects < 1:
        raise InvalidInputError(field="n_subjects", value=n_subjects, allowed=">= 1")
    info = parameter_info(calibrated=calibrated)
    row = np.array([info[p].value for p in Param], dtype=float)
    label = "calibrated" if calibrated and calibration_record() else "prior"
    return ParameterSet(np.repeat(row[None, :], n_subjects, axis=0), label=label)
