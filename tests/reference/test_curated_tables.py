"""Integrity of the curated plan tables (suggested foods, expected effects)."""

from __future__ import annotations

from mgir.reference import food, load_table, source


def test_suggested_foods_exist_with_their_portion_and_a_magnesium_value() -> None:
    rows = load_table("suggested_foods").rows
    assert len(rows) >= 20
    for row in rows:
        item = food(row["ndb_id"])
        assert item.mg_per_100g is not None, row
        assert item.kcal_per_100g, row
        assert any(p.seq == row["portion_seq"] for p in item.portions), row


def test_suggested_foods_are_magnesium_sources() -> None:
    # Every suggestion gives at least 25 mg per serving (SR28 arithmetic), else it is no help.
    for row in load_table("suggested_foods").rows:
        item = food(row["ndb_id"])
        portion = next(p for p in item.portions if p.seq == row["portion_seq"])
        mg = item.magnesium_mg(portion.grams * row["servings"])
        assert mg is not None
        assert mg >= 25, (row["note"], mg)


def test_expected_effects_cite_primary_trials() -> None:
    rows = load_table("expected_effects").rows
    assert {r["applies_when"] for r in rows} == {
        "supplement",
        "insulin_resistance",
        "not_deficient",
    }
    for row in rows:
        for key in row["source_key"].split(";"):
            assert source(key).quality in ("primary", "secondary")
