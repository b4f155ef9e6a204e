"""Project-wide checks: the public API is locked, the layers contract holds, lint and types are clean."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import mgir
import mgir.assessment
import mgir.reference
import mgir.units

REPO = Path(__file__).resolve().parents[1]

PUBLIC_API = {
    "mgir": {"__version__", "InvalidInputError", "MgirError", "ReferenceDataError"},
    "mgir.units": {
        "INSULIN_PMOL_PER_UIU_CONVENTIONAL",
        "INSULIN_PMOL_PER_UIU_WHO",
        "Analyte",
        "Quantity",
        "analyte",
        "analyte_names",
        "atomic_weights",
        "convert",
        "element_counts",
        "mass_fraction",
        "molar_mass_g_per_mol",
        "normalise_unit",
        "parse_quantity",
        "quantity_to_canonical",
        "registry",
        "to_canonical",
        "ureg",
    },
}


@pytest.mark.parametrize("module", [mgir, mgir.units, mgir.reference, mgir.assessment])
def test_all_is_complete_and_importable(module):
    for name in module.__all__:
        assert hasattr(module, name), f"{module.__name__}.{name} in __all__ but missing"
    public = {n for n in vars(module) if not n.startswith("_") and n != "annotations"}
    submodules = {n for n in public if type(getattr(module, n)).__name__ == "module"}
    assert public - submodules <= set(module.__all__) | {"annotations"}


@pytest.mark.parametrize("module_name", sorted(PUBLIC_API))
def test_public_api_is_locked(module_name):
    module = sys.modules[module_name]
    assert set(module.__all__) == PUBLIC_API[module_name]


def _tool(name: str) -> str:
    found = shutil.which(name) or str(Path(sys.executable).parent / name)
    if not Path(found).exists():
        pytest.skip(f"{name} not installed (install the test extra)")
    return found


def test_layers_contract():
    proc = subprocess.run(
        [_tool("lint-imports")], cwd=REPO, capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_ruff_clean():
    folders = [d for d in ("src", "tests", "benchmarks", "scripts") if (REPO / d).is_dir()]
    proc = subprocess.run(
        [_tool("ruff"), "check", *folders],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_mypy_clean():
    proc = subprocess.run([_tool("mypy")], cwd=REPO, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
