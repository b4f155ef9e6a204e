"""Planning: diet gap, supplement form, dose and schedule, safety checks (layer L2).

May import :mod:`mgir.units`, :mod:`mgir.reference` and :mod:`mgir.assessment` only.
"""

from __future__ import annotations

from mgir.planning._intake import DayIntake as DayIntake
from mgir.planning._intake import DiaryEntry as DiaryEntry
from mgir.planning._intake import DiaryEntryLike as DiaryEntryLike
from mgir.planning._intake import EntryIntake as EntryIntake
from mgir.planning._intake import FoodContribution as FoodContribution
from mgir.planning._intake import IntakeResult as IntakeResult
from mgir.planning._intake import diary_intake as diary_intake
from mgir.planning._intake import parse_diary_csv as parse_diary_csv
from mgir.planning._plan import DEFAULT_ELEMENTAL_MG_PER_DAY as DEFAULT_ELEMENTAL_MG_PER_DAY
from mgir.planning._plan import Dose as Dose
from mgir.planning._plan import ExpectedEffect as ExpectedEffect
from mgir.planning._plan import FoodSuggestion as FoodSuggestion
from mgir.planning._plan import Monitoring as Monitoring
from mgir.planning._plan import Notice as Notice
from mgir.planning._plan import Plan as Plan
from mgir.planning._plan import SupplementPlan as SupplementPlan
from mgir.planning._plan import plan as plan
from mgir.planning._schedule import TimingConstraint as TimingConstraint
from mgir.planning._schedule import allowed as allowed
from mgir.planning._schedule import allowed_windows as allowed_windows
from mgir.planning._schedule import choose_times as choose_times
from mgir.planning._schedule import format_time as format_time
from mgir.planning._schedule import parse_time as parse_time

__all__ = [
    "DEFAULT_ELEMENTAL_MG_PER_DAY",
    "DayIntake",
    "DiaryEntry",
    "DiaryEntryLike",
    "Dose",
    "EntryIntake",
    "ExpectedEffect",
    "FoodContribution",
    "FoodSuggestion",
    "IntakeResult",
    "Monitoring",
    "Notice",
    "Plan",
    "SupplementPlan",
    "TimingConstraint",
    "allowed",
    "allowed_windows",
    "choose_times",
    "diary_intake",
    "format_time",
    "parse_diary_csv",
    "parse_time",
    "plan",
]
