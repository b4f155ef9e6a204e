"""USDA SR28 food table: derivation, spot values, search, portions.

Golden values are the SR28 values for nutrient 304 (magnesium, mg/100 g), as given in the raw
NUT_DATA file and quoted in shared/data/PROVENANCE.md.
"""

from __future__ import annotations

import gzip
import importlib.util
import time
from pathlib import Path

import pytest

from mgir._errors import InvalidInputError
from mgir.reference import food, food_grams, foods, load_table, resolve_food, search_foods

ROOT = Path(__file__).resolve().parents[2]
RAW = ROOT.parent / "shared" / "data" / "usda_sr28_raw"
DATA = ROOT / "src" / "mgir" / "reference" / "data"


def _load_script():  # type: ignore[no-untyped-def]
    path = ROOT / "scripts" / "derive_foods.py"
    spec = importlib.util.spec_from_file_location("derive_foods", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.skipif(not RAW.exists(), reason="raw USDA files (../shared/data) not available")
def test_shipped_tables_equal_a_fresh_derivation() -> None:
    script = _load_script()
    fresh = script.render(RAW)
    for name, data in fresh.items():
        shipped = (DATA / name).read_bytes()
        if name.endswith(".gz"):
            shipped = gzip.decompress(shipped)
        assert shipped == data, name


@pytest.mark.skipif(not RAW.exists(), reason="raw USDA files (../shared/data) not available")
def test_matches_the_independent_shared_derivation() -> None:
    import csv

    shared = RAW.parent / "usda_sr_legacy_magnesium.csv"
    with shared.open(encoding="utf-8") as handle:
        rows = {r["ndb_id"]: r for r in csv.DictReader(handle)}
    table = foods()
    assert set(rows) == set(table)
    for ndb, row in rows.items():
        mg = table[ndb].mg_per_100g
        assert (mg is None) == (row["mg_per_100g"] == "")
        if mg is not None:
            assert mg == pytest.approx(float(row["mg_per_100g"]))


def test_row_counts() -> None:
    # SR28: 8,789 foods, 15,438 weights; 739 foods without a magnesium value (PROVENANCE.md).
    assert len(foods()) == 8789
    assert len(load_table("food_portions").rows) == 15438
    assert sum(f.mg_per_100g is None for f in foods().values()) == 739


def test_missing_magnesium_is_none_not_zero() -> None:
    missing = [f for f in foods().values() if f.mg_per_100g is None]
    assert missing
    assert all(f.magnesium_mg(100.0) is None for f in missing)


@pytest.mark.parametrize(
    ("ndb", "mg_per_100g", "words"),
    [
        ("12061", 270.0, "almonds"),
        ("11457", 79.0, "spinach, raw"),
        ("12014", 592.0, "pumpkin"),
        ("09040", 27.0, "bananas, raw"),
    ],
)
def test_spot_values(ndb: str, mg_per_100g: float, words: str) -> None:
    item = food(ndb)
    assert item.mg_per_100g == mg_per_100g
    assert words in item.description.lower()
    assert item.source_key == "usda_sr28"


def test_portion_arithmetic_almonds() -> None:
    almonds = food("12061")
    # "oz" is a mass unit: 1 oz = 28.349523125 g; SR28 almonds 270 mg/100 g.
    grams = food_grams(almonds, 1, "oz")
    assert grams == pytest.approx(28.349523125)
    assert almonds.magnesium_mg(grams) == pytest.approx(76.54, abs=0.01)
    # SR28 WEIGHT: "1 cup, whole" = 143 g -> 2 cups 286 g -> 772.2 mg.
    assert food_grams(almonds, 2, "cup, whole") == pytest.approx(286.0)
    # "almond" portion 1.2 g each.
    assert food_grams(almonds, 10, "almond") == pytest.approx(12.0)


def test_portion_with_fractional_amount() -> None:
    # Portions whose SR amount is not 1 scale per unit: find one and check the arithmetic.
    item = next(
        f
        for f in foods().values()
        for p in f.portions
        if p.amount == 0.5
        and sum(q.unit_description == p.unit_description for q in f.portions) == 1
    )
    portion = next(p for p in item.portions if p.amount == 0.5)
    assert food_grams(item, 1, portion.unit_description) == pytest.approx(2 * portion.grams)


def test_ambiguous_portion_lists_the_choices() -> None:
    with pytest.raises(InvalidInputError) as info:
        food_grams(food("12061"), 1, "cup")
    assert "cup, whole" in str(info.value)
    assert "cup, sliced" in str(info.value)


def test_portion_the_food_does_not_have() -> None:
    with pytest.raises(InvalidInputError) as info:
        food_grams(food("12061"), 1, "slice")
    assert "oz (23 whole kernels)" in str(info.value)


def test_volume_unit_without_density_is_rejected() -> None:
    with pytest.raises(InvalidInputError):
        food_grams(food("12061"), 100, "mL")


@pytest.mark.parametrize("amount", [0, -1, float("nan"), float("inf")])
def test_bad_amounts(amount: float) -> None:
    with pytest.raises(InvalidInputError):
        food_grams(food("12061"), amount, "g")


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("almonds", "12061"),
        ("almnds", "12061"),
        ("spinach", "11457"),
        ("banana", "09040"),
        ("pumpkin seeds", "12014"),
        ("12061", "12061"),
        ("9040", "09040"),
    ],
)
def test_search_ranks_plain_whole_food_first(query: str, first: str) -> None:
    assert search_foods(query, limit=5)[0].food.ndb_id == first


def test_search_is_fast_and_limited() -> None:
    search_foods("warm up")
    start = time.perf_counter()
    results = search_foods("brown rice cooked", limit=3)
    assert time.perf_counter() - start < 0.5
    assert len(results) == 3


def test_search_unknown_ndb_returns_nothing() -> None:
    assert search_foods("99999") == ()


def test_resolve_exact_description_and_unique_match() -> None:
    assert resolve_food("Nuts, almonds").ndb_id == "12061"
    assert resolve_food("nuts almonds").ndb_id == "12061"
    assert resolve_food("chia").ndb_id == "12006"


def test_resolve_ambiguous_lists_candidates() -> None:
    with pytest.raises(InvalidInputError) as info:
        resolve_food("almonds")
    assert "12061 Nuts, almonds" in str(info.value)


def test_resolve_unknown() -> None:
    with pytest.raises(InvalidInputError):
        resolve_food("qwertyuiop zzz")
    with pytest.raises(InvalidInputError):
        food("99999")


def test_duplicate_descriptions_are_ambiguous() -> None:
    # SR28 18299 "Pancakes, whole-wheat, dry mix, incomplete" and 28324 "..., whole wheat, ..." differ
    # only in a hyphen: never pick one silently.
    with pytest.raises(InvalidInputError) as info:
        resolve_food("pancakes whole wheat dry mix incomplete")
    assert "several foods" in str(info.value)


def test_with_is_not_dropped_from_exact_descriptions() -> None:
    assert resolve_food("Beverages, coffee, instant, with chicory").ndb_id == "14222"
    assert resolve_food("Beverages, coffee, instant, chicory").ndb_id == "14223"


@pytest.mark.parametrize(
    ("query", "first"),
    [
        # Multi-word queries find the food with every word; a stated state wins (SR28 numbers).
        ("brown rice cooked", "20037"),  # Rice, brown, long-grain, cooked
        ("lentils cooked", "16070"),  # Lentils, mature seeds, cooked, boiled, without salt
        ("black beans cooked", "16015"),  # Beans, black, mature seeds, cooked, boiled, w/o salt
        # Common names count, and grains are eaten cooked: "oatmeal, cooked" (SR28 ComName).
        ("oatmeal", "08121"),
        ("quinoa", "20137"),  # Quinoa, cooked
    ],
)
def test_multi_word_and_common_name_queries_find_the_cooked_food(query: str, first: str) -> None:
    assert search_foods(query, limit=5)[0].food.ndb_id == first


def test_the_exact_one_unit_portion_wins_and_a_count_in_the_unit_multiplies() -> None:
    oatmeal = food("08121")  # SR28 portions: 1 cup = 234 g, 0.75 cup = 175 g, 1 tbsp = 14.6 g
    assert food_grams(oatmeal, 1, "cup") == pytest.approx(234)
    assert food_grams(oatmeal, 1, "1 cup") == pytest.approx(234)
    assert food_grams(oatmeal, 1, "2 cups") == pytest.approx(468)
    assert food_grams(food("11457"), 1, "2 oz") == pytest.approx(2 * 28.349523125)
    with pytest.raises(InvalidInputError, match="ambiguous"):
        food_grams(food("12061"), 1, "1 cup")  # almonds: whole, sliced, slivered, ground


@pytest.mark.parametrize("unit", ["g;", "g#", "(", "mg/0", "1/0", "g/2"])
def test_malformed_units_are_errors_never_grams(unit: str) -> None:
    with pytest.raises(InvalidInputError):
        food_grams(food("12061"), 10, unit)
