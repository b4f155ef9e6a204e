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
import mgir.service
import mgir.storage
import mgir.units

REPO = Path(__file__).resolve().parents[1]

PUBLIC_API = {
    "mgir": {
        "__version__",
        "InvalidInputError",
        "InvalidInputErrors",
        "MgirError",
        "ReferenceDataError",
    },
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
        "ucum",
        "unit_family",
        "ureg",
    },
}


@pytest.mark.parametrize(
    "module", [mgir, mgir.units, mgir.reference, mgir.assessment, mgir.storage, mgir.service]
)
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
        [_tool("lint-imports")],
        cwd=REPO,
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=False,
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


def test_published_json_schemas_match_the_models():
    import json

    from mgir.care import schemas
    from mgir.trials import schemas as trial_schemas

    folder = REPO / "docs" / "schemas"
    generated = {**schemas(), **trial_schemas()}
    assert {p.stem for p in folder.glob("*.json")} == set(generated)
    for name, schema in generated.items():
        published = json.loads((folder / f"{name}.json").read_text(encoding="utf-8"))
        assert published == schema, (
            f"docs/schemas/{name}.json is stale: run scripts/export_schemas.py"
        )


def test_the_evaluation_schema_validates_a_real_evaluation():
    import json
    from datetime import date

    from mgir.assessment import parse_person
    from mgir.care import CareOptions, Evaluation, evaluate

    person = parse_person(
        {
            "spec_version": 1,
            "person": {"age_years": 50, "sex": "male"},
            "labs": [{"name": "serum_magnesium", "value": 0.7, "unit": "mmol/L"}],
        },
        assessed_on=date(2026, 11, 1),
    )
    import jsonschema

    document = evaluate(person, CareOptions(draws=5, weeks=1)).to_dict()
    schema = json.loads((REPO / "docs" / "schemas" / "evaluation.json").read_text("utf-8"))
    jsonschema.Draft202012Validator(schema).validate(document)
    broken = json.loads(json.dumps(document))
    broken["plan"]["supplement"]["elemental_mg_per_day"] = "three hundred"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(schema).validate(broken)
    assert Evaluation.model_validate(document).assessment.magnesium.status == "deficient"


def test_model_page_parameter_table_matches_the_data():
    """docs/model.md's parameter table is generated from the packaged data (with --check)."""
    proc = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "model_reference.py"), "--check"],
        cwd=REPO,
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
