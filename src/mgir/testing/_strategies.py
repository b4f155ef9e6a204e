"""Hypothesis strategies for person files, options, diaries and tables (see the package)."""

from __future__ import annotations

import math
from datetime import date, timedelta
from typing import Any

from hypothesis import strategies as st

from mgir.assessment import CONDITIONS
from mgir.units import analyte, convert

__all__ = ["care_options", "csv_tables", "diary_csvs", "mutated", "person_documents"]

# Plausible clinical ranges in canonical units (narrower than the input bounds, so that valid
# documents look like people; the bounds themselves are exercised by ``mutated``).
_PLAUSIBLE: dict[str, tuple[float, float]] = {
    "fasting_glucose": (3.6, 16.0),
    "fasting_insulin": (2.0, 60.0),
    "serum_magnesium": (0.45, 1.15),
    "creatinine": (0.4, 4.5),
    "cystatin_c": (0.6, 4.0),
    "triglycerides": (0.4, 6.0),
    "hba1c": (4.6, 11.0),
    "potassium": (3.0, 6.2),
    "calcium": (1.9, 2.8),
    "rbc_magnesium": (1.4, 3.0),
    "urine_magnesium": (0.5, 8.0),
    "urine_creatinine": (2.0, 20.0),
    "total_testosterone": (0.3, 25.0),
    "shbg": (10.0, 120.0),
}
MEDICINES: tuple[str, ...] = (
    "metformin",
    "omeprazole",
    "hydrochlorothiazide",
    "furosemide",
    "levothyroxine",
    "dolutegravir",
    "ciprofloxacin",
    "doxycycline",
    "alendronate",
    "spironolactone",
    "amlodipine",
    "insulin glargine",
    "raltegravir",
    "losartan + hydrochlorothiazide",
    "atorvastatin",
    "sertraline",
)
_FOODS: tuple[str, ...] = (
    "12061",  # almonds
    "11457",  # spinach, raw
    "09040",  # bananas
    "16015",  # black beans, cooked
    "20137",  # quinoa, cooked
    "01077",  # milk
    "18075",  # whole-wheat bread
    "12014",  # pumpkin seed kernels
    "08121",  # oatmeal, cooked
    "01188",  # a food without a magnesium value in SR28
)
_SALTS: tuple[str, ...] = (
    "magnesium citrate",
    "magnesium oxide",
    "magnesium glycinate",
    "magnesium chloride",
    "Epsom salt",
)
_CLOCK = st.builds(
    lambda h, m: f"{h:02d}:{m:02d}", st.integers(0, 23), st.sampled_from([0, 15, 30, 45])
)


def _round(value: float) -> float:
    return float(f"{value:.4g}")


@st.composite
def _lab(draw: st.DrawFn, name: str, day: date | None) -> dict[str, Any]:
    item = analyte(name)
    low, high = _PLAUSIBLE[name]
    canonical = draw(st.floats(min_value=low, max_value=high, allow_nan=False))
    unit = draw(st.sampled_from(item.accepted_units))
    value = _round(convert(item, canonical, item.canonical_unit, unit))
    lab: dict[str, Any] = {"name": name, "value": value, "unit": unit}
    if day is not None:
        lab["date"] = day.isoformat()
    return lab


@st.composite
def person_documents(draw: st.DrawFn, *, adults_only: bool = False) -> dict[str, Any]:
    """A valid person file (a mapping as TOML or JSON would give it)."""
    age = draw(
        st.one_of(
            st.integers(18, 90),
            st.integers(18, 90),
            st.integers(1, 17) if not adults_only else st.integers(18, 90),
        )
    )
    sex = draw(st.sampled_from(["female", "male"]))
    person: dict[str, Any] = {"id": draw(st.from_regex(r"[a-z]{3,8}-[0-9]{1,3}", fullmatch=True))}
    person["age_years"] = age
    person["sex"] = sex
    if sex == "female" and 18 <= age <= 45 and draw(st.integers(0, 9)) == 0:
        person["pregnant"] = True
    if draw(st.booleans()):
        person["height_cm"] = draw(st.integers(100 if age < 12 else 140, 200))
    if draw(st.booleans()):
        person["weight_kg"] = draw(st.integers(20 if age < 12 else 45, 150))
    conditions = draw(
        st.lists(st.sampled_from([c for c in CONDITIONS if c != "t1d"]), unique=True, max_size=3)
    )
    if conditions:
        person["conditions"] = conditions
    medicines = draw(st.lists(st.sampled_from(MEDICINES), unique=True, max_size=4))
    if medicines:
        person["medications"] = medicines
        timed = draw(st.lists(st.sampled_from(medicines), unique=True, max_size=len(medicines)))
        if timed:
            person["medication_times"] = {
                m: sorted(set(draw(st.lists(_CLOCK, min_size=1, max_size=2)))) for m in timed
            }
    today = date(2026, 11, 1)
    labs: list[dict[str, Any]] = []
    names = draw(st.lists(st.sampled_from(sorted(_PLAUSIBLE)), unique=True, min_size=0, max_size=8))
    if draw(st.integers(0, 4)) > 0 and "serum_magnesium" not in names:
        names.append("serum_magnesium")
    for name in names:
        labs.append(draw(_lab(name, today)))
    if "serum_magnesium" in names and draw(st.integers(0, 4)) == 0:
        labs.append(
            draw(_lab("serum_magnesium", today - timedelta(days=draw(st.integers(30, 400)))))
        )
    document: dict[str, Any] = {"spec_version": 1, "person": person, "labs": labs}
    if draw(st.booleans()):
        document["diet"] = [
            {
                "day": (today - timedelta(days=draw(st.integers(0, 2)))).isoformat(),
                "food": draw(st.sampled_from(_FOODS)),
                "amount": {"value": draw(st.integers(10, 300)), "unit": "g"},
            }
            for _ in range(draw(st.integers(1, 6)))
        ]
    if draw(st.integers(0, 3)) == 0:
        document["supplements"] = [
            {
                "salt": draw(st.sampled_from(_SALTS)),
                "elemental": {"value": draw(st.integers(25, 500)), "unit": "mg/day"},
            }
        ]
    return document


def care_options() -> st.SearchStrategy[dict[str, Any]]:
    """Keyword arguments of :class:`mgir.care.CareOptions` a user may choose (overrides aside)."""
    return st.fixed_dictionaries(
        {},
        optional={
            "insulin_pmol_per_uiu": st.sampled_from([6.0, 6.945]),
            "ul_basis": st.sampled_from(["iom", "eu"]),
            "requested_elemental_mg_per_day": st.floats(min_value=1, max_value=800),
            "homa_ir_cutoff": st.sampled_from([None, "ascaso_3_8"]),
        },
    )


_WEIRD_VALUES = st.one_of(
    st.just(float("nan")),
    st.just(float("inf")),
    st.just(-float("inf")),
    st.floats(min_value=-1e9, max_value=-1e-9),
    st.floats(min_value=1e6, max_value=1e300),
    st.just(0),
    st.just(True),
    st.just(None),
    st.text(max_size=8),
    st.just("maybe"),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=4), st.integers(), max_size=2),
    st.sampled_from(["(", "mg/0", "1/0", "g;", "g#", "µIU/mL", "mg/dL", "mmol/L", "Male", "PCOS"]),
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, item in value.items():
            out += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            out += _paths(item, (*prefix, i))
    return out


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


@st.composite
def mutated(draw: st.DrawFn, documents: st.SearchStrategy[Any]) -> Any:
    """A document from ``documents`` with one to three mistakes people make."""
    document = _copy(draw(documents))
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(document)
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = document
        for part in path[:-1]:
            parent = parent[part]
        key = path[-1]
        action = draw(st.sampled_from(["replace", "drop", "rename", "duplicate", "wrap"]))
        if action == "replace":
            parent[key] = draw(_WEIRD_VALUES)
        elif action == "drop":
            if isinstance(parent, dict):
                del parent[key]
            else:
                parent.pop(key)
        elif action == "rename" and isinstance(parent, dict):
            new = draw(st.sampled_from([f"{key}s", str(key).upper(), f"_{key}", "unknown_key"]))
            parent[new] = parent.pop(key)
        elif action == "duplicate" and isinstance(parent, list):
            parent.append(_copy(parent[key]))
        else:
            parent[key] = [parent[key]] if draw(st.booleans()) else {"value": parent[key]}
    return document


def _cell(value: float) -> str:
    return "" if math.isnan(value) else repr(value)


@st.composite
def csv_tables(draw: st.DrawFn) -> str:
    """A CSV table for ``mgir assess --csv`` with mostly valid and some wrong cells and rows."""
    columns = [
        "id",
        "age_years",
        "sex",
        *draw(
            st.lists(
                st.sampled_from(
                    [
                        "pregnant",
                        "dietary_intake_mg_per_day",
                        "fasting_glucose_mg_dl",
                        "fasting_insulin_uiu_ml",
                        "serum_magnesium_mmol_l",
                        "creatinine_mg_dl",
                        "triglycerides_mmol_l",
                        "hba1c_percent",
                        "cystatin_c_mg_l",
                    ]
                ),
                unique=True,
                max_size=6,
            )
        ),
    ]
    good = {
        "age_years": st.integers(0, 95).map(str),
        "sex": st.sampled_from(["female", "male", "Female"]),
        "pregnant": st.sampled_from(["", "0", "no", "1"]),
        "dietary_intake_mg_per_day": st.floats(20, 900).map(_cell),
        "fasting_glucose_mg_dl": st.floats(60, 300).map(_cell),
        "fasting_insulin_uiu_ml": st.floats(1, 80).map(_cell),
        "serum_magnesium_mmol_l": st.floats(0.4, 1.3).map(_cell),
        "creatinine_mg_dl": st.floats(0.4, 6).map(_cell),
        "triglycerides_mmol_l": st.floats(0.3, 8).map(_cell),
        "hba1c_percent": st.floats(4.5, 12).map(_cell),
        "cystatin_c_mg_l": st.floats(0.5, 4).map(_cell),
    }
    bad = st.sampled_from(["", "inf", "nan", "-5", "maybe", "1e400", "3", "x,y", '"', "\u00e9"])
    rows = []
    for i in range(draw(st.integers(0, 6))):
        cells = [str(i + 1)]
        for column in columns[1:]:
            cells.append(draw(bad) if draw(st.integers(0, 9)) == 0 else draw(good[column]))
        if draw(st.integers(0, 15)) == 0:
            cells = cells[: draw(st.integers(0, len(cells)))]
        elif draw(st.integers(0, 15)) == 0:
            cells.append("extra")
        rows.append(",".join(cells))
    header = list(columns)
    if draw(st.integers(0, 10)) == 0:
        header.append(draw(st.sampled_from(["glucose", "sex", "serum_magnesium_mmol_l"])))
    return "\n".join([",".join(header), *rows]) + "\n"


@st.composite
def diary_csvs(draw: st.DrawFn) -> str:
    """A food-diary CSV (day, food, amount, unit) with mostly valid and some wrong lines."""
    header = draw(
        st.sampled_from(
            [
                "day,food,amount,unit",
                "day,food,amount,unit",
                "food,amount,unit",
                "day,food,amount,amount,unit",
            ]
        )
    )
    lines = [header]
    for _ in range(draw(st.integers(0, 5))):
        day = draw(st.sampled_from(["2026-10-01", "2026-10-02", "", "2026-13-01", "20261001"]))
        food = draw(st.sampled_from([*_FOODS, "99999", "", "almonds"]))
        amount = draw(st.sampled_from(["100", "1", "0.5", "0", "-1", "inf", "nan", "one", ""]))
        unit = draw(st.sampled_from(["g", "oz", "cup", "1 cup", "g;", "(", "", "medium"]))
        cells = [day, food, amount, unit]
        if draw(st.integers(0, 10)) == 0:
            cells = cells[:-1]
        lines.append(",".join(cells))
    return "\n".join(lines) + "\n"
