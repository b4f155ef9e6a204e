"""Planning: diet gap, supplement form, dose and schedule, safety checks (layer L2).

May import :mod:`mgir.units`, :mod:`mgir.reference` and :mod:`mgir.assessment` only.
"""

from __future__ import annotations

from mgir.planning._plan import IR_CONDITIONS as IR_CONDITIONS
from mgir.planning._plan import DietPlan as DietPlan
from mgir.planning._plan import Dose as Dose
from mgir.planning._plan import ExistingSupplement as ExistingSupplement
from mgir.planning._plan import ExpectedEffect as ExpectedEffect
from mgir.planning._plan import FoodSuggestion as FoodSuggestion
from mgir.planning._plan import Monitoring as Monitoring
from mgir.planning._plan import Override as Override
from mgir.planning._plan import Plan as Plan
from mgir.planning._plan import PlanOptions as PlanOptions
from mgir.planning._plan import Reference as Reference
from mgir.planning._plan import SupplementPlan as SupplementPlan
from mgir.planning._plan import applicable_contraindications as applicable_contraindications
from mgir.planning._plan import insulin_resistance as insulin_resistance
from mgir.planning._plan import plan as plan
from mgir.planning._schedule import TimingConstraint as TimingConstraint
from mgir.planning._schedule import allowed as allowed
from mgir.planning._schedule import allowed_windows as allowed_windows
from mgir.planning._schedule import choose_times as choose_times
from mgir.planning._schedule import format_time as format_time
from mgir.planning._schedule import parse_time as parse_time

__all__ = [
    "IR_CONDITIONS",
    "DietPlan",
    "Dose",
    "ExistingSupplement",
    "ExpectedEffect",
    "FoodSuggestion",
    "Monitoring",
    "Override",
    "Plan",
    "PlanOptions",
    "Reference",
    "SupplementPlan",
    "TimingConstraint",
    "allowed",
    "allowed_windows",
    "applicable_contraindications",
    "choose_times",
    "format_time",
    "insulin_resistance",
    "parse_time",
    "plan",
]
