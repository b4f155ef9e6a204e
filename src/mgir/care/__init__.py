"""The clinical pipeline (layer L3): ``evaluate(person, options) -> Evaluation``.

Intake from the diary, assessment, plan and projection, with one set of options and provenance.
The CLI, the report and the clinic service call this and add no clinical logic of their own.
"""

from __future__ import annotations

from mgir.care._evaluate import SCHEMA_VERSION as SCHEMA_VERSION
from mgir.care._evaluate import CareOptions as CareOptions
from mgir.care._evaluate import Evaluation as Evaluation
from mgir.care._evaluate import Provenance as Provenance
from mgir.care._evaluate import evaluate as evaluate
from mgir.care._evaluate import knowledge_base_version as knowledge_base_version
from mgir.care._evaluate import read_plan as read_plan
from mgir.care._evaluate import schemas as schemas
from mgir.care._projection import OutputSeries as OutputSeries
from mgir.care._projection import Projection as Projection
from mgir.care._projection import ProjectionArm as ProjectionArm
from mgir.care._projection import fit_person_model as fit_person_model
from mgir.care._projection import model_labs as model_labs
from mgir.care._projection import plan_regimen as plan_regimen
from mgir.care._projection import serum_mg_prior as serum_mg_prior
from mgir.planning import Override as Override

__all__ = [
    "SCHEMA_VERSION",
    "CareOptions",
    "Evaluation",
    "OutputSeries",
    "Override",
    "Projection",
    "ProjectionArm",
    "Provenance",
    "evaluate",
    "fit_person_model",
    "knowledge_base_version",
    "model_labs",
    "plan_regimen",
    "read_plan",
    "schemas",
    "serum_mg_prior",
]
