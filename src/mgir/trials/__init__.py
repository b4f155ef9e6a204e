"""In-silico trials (layer L3): trial specs, typical-subject predictions, validation scoring.

A trial spec (``specs/trial-spec.md``) describes a randomised trial as its paper does;
:func:`predict_typical` runs its typical participant through the model, and
:func:`score_validation` scores the model on published trials and cohorts it was not fitted to
and on the NHANES cross-section of HOMA-IR by Mg intake (:func:`nhanes_intake_cross_section`).
"""

from __future__ import annotations

from mgir.trials._cross_section import IntakeCrossSection as IntakeCrossSection
from mgir.trials._cross_section import (
    nhanes_intake_cross_section as nhanes_intake_cross_section,
)
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
    "ENDPOINTS",
    "PLATEAU_FRACTION",
    "Arm",
    "Distribution",
    "IntakeCrossSection",
    "TimeCourseScore",
    "TrialSpec",
    "ValidationScore",
    "nhanes_intake_cross_section",
    "parse_trial_spec",
    "predict_typical",
    "read_trial_spec",
    "score_time_course",
    "score_validation",
]
