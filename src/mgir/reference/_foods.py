"""USDA SR28 foods: lookup, fuzzy search and household portions.

The data are ``foods.csv.gz`` and ``food_portions.csv.gz``, derived from the SR28 ASCII files by
``scripts/derive_foods.py`` (source key ``usda_sr28``). A food without a magnesium value in SR28
has ``mg_per_100g = None``: it is never treated as zero.

Search uses rapidfuzz: a fast first pass (``WRatio``) finds candidates, which are then ranked by
how well every query word is covered (typos tolerated), how many words of the description the
query does not mention (weighted towards the head of the SR description, "Nuts, almonds, ..."),
and a mild preference for plain, whole foods (raw foods, non-branded items, whole-food groups).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from types import MappingProxyType
from typing import Final

from rapidfuzz import fuzz, process

from mgir._errors import InvalidInputError
from mgir.reference._tables import load_table
from mgir.units import parse_quantity

__all__ = [
    "Food",
    "FoodMatch",
    "Portion",
    "food",
    "food_grams",
    "foods",
    "resolve_food",
    "search_foods",
]

_WHOLE_FOOD_GROUPS: Final[frozenset[str]] = frozenset(
    {
        "Nut and Seed Products",
        "Vegetables and Vegetable Products",
        "Fruits and Fruit Juices",
        "Legumes and Legume Products",
        "Dairy and Egg Products",
        "Finfish and Shellfish Products",
        "Cereal Grains and Pasta",
        "Poultry Products",
        "Beef Products",
        "Pork Products",
        "Lamb, Veal, and Game Products",
        "Spices and Herbs",
    }
)
_EATEN_COOKED: Final[frozenset[str]] = frozenset(
    {"Cereal Grains and Pasta", "Breakfast Cereals", "Legumes and Legume Products"}
)
_STOP: Final[frozenset[str]] = frozenset({"and", "or", "with", "w", "in", "of", "the", "a"})
_BRAND = re.compile(r"\b[A-Z][A-Z'&]{2,}\b")
_NDB = re.compile(r"^\s*(\d{4,5})\s*$")
_NEUTRAL: Final[frozenset[str]] = frozenset(
    {
        "raw",
        "dried",
        "cooked",
        "boiled",
        "drained",
        "without",
        "salt",
        "plain",
        "whole",
        "fresh",
    }
)  # preparation words that say little about which food it is: unmatched, they cost little
_FULL_COVERAGE: Final[float] = 90.0  # rapidfuzz ratio at which a query word counts as present
_UNIT_SYNONYMS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "tablespoon": "tbsp",
        "tablespoons": "tbsp",
        "tbs": "tbsp",
        "tbsps": "tbsp",
        "teaspoon": "tsp",
        "teaspoons": "tsp",
        "tsps": "tsp",
        "cups": "cup",
        "slices": "slice",
        "pieces": "piece",
        "ounce": "oz",
        "ounces": "oz",
    }
)


@dataclass(frozen=True, slots=True)
class Portion:
    r"""A household portion of a food (SR28 WEIGHT).

    Attributes
    ----------
    seq
        Sequence number within the food.
    amount
        Number of household units that ``grams`` refers to (e.g. 0.5 for "0.5 cup").
    unit_description
        The household unit ("cup, whole", "oz", "medium (7\" to 7-7/8\" long)").
    grams
        Gram weight of ``amount`` units, g.
    """

    seq: int
    amount: float
    unit_description: str
    grams: float

    @property
    def grams_per_unit(self) -> float:
        """Gram weight of one household unit, g."""
        return self.grams / self.amount


@dataclass(frozen=True, slots=True)
class Food:
    """One SR28 food.

    Attributes
    ----------
    ndb_id
        SR28 NDB number, 5 characters with leading zeros.
    mg_per_100g
        Magnesium, mg per 100 g edible portion; ``None`` when SR28 has no value.
    kcal_per_100g
        Energy, kcal per 100 g.
    mg_n_data_points
        Analytical data points behind the magnesium value (0: calculated or imputed).
    portions
        Household portions with gram weights.
    source_key
        Source key of the values (``usda_sr28``).
    """

    ndb_id: str
    description: str
    common_name: str | None
    food_group: str
    mg_per_100g: float | None
    kcal_per_100g: float | None
    mg_n_data_points: int | None
    portions: tuple[Portion, ...]
    source_key: str

    def magnesium_mg(self, grams: float) -> float | None:
        """Magnesium in ``grams`` g of the food, mg; ``None`` when SR28 has no value."""
        return None if self.mg_per_100g is None else self.mg_per_100g * grams / 100.0

    def kcal(self, grams: float) -> float | None:
        """Energy in ``grams`` g of the food, kcal; ``None`` when SR28 has no value."""
        return None if self.kcal_per_100g is None else self.kcal_per_100g * grams / 100.0


@dataclass(frozen=True, slots=True)
class FoodMatch:
    """A search result: the food and its ranking score (higher is better; not a probability)."""

    food: Food
    score: float
    full_coverage: bool


def _words(text: str) -> list[str]:
    """Lower-case words with a crude plural fold ("almonds" -> "almond"), stop words removed."""
    out = []
    for raw in re.findall(r"[a-z0-9]+", text.lower()):
        word = raw[:-1] if len(raw) > 3 and raw.endswith("s") and not raw.endswith("ss") else raw
        if word not in _STOP:
            out.append(word)
    return out


def _exact_key(text: str) -> str:
    """Description key for exact matching: case and punctuation ignored, every word kept."""
    return " ".join(re.findall(r"[a-z0-9%]+", text.lower()))


@cache
def foods() -> Mapping[str, Food]:
    """All 8,789 SR28 foods keyed by NDB number (loaded once)."""
    portions: dict[str, list[Portion]] = {}
    for row in load_table("food_portions").rows:
        portions.setdefault(row["ndb_id"], []).append(
            Portion(
                seq=row["seq"],
                amount=row["amount"],
                unit_description=row["unit_description"],
                grams=row["grams"],
            )
        )
    out: dict[str, Food] = {}
    for row in load_table("foods").rows:
        ndb = row["ndb_id"]
        out[ndb] = Food(
            ndb_id=ndb,
            description=row["description"],
            common_name=row["common_name"],
            food_group=row["food_group"],
            mg_per_100g=row["mg_per_100g"],
            kcal_per_100g=row["kcal_per_100g"],
            mg_n_data_points=row["mg_n_data_points"],
            portions=tuple(sorted(portions.get(ndb, ()), key=lambda p: p.seq)),
            source_key=row["source_key"],
        )
    return MappingProxyType(out)


@dataclass(frozen=True, slots=True)
class _Index:
    ids: tuple[str, ...]
    choices: tuple[str, ...]
    common: Mapping[int, str]
    segments: tuple[tuple[tuple[str, ...], ...], ...]
    extra_words: tuple[tuple[str, ...], ...]
    boost: tuple[float, ...]
    exact: Mapping[str, tuple[str, ...]]
    vocabulary: tuple[str, ...]
    postings: Mapping[str, frozenset[int]]
    common_segments: tuple[tuple[tuple[str, ...], ...], ...]


@cache
def _index() -> _Index:
    ids, choices, segments, extra, boost = [], [], [], [], []
    exact: dict[str, tuple[str, ...]] = {}
    for ndb, item in foods().items():
        segs = tuple(tuple(_words(part)) for part in item.description.split(","))
        common = tuple(_words(item.common_name or ""))
        words = [w for seg in segs for w in seg]
        ids.append(ndb)
        choices.append(" ".join(words))
        segments.append(segs)
        extra.append(common)
        bonus = 8.0 if item.food_group in _WHOLE_FOOD_GROUPS else 0.0
        # The plain form people eat: raw fruit and vegetables, but cooked grains and legumes.
        eaten_cooked = item.food_group in _EATEN_COOKED
        bonus += 3.0 if ("cooked" in words if eaten_cooked else "raw" in words) else 0.0
        bonus -= 1.5 if "with salt" in item.description.lower() else 0.0  # SR pairs: plain first
        bonus -= 10.0 if _BRAND.search(item.description) else 0.0
        boost.append(bonus)
        key = _exact_key(item.description)
        exact[key] = (*exact.get(key, ()), ndb)
    common_choices = {i: " ".join(words) for i, words in enumerate(extra) if words}
    postings: dict[str, set[int]] = {}
    for i, (segs, common) in enumerate(zip(segments, extra, strict=True)):
        for word in {w for seg in segs for w in seg} | set(common):
            postings.setdefault(word, set()).add(i)
    return _Index(
        tuple(ids),
        tuple(choices),
        MappingProxyType(common_choices),
        tuple(segments),
        tuple(extra),
        tuple(boost),
        MappingProxyType(exact),
        tuple(postings),
        MappingProxyType({w: frozenset(ix) for w, ix in postings.items()}),
        tuple(
            tuple(
                seg
                for part in (foods()[ndb].common_name or "").split(",")
                if (seg := tuple(_words(part)))
            )
            for ndb in ids
        ),
    )


def _containing(query_words: list[str], index: _Index) -> set[int]:
    """Foods whose words cover every query word (typos tolerated), or all but one of three+."""
    per_word = []
    for q in query_words:
        similar = process.extract(
            q, index.vocabulary, scorer=fuzz.ratio, score_cutoff=80, limit=None
        )
        per_word.append(set().union(*(index.postings[w] for w, _, _ in similar)))
    if not per_word:
        return set()
    every = set.intersection(*per_word)
    if every or len(per_word) < 3:
        return every
    return set().union(
        *(
            set.intersection(*(p for j, p in enumerate(per_word) if j != k))
            for k in range(len(per_word))
        )
    )


def _unmatched(query_words: list[str], segs: Sequence[Sequence[str]]) -> tuple[float, bool]:
    """Penalty for name words the query does not mention, and whether the head word is covered."""
    penalty = 0.0
    head_covered = bool(segs and segs[0])
    for position, seg in enumerate(segs):
        weight = 3.0 if position == 0 else 1.5 if position == 1 else 1.0
        for word in set(seg):
            if max(fuzz.ratio(q, word) for q in query_words) < 80.0:
                penalty += 0.3 if word in _NEUTRAL else weight
                head_covered = head_covered and position != 0
    return penalty, head_covered


def _rank(query_words: list[str], index: _Index, i: int) -> tuple[float, bool]:
    segs = index.segments[i]
    common = index.extra_words[i]
    words = [w for seg in segs for w in seg] + list(common)
    best = [max((fuzz.ratio(q, w) for w in words), default=0.0) for q in query_words]
    coverage = sum(best) / len(best)
    # A food is named by its SR description or its common name ("oatmeal, cooked" for
    # "Cereals, oats, ..., cooked with water"): the closer of the two decides.
    penalty, head_covered = _unmatched(query_words, segs)
    if common:
        alternative, common_head = _unmatched(query_words, index.common_segments[i])
        if alternative - (4.0 if common_head else 0.0) < penalty - (4.0 if head_covered else 0.0):
            penalty, head_covered = alternative, common_head
    score = coverage - penalty + index.boost[i] + (4.0 if head_covered else 0.0)
    return score, min(best) >= _FULL_COVERAGE


def search_foods(query: str, *, limit: int = 10) -> tuple[FoodMatch, ...]:
    """Search SR28 foods by description (typos tolerated) or by NDB number.

    Parameters
    ----------
    query
        Words of the food ("almonds", "spinach raw", "pumpkin seeds") or an NDB number ("12061").
    limit
        Maximum number of results.

    Returns
    -------
    tuple of FoodMatch
        Best first. An NDB number that exists returns that food alone.

    Notes
    -----
    Candidates are the foods whose words contain every query word (typos tolerated; for three or
    more words, all but one), plus the best rapidfuzz ``fuzz.WRatio`` matches of the whole query.
    They are ranked by word coverage, the words of the description (or of the common name,
    whichever is closer) that the query does not mention (the SR head word "Nuts" in "Nuts,
    almonds" weighs most), and a preference for whole, raw, non-branded foods.
    """
    if limit < 1:
        raise InvalidInputError(field="limit", value=limit, allowed="an integer >= 1")
    match = _NDB.match(query)
    if match:
        ndb = match.group(1).zfill(5)
        found = foods().get(ndb)
        return () if found is None else (FoodMatch(found, 100.0, True),)
    words = _words(query)
    if not words:
        raise InvalidInputError(field="query", value=query, allowed="some words of a food name")
    index = _index()
    joined = " ".join(words)
    hits = process.extract(
        joined, index.choices, scorer=fuzz.WRatio, limit=max(400, limit), score_cutoff=55
    )
    by_common = process.extract(
        joined, index.common, scorer=fuzz.WRatio, limit=100, score_cutoff=80
    )
    ranked = []
    candidates = {hit[2] for hit in hits} | {hit[2] for hit in by_common}
    for i in sorted(candidates | _containing(words, index)):
        score, full = _rank(words, index, i)
        ranked.append((score, index.ids[i], full))
    ranked.sort(key=lambda item: (-item[0], item[1]))
    table = foods()
    return tuple(
        FoodMatch(table[ndb], round(score, 2), full) for score, ndb, full in ranked[:limit]
    )


def food(ndb_id: str) -> Food:
    """Return the food with this NDB number.

    Raises
    ------
    InvalidInputError
        If no SR28 food has this number.
    """
    match = _NDB.match(str(ndb_id))
    found = foods().get(match.group(1).zfill(5)) if match else None
    if found is None:
        raise InvalidInputError(
            field="ndb_id", value=ndb_id, allowed="a USDA SR28 NDB number (5 digits, e.g. 12061)"
        )
    return found


def _candidates(matches: tuple[FoodMatch, ...]) -> str:
    return "; ".join(f"{m.food.ndb_id} {m.food.description}" for m in matches)


@lru_cache(maxsize=4096)
def resolve_food(query: str, *, field: str = "food") -> Food:
    """Resolve a diary food to exactly one SR28 food, or raise listing the candidates.

    A query resolves when it is an NDB number, equals an SR28 description (case and
    punctuation aside), or when exactly one food contains every query word (typos tolerated).
    Anything else is ambiguous or unknown: it is never guessed.

    Raises
    ------
    InvalidInputError
        Unknown or ambiguous food; ``allowed`` lists the best candidates with NDB numbers.
    """
    text = str(query).strip()
    if _NDB.match(text):
        return food(text)
    exact = _index().exact.get(_exact_key(text), ())
    if len(exact) == 1:
        return foods()[exact[0]]
    if exact:  # SR28 has a few foods whose descriptions differ only in punctuation or case
        raise InvalidInputError(
            field=field,
            value=query,
            allowed="an NDB number; several foods share this description: "
            + "; ".join(f"{n} {foods()[n].description}" for n in exact),
        )
    # Every candidate the first pass finds is checked for full coverage, not only the top few.
    matches = search_foods(text, limit=400) if _words(text) else ()
    full = [m for m in matches if m.full_coverage]
    if len(full) == 1:
        return full[0].food
    shown = tuple(full[:8]) if full else matches[:8]
    if not shown:
        raise InvalidInputError(
            field=field,
            value=query,
            allowed="an SR28 NDB number or food description (no food matched)",
        )
    raise InvalidInputError(
        field=field,
        value=query,
        allowed=f"an NDB number or an exact description; candidates: {_candidates(shown)}",
    )


def _portion_text(item: Food) -> str:
    if not item.portions:
        return "no household portions in SR28"
    return ", ".join(f"{p.amount:g} {p.unit_description} = {p.grams:g} g" for p in item.portions)


def food_grams(item: Food, amount: float, unit: str, *, field: str = "amount") -> float:
    """Convert an amount of a food to grams.

    Parameters
    ----------
    item
        The food.
    amount
        Number of units (> 0).
    unit
        A mass unit that pint knows ("g", "oz", "lb") or one of the food's own SR28 household
        portions ("cup", "tbsp", "cup, chopped", "medium"). "oz" is a mass unit (28.35 g).

    Returns
    -------
    float
        Grams, g.

    Raises
    ------
    InvalidInputError
        If the amount is not a positive finite number, or the unit is neither a mass unit nor
        exactly one of the food's portions (the message lists the portions the food has).
    """
    numeric = isinstance(amount, int | float) and not isinstance(amount, bool)
    if not numeric or not math.isfinite(amount) or amount <= 0:
        raise InvalidInputError(field=field, value=amount, unit=unit, allowed="a number > 0")
    wanted = " ".join(str(unit).lower().replace(".", " ").split())
    # "1 cup", "2 slices": a count written into the unit multiplies the amount.
    count = re.match(r"^(\d+(?:\.\d+)?)\s+(\D.*)$", wanted)
    factor = 1.0
    if count:
        factor, wanted = float(count.group(1)), count.group(2)
        if factor <= 0:
            raise InvalidInputError(field=field, value=amount, unit=unit, allowed="a count > 0")
    try:
        return float(
            parse_quantity(amount * factor, wanted, field=field, like="g").to("g").magnitude
        )
    except InvalidInputError:
        pass
    wanted = _UNIT_SYNONYMS.get(wanted, wanted)
    full = [p for p in item.portions if p.unit_description.lower() == wanted]
    if not full:
        full = [
            p
            for p in item.portions
            if re.split(r"[\s,(]", p.unit_description.lower(), maxsplit=1)[0] == wanted
        ]
    if len(full) > 1:
        # SR28 often lists the same household unit at several amounts ("1 cup", "0.75 cup"):
        # the one-unit row is the unit's own weight.
        exact = [p for p in full if p.unit_description.lower() == wanted and p.amount == 1]
        if len(exact) == 1:
            full = exact
    if len(full) == 1:
        return amount * factor * full[0].grams_per_unit
    what = "ambiguous" if full else "not a mass unit or a portion of this food"
    shown = full if full else list(item.portions)
    listing = (
        ", ".join(f"{p.amount:g} {p.unit_description} = {p.grams:g} g" for p in shown)
        if shown
        else _portion_text(item)
    )
    raise InvalidInputError(
        field=field,
        value=amount,
        unit=str(unit),
        allowed=f"{what} ({item.ndb_id} {item.description}); use a mass unit (g, oz, lb) "
        f"or one of: {listing}",
    )
