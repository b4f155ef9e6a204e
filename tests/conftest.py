from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"
SHARED = REPO.parent / "shared"

# Hypothesis profiles: "ci" (the default: fast) and "long" (the fuzz campaign of docs/fuzzing.md,
# `HYPOTHESIS_PROFILE=long python -m pytest tests/fuzz`: 100,000 examples per entry point).
settings.register_profile("ci", max_examples=150, deadline=None)
settings.register_profile(
    "long",
    max_examples=100_000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,
)
settings.register_profile(
    "explore",
    max_examples=3_000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(autouse=True)
def _strict_numpy():
    # Floating-point surprises are errors in tests, as warnings are; underflow to zero is not one.
    with np.errstate(divide="raise", over="raise", invalid="raise", under="ignore"):
        yield


def example_files() -> list[Path]:
    return sorted(EXAMPLES.glob("*.toml"))
