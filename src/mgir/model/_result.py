"""Simulation results: named trajectories, derived outputs, provenance, export."""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from mgir._errors import InvalidInputError
from mgir.assessment import formulas
from mgir.model._equations import (
    GLUCOSE_MG_PER_DL_PER_MMOL_PER_L,
    effective_insulin_sensitivity,
    filtered_mg_mmol_per_day,
    homa_ir,
    renal_excretion_mmol_per_day,
)
from mgir.model._parameters import Param, ParameterSet
from mgir.model._states import State

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Output", "SimulationResult"]

FloatArray = NDArray[np.float64]


class Output(StrEnum):
    """Derived outputs (canonical units in the names)."""

    SERUM_MG = "serum_mg_mmol_per_l"
    FASTING_GLUCOSE = "fasting_glucose_mmol_per_l"
    FASTING_INSULIN = "fasting_insulin_uiu_per_ml"
    HOMA_IR = "homa_ir"
    INSULIN_SENSITIVITY = "insulin_sensitivity_ml_per_uiu_day"
    INTRACELLULAR_MG_RELATIVE = "intracellular_mg_relative"
    BODY_MG = "body_exchangeable_mg_mmol"
    HBA1C = "hba1c_percent"
    QUICKI = "quicki"
    HOMA_B = "homa_b_percent"
    URINARY_MG = "urinary_mg_mmol_per_day"
    FE_MG = "fe_mg_percent"


@dataclass(frozen=True, slots=True)
class SimulationResult:
    """Result of :func:`mgir.model.simulate`.

    Attributes
    ----------
    time_days : ndarray, shape (n_t,)
        Save times (days from the start).
    states : ndarray, shape (n_subjects, n_t, N_STATES)
        State trajectories (read-only), named by :class:`mgir.model.State`.
    parameters : ParameterSet
        The parameters simulated.
    provenance : Mapping
        Package and model version, parameter-set id, calibration id, solver settings, seed,
        regimen, timestamp, source keys.
    """

    time_days: FloatArray
    states: FloatArray
    parameters: ParameterSet
    provenance: Mapping[str, Any]

    def __post_init__(self) -> None:
        for name in ("time_days", "states"):
            given = getattr(self, name)
            if isinstance(given, np.ndarray) and given.dtype == float and not given.flags.writeable:
                continue  # already frozen (simulate hands over its own array): no copy
            arr = np.array(given, dtype=float, copy=True)
            arr.flags.writeable = False
            object.__setattr__(self, name, arr)

    @property
    def n_subjects(self) -> int:
        """Number of subjects."""
        return int(self.states.shape[0])

    def state(self, name: State | str) -> FloatArray:
        """Trajectory of one state, shape ``(n_subjects, n_t)``."""
        return self.states[:, :, State(name).pos]

    def output(self, name: Output | str) -> FloatArray:  # noqa: PLR0911 - one branch per output
        """Trajectory of a derived output, shape ``(n_subjects, n_t)``.

        HbA1c is NGSP %; QUICKI (Katz 2000) and HOMA1-%B (Matthews 1985) use the formulas of
        :mod:`mgir.assessment.formulas`; urinary Mg is mmol/day; FE_Mg is urinary Mg over the
        filtered load (GFR x ultrafilterable fraction x serum Mg), in percent.
        """
        out = Output(name)
        p = self.parameters.values
        icf = self.state(State.MG_INTRACELLULAR)
        glucose_mmol = self.state(State.GLUCOSE) / GLUCOSE_MG_PER_DL_PER_MMOL_PER_L
        if out is Output.HBA1C:
            return self.state(State.HBA1C)
        if out is Output.QUICKI:
            return np.asarray(formulas.quicki(glucose_mmol, self.state(State.INSULIN)))
        if out is Output.HOMA_B:
            return np.asarray(formulas.homa_beta_percent(glucose_mmol, self.state(State.INSULIN)))
        if out in (Output.URINARY_MG, Output.FE_MG):
            return self._renal(out)
        if out is Output.SERUM_MG:
            return self.state(State.MG_EXTRACELLULAR) / p[:, Param.ECF_VOLUME.pos, None]
        if out is Output.FASTING_GLUCOSE:
            return self.state(State.GLUCOSE) / GLUCOSE_MG_PER_DL_PER_MMOL_PER_L
        if out is Output.FASTING_INSULIN:
            return self.state(State.INSULIN)
        if out is Output.HOMA_IR:
            return homa_ir(self.state(State.GLUCOSE), self.state(State.INSULIN))
        if out is Output.INSULIN_SENSITIVITY:
            flat = effective_insulin_sensitivity(
                np.repeat(p, icf.shape[1], axis=0), icf.reshape(-1)
            )
            return flat.reshape(icf.shape)
        if out is Output.INTRACELLULAR_MG_RELATIVE:
            return icf / p[:, Param.INTRACELLULAR_MG_REFERENCE.pos, None]
        return (
            self.state(State.MG_EXTRACELLULAR)
            + icf
            + self.state(State.MG_BONE_FAST)
            + self.state(State.MG_BONE_SLOW)
        )

    def _renal(self, out: Output) -> FloatArray:
        p = self.parameters.values
        nt = self.time_days.size
        rows = np.repeat(p, nt, axis=0)
        flat = {s: self.state(s).reshape(-1) for s in State}
        action = (
            effective_insulin_sensitivity(rows, flat[State.MG_INTRACELLULAR]) * flat[State.INSULIN]
        )
        urine, _ = renal_excretion_mmol_per_day(
            rows, flat[State.MG_EXTRACELLULAR], flat[State.GLUCOSE], action
        )
        if out is Output.URINARY_MG:
            return urine.reshape(-1, nt)
        serum = flat[State.MG_EXTRACELLULAR] / rows[:, Param.ECF_VOLUME.pos]
        fe: FloatArray = (100.0 * urine / filtered_mg_mmol_per_day(rows, serum)).reshape(-1, nt)
        return fe

    def trajectories(self) -> dict[str, FloatArray]:
        """Every state and output by name, each ``(n_subjects, n_t)``."""
        named = {s.value: self.state(s) for s in State}
        named.update({o.value: self.output(o) for o in Output})
        return named

    def _columns(self) -> tuple[list[str], FloatArray]:
        traj = self.trajectories()
        n, nt = self.n_subjects, self.time_days.size
        cols = ["subject", "time_days", *traj]
        data = np.empty((n * nt, len(cols)))
        data[:, 0] = np.repeat(np.arange(n), nt)
        data[:, 1] = np.tile(self.time_days, n)
        for j, arr in enumerate(traj.values(), start=2):
            data[:, j] = arr.reshape(-1)
        return cols, data

    def to_dataframe(self) -> pd.DataFrame:
        """Long table: one row per subject and save time (needs pandas)."""
        import pandas as pd  # noqa: PLC0415 - optional dependency

        cols, data = self._columns()
        frame = pd.DataFrame(data, columns=cols)
        frame["subject"] = frame["subject"].astype(int)
        frame.attrs["provenance"] = dict(self.provenance)
        return frame

    def to_csv(self, path: str | Path) -> Path:
        """Write the long table as CSV and the provenance as ``<path>.provenance.json``."""
        target = Path(path)
        cols, data = self._columns()
        with target.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(cols)
            np.savetxt(handle, data, delimiter=",", fmt=["%d"] + ["%.17g"] * (len(cols) - 1))
        target.with_name(target.name + ".provenance.json").write_text(
            json.dumps(dict(self.provenance), indent=2, default=str), encoding="utf-8"
        )
        return target

    def to_parquet(self, path: str | Path) -> Path:
        """Write the long table as Parquet with the provenance in its metadata (needs pyarrow)."""
        import pyarrow as pa  # noqa: PLC0415 - optional dependency
        import pyarrow.parquet as pq  # noqa: PLC0415

        cols, data = self._columns()
        arrays = [pa.array(data[:, 0].astype(np.int64))] + [
            pa.array(data[:, j]) for j in range(1, len(cols))
        ]
        table = pa.Table.from_arrays(arrays, names=cols).replace_schema_metadata(
            {
                "mgir_provenance": json.dumps(dict(self.provenance), default=str),
                "mgir_parameters": json.dumps(
                    {
                        "names": [p.value for p in Param],
                        "values": self.parameters.values.tolist(),
                        "label": self.parameters.label,
                    }
                ),
            }
        )
        pq.write_table(table, str(path))
        return Path(path)

    @classmethod
    def from_parquet(cls, path: str | Path) -> SimulationResult:
        """Read a result written by :meth:`to_parquet` (states, parameters and provenance)."""
        import pyarrow.parquet as pq  # noqa: PLC0415 - optional dependency

        table = pq.read_table(str(path))
        meta = table.schema.metadata or {}
        params_raw = json.loads(meta[b"mgir_parameters"])
        if params_raw["names"] != [p.value for p in Param]:
            raise InvalidInputError(
                field=str(path),
                value="parameter names",
                allowed="a file written by this model version",
            )
        subject = table.column("subject").to_numpy()
        time = table.column("time_days").to_numpy()
        n = int(subject.max()) + 1
        n_t = time.size // n
        states = np.stack(
            [table.column(s.value).to_numpy().reshape(n, n_t) for s in State], axis=-1
        )
        return cls(
            time_days=time[:n_t],
            states=states,
            parameters=ParameterSet(
                np.asarray(params_raw["values"], dtype=float), label=str(params_raw["label"])
            ),
            provenance=json.loads(meta[b"mgir_provenance"]),
        )
