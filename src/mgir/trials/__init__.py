"""In-silico trials (layer L3): trial specs, virtual trials, validation scoring.

A trial spec (``specs/trial-spec.md``) describes a randomised trial as its paper does;
:func:`run_trial` runs it on a virtual population of NHANES adults matched to its baseline
table (:func:`sample_population`), with replicate trials of its size for prediction intervals
and power (:func:`power_curve`, :func:`n_for_power`); :func:`predict_typical` runs its typical
participant through the model, and
:func:`score_validation` scores the model on published trials and cohorts it was not fitted to
and on the NHANES cross-section of HOMA-IR by Mg intake (:func:`nhanes_intake_cross_section`).
"""

from __future__ import annotations

from mgir.trials._cross_section import IntakeCrossSection as IntakeCrossSection
from mgir.trials._cross_section import (
    nhanes_intake_cross_section as nhanes_intake_cross_section,
)
from mgir.trials._dask import DaskBackend as DaskBackend
from mgir.trials._population import PopulationMatch as PopulationMatch
from mgir.trials._population import VirtualPopulation as VirtualPopulation
from mgir.trials._population import sample_population as sample_population
from mgir.trials._run import DEFAULT_REPLICATES as DEFAULT_REPLICATES
from mgir.trials._run import DEFAULT_SUBJECTS_PER_ARM as DEFAULT_SUBJECTS_PER_ARM
from mgir.trials._run import LocalBackend as LocalBackend
from mgir.trials._run import PowerPoint as PowerPoint
from mgir.trials._run import TrialResult as TrialResult
from mgir.trials._run import VirtualTrial as VirtualTrial
from mgir.trials._run import n_for_power as n_for_power
from mgir.trials._run import power_curve as power_curve
from mgir.trials._run import prepare_trial as prepare_trial
from mgir.trials._run import run_trial as run_trial
from mgir.trials._run import schemas as schemas
from mgir.trials._run import summarise_trial as summarise_trial
from mgir.trials._spec import CONDITIONS as CONDITIONS
from mgir.trials._spec import ENDPOINTS as ENDPOINTS
from mgir.trials._spec import Arm as Arm
from mgir.trials._spec import Distribution as Distribution
from mgir.trials._spec import TrialSpec as TrialSpec
from mgir.trials._spec import parse_trial_spec as parse_trial_spec
from mgir.trials._spec import read_trial_spec as read_trial_spec
from mgir.trials._typical import predict_typical as predict_typical
from mgir.trials._validation import PLATEAU_FRACTION as PLATEAU_FRACTION
from mgir.trials._validation import TimeCourseScore as TimeCourseScore
from mgir.trials._validation import ValidationScore as ValidationScore
from mgir.trials._validation import score_time_course as score_time_course
from mgir.trials._validation import score_validation as score_validation

__all__ = [
    "CONDITIONS",
    "DEFAULT_REPLICATES",
    "DEFAULT_SUBJECTS_PER_ARM",
    "ENDPOINTS",
    "PLATEAU_FRACTION",
    "Arm",
    "DaskBackend",
    "Distribution",
    "IntakeCrossSection",
    "LocalBackend",
    "PopulationMatch",
    "PowerPoint",
    "TimeCourseScore",
    "TrialResult",
    "TrialSpec",
    "ValidationScore",
    "VirtualPopulation",
    "VirtualTrial",
    "n_for_power",
    "nhanes_intake_cross_section",
    "parse_trial_spec",
    "power_curve",
    "predict_typical",
    "prepare_trial",
    "read_trial_spec",
    "run_trial",
    "sample_population",
    "schemas",
    "score_time_course",
    "score_validation",
    "summarise_trial",
]
