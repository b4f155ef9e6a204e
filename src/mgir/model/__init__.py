"""The mechanistic magnesium–insulin–glucose model (layer L2).

A fasting-state, daily-timescale model of glucose, insulin and β-cell mass (Topp et al. 2000)
coupled both ways to whole-body magnesium balance (absorption, extracellular, intracellular
and bone pools, kidney). States and parameters are named once (:class:`State`,
:class:`Param`); equations are pure and vectorised over subjects; :func:`simulate` is the one
entry point. See ``docs/model.md``.
"""

from __future__ import annotations

from mgir.model._compiled import Rosenbrock23 as Rosenbrock23
from mgir.model._equations import homa_ir as homa_ir
from mgir.model._inputs import DoseSegment as DoseSegment
from mgir.model._inputs import Regimen as Regimen
from mgir.model._inputs import SaltInfo as SaltInfo
from mgir.model._inputs import model_salt_name as model_salt_name
from mgir.model._inputs import salt_info as salt_info
from mgir.model._inputs import salt_names as salt_names
from mgir.model._parameters import N_PARAMS as N_PARAMS
from mgir.model._parameters import Param as Param
from mgir.model._parameters import ParameterInfo as ParameterInfo
from mgir.model._parameters import ParameterSet as ParameterSet
from mgir.model._parameters import calibration_record as calibration_record
from mgir.model._parameters import default_parameters as default_parameters
from mgir.model._parameters import parameter_info as parameter_info
from mgir.model._population import (
    INSULIN_MODEL_BMI_RANGE_KG_PER_M2 as INSULIN_MODEL_BMI_RANGE_KG_PER_M2,
)
from mgir.model._population import InsulinPrior as InsulinPrior
from mgir.model._population import SerumMgPrior as SerumMgPrior
from mgir.model._population import population_insulin as population_insulin
from mgir.model._population import population_serum_mg as population_serum_mg
from mgir.model._progression import progression_checks as progression_checks
from mgir.model._result import Output as Output
from mgir.model._result import SimulationResult as SimulationResult
from mgir.model._sbml import export_sbml as export_sbml
from mgir.model._simulate import MODEL_VERSION as MODEL_VERSION
from mgir.model._simulate import calibration_id as calibration_id
from mgir.model._simulate import package_version as package_version
from mgir.model._simulate import simulate as simulate
from mgir.model._solvers import AbstractSolver as AbstractSolver
from mgir.model._solvers import QuasiSteadyState as QuasiSteadyState
from mgir.model._solvers import ScipyReference as ScipyReference
from mgir.model._states import N_STATES as N_STATES
from mgir.model._states import STATE_UNITS as STATE_UNITS
from mgir.model._states import State as State
from mgir.model._states import from_array as from_array
from mgir.model._states import to_array as to_array
from mgir.model._steady_state import LAB_BOUNDS as LAB_BOUNDS
from mgir.model._steady_state import PersonFit as PersonFit
from mgir.model._steady_state import fit_person as fit_person
from mgir.model._steady_state import steady_state as steady_state
from mgir.model._uncertainty import UncertainSimulation as UncertainSimulation
from mgir.model._uncertainty import parameter_draws as parameter_draws
from mgir.model._uncertainty import simulate_person as simulate_person

__all__ = [
    "INSULIN_MODEL_BMI_RANGE_KG_PER_M2",
    "LAB_BOUNDS",
    "MODEL_VERSION",
    "N_PARAMS",
    "N_STATES",
    "STATE_UNITS",
    "AbstractSolver",
    "DoseSegment",
    "InsulinPrior",
    "Output",
    "Param",
    "ParameterInfo",
    "ParameterSet",
    "PersonFit",
    "QuasiSteadyState",
    "Regimen",
    "Rosenbrock23",
    "SaltInfo",
    "ScipyReference",
    "SerumMgPrior",
    "SimulationResult",
    "State",
    "UncertainSimulation",
    "calibration_id",
    "calibration_record",
    "default_parameters",
    "export_sbml",
    "fit_person",
    "from_array",
    "homa_ir",
    "model_salt_name",
    "package_version",
    "parameter_draws",
    "parameter_info",
    "population_insulin",
    "population_serum_mg",
    "progression_checks",
    "salt_info",
    "salt_names",
    "simulate",
    "simulate_person",
    "steady_state",
    "to_array",
]
