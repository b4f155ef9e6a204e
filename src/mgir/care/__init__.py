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
from mgir.care._follow_up import DatedValue as DatedValue
from mgir.care._follow_up import Flag as Flag
from mgir.care._follow_up import LabDue as LabDue
from mgir.care._follow_up import ProjectionOverlay as ProjectionOverlay
from mgir.care._follow_up import labs_due as labs_due
from mgir.care._follow_up import panel_flags as panel_flags
from mgir.care._follow_up import projection_overlay as projection_overlay
from mgir.care._follow_up import with_homa_ir as with_homa_ir
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
    "DatedValue",
    "Evaluation",
    "Flag",
    "LabDue",
    "OutputSeries",
    "Override",
    "Projection",
    "ProjectionArm",
    "ProjectionOverlay",
    "Provenance",
    "evaluate",
    "fit_person_model",
    "knowledge_base_version",
    "labs_due",
    "model_labs",
    "panel_flags",
    "plan_regimen",
    "projection_overlay",
    "read_plan",
    "schemas",
    "serum_mg_prior",
    "with_homa_ir",
]
