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


def test_sources_point_to_canonical_pages() -> None:
    # A DOI, a PubMed id or a publisher/agency page; never a raw IP address or a library proxy.
    # The page actually read (a mirror, a calculator site) may differ: it is kept as read_at.
    import re

    from mgir.reference import sources

    for key, entry in sources().items():
        if entry.doi:
            assert re.fullmatch(r"10\.\d{4,9}/\S+", entry.doi), (key, entry.doi)
        if entry.pmid:
            assert re.fullmatch(r"[1-9]\d{0,8}", entry.pmid), (key, entry.pmid)
        for url in (entry.url, entry.read_at):
            if url is None:
                continue
            assert re.match(r"https?://[a-z0-9]", url), (key, url)
        if entry.url:
            assert not re.match(r"https?://\d+\.\d+\.\d+\.\d+", entry.url), (key, entry.url)
            assert "proxy" not in entry.url and "idm.oclc.org" not in entry.url, (key, entry.url)
            assert "calculator" not in entry.url, (key, entry.url)
        if entry.read_at:
            assert entry.read_at != entry.url, key
