# ruff: noqa: E501  (the TOML templates below hold long descriptions)
"""Derive the packaged food tables from the USDA SR28 ASCII files.

Reads ``FOOD_DES.txt``, ``FD_GROUP.txt``, ``NUT_DATA_304_208.txt`` (the SR28 NUT_DATA lines for
nutrient 304, magnesium, and 208, energy in kcal) and ``WEIGHT.txt`` from the raw folder and writes

* ``src/mgir/reference/data/foods.csv.gz`` (+ ``foods.meta.toml``): one row per SR28 food (8,789),
  with magnesium mg/100 g (empty when SR28 has no magnesium value; never zero-filled), kcal/100 g,
  the food group and the number of analytical data points behind the magnesium value;
* ``src/mgir/reference/data/food_portions.csv.gz`` (+ ``food_portions.meta.toml``): the household
  portions of WEIGHT.txt with their gram weights.

Values are copied verbatim as text from the SR files (no rounding). The gzip stream is written with
``mtime=0`` so that the bytes only change when the data change. The SR ASCII format is described
in the SR28 documentation (sr28_doc.pdf): ``~`` delimits text, ``^`` separates fields, latin-1.

Usage::

    python scripts/derive_foods.py [--raw ../shared/data/usda_sr28_raw] [--out src/mgir/reference/data]
    python scripts/derive_foods.py --check   # exit 1 if the shipped files differ from a fresh run
"""

from __future__ import annotations

import argparse
import csv
import gzip
import hashlib
import io
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_RAW = ROOT.parent / "shared" / "data" / "usda_sr28_raw"
DEFAULT_OUT = ROOT / "src" / "mgir" / "reference" / "data"
RAW_FILES = ("FOOD_DES.txt", "FD_GROUP.txt", "NUT_DATA_304_208.txt", "WEIGHT.txt")
SOURCE_KEY = "usda_sr28"
MAGNESIUM, ENERGY_KCAL = "304", "208"

FOOD_COLUMNS = (
    "ndb_id",
    "description",
    "common_name",
    "food_group",
    "mg_per_100g",
    "kcal_per_100g",
    "mg_n_data_points",
    "source_key",
)
PORTION_COLUMNS = ("ndb_id", "seq", "amount", "unit_description", "grams", "source_key")


def read_sr(path: Path) -> list[list[str]]:
    """Read one SR28 ASCII file into rows of text fields (``~`` quotes removed)."""
    text = path.read_bytes().decode("latin-1")
    rows = []
    for line in text.splitlines():
        if not line.strip():
            continue
        rows.append([field.strip("~") for field in line.split("^")])
    return rows


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def derive(raw: Path) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    groups = {row[0]: row[1] for row in read_sr(raw / "FD_GROUP.txt")}
    nutrients: dict[tuple[str, str], tuple[str, str]] = {}
    for row in read_sr(raw / "NUT_DATA_304_208.txt"):
        ndb, nutr, value, n_points = row[0], row[1], row[2], row[3]
        if (ndb, nutr) in nutrients:
            raise SystemExit(f"duplicate nutrient row {ndb} {nutr}")
        nutrients[(ndb, nutr)] = (value, n_points)
    foods = []
    for row in read_sr(raw / "FOOD_DES.txt"):
        ndb, group_code, long_desc, common = row[0], row[1], row[2], row[4]
        mg = nutrients.get((ndb, MAGNESIUM))
        kcal = nutrients.get((ndb, ENERGY_KCAL))
        foods.append(
            {
                "ndb_id": ndb,
                "description": long_desc,
                "common_name": common,
                "food_group": groups[group_code],
                "mg_per_100g": mg[0] if mg else "",
                "kcal_per_100g": kcal[0] if kcal else "",
                "mg_n_data_points": mg[1] if mg else "",
                "source_key": SOURCE_KEY,
            }
        )
    known = {f["ndb_id"] for f in foods}
    portions = []
    for row in read_sr(raw / "WEIGHT.txt"):
        ndb, seq, amount, desc, grams = row[0], row[1], row[2], row[3], row[4]
        if ndb not in known:
            raise SystemExit(f"portion for unknown food {ndb}")
        portions.append(
            {
                "ndb_id": ndb,
                "seq": seq,
                "amount": amount,
                "unit_description": desc,
                "grams": grams,
                "source_key": SOURCE_KEY,
            }
        )
    return foods, portions


def to_csv(rows: list[dict[str, str]], columns: tuple[str, ...]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def render(raw: Path) -> dict[str, bytes]:
    """Return the file name -> bytes of every derived file (gzip files as their CSV text)."""
    foods, portions = derive(raw)
    hashes = "\n".join(f'"{name}" = "{sha256(raw / name)}"' for name in RAW_FILES)
    n_missing = sum(1 for f in foods if f["mg_per_100g"] == "")
    provenance = f"""
[provenance]
derived_by = "scripts/derive_foods.py"
raw_release = "USDA ARS Nutrient Data Laboratory, National Nutrient Database for Standard Reference, Release 28 (SR28)"
raw_files = {list(RAW_FILES)!r}
licence_note = "US government work, public domain in the United States; USDA FoodData Central data are published under CC0 1.0."

[provenance.sha256]
{hashes}
"""
    foods_meta = f"""[table]
title = "USDA SR28 foods: magnesium and energy per 100 g"
version = "SR28"
license = "Public domain (US government work) / CC0-1.0"
rows = {len(foods)}
foods_without_magnesium = {n_missing}
{provenance}
[columns.ndb_id]
type = "str"
description = "SR28 NDB number (5 characters, leading zeros kept); not an FDC id"

[columns.description]
type = "str"
description = "SR28 long description (Long_Desc)"

[columns.common_name]
type = "str"
required = false
description = "SR28 common names (ComName), when given"

[columns.food_group]
type = "str"
description = "SR28 food group (FD_GROUP description)"

[columns.mg_per_100g]
type = "float"
unit = "mg / hg"  # hg = hectogram = 100 g
range = [0, 2000]
required = false
description = "Magnesium (nutrient 304) per 100 g edible portion; empty when SR28 has no value (never zero-filled)"

[columns.kcal_per_100g]
type = "float"
unit = "kcal / hg"  # hg = hectogram = 100 g
range = [0, 1000]
required = false
description = "Energy (nutrient 208) per 100 g edible portion"

[columns.mg_n_data_points]
type = "int"
range = [0, 100000]
required = false
description = "Number of analytical data points behind the magnesium value (0 = calculated or imputed)"

[columns.source_key]
type = "str"
description = "Source key in sources.toml"
"""
    portions_meta = f"""[table]
title = "USDA SR28 household portions and their gram weights"
version = "SR28"
license = "Public domain (US government work) / CC0-1.0"
rows = {len(portions)}
{provenance}
[columns.ndb_id]
type = "str"
description = "SR28 NDB number of the food"

[columns.seq]
type = "int"
range = [1, 100]
description = "Sequence number of the portion within the food (WEIGHT.Seq)"

[columns.amount]
type = "float"
range = [0, 10000]
description = "Number of household units the gram weight refers to (WEIGHT.Amount)"

[columns.unit_description]
type = "str"
description = "Household unit (WEIGHT.Msre_Desc), e.g. cup, tbsp, oz, 'medium (7\\" to 7-7/8\\" long)'"

[columns.grams]
type = "float"
unit = "g"
range = [0, 100000]
description = "Gram weight of `amount` household units (WEIGHT.Gm_Wgt)"

[columns.source_key]
type = "str"
description = "Source key in sources.toml"
"""
    return {
        "foods.csv.gz": to_csv(foods, FOOD_COLUMNS).encode("utf-8"),
        "foods.meta.toml": foods_meta.encode("utf-8"),
        "food_portions.csv.gz": to_csv(portions, PORTION_COLUMNS).encode("utf-8"),
        "food_portions.meta.toml": portions_meta.encode("utf-8"),
    }


def read_shipped(out: Path, name: str) -> bytes:
    data = (out / name).read_bytes()
    return gzip.decompress(data) if name.endswith(".gz") else data


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw", type=Path, default=DEFAULT_RAW)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--check", action="store_true", help="compare with the shipped files")
    args = parser.parse_args(argv)
    files = render(args.raw)
    if args.check:
        stale = [
            n
            for n, data in files.items()
            if not (args.out / n).exists() or read_shipped(args.out, n) != data
        ]
        for name in stale:
            print(f"differs: {name}")
        return 1 if stale else 0
    for name, data in files.items():
        payload = gzip.compress(data, compresslevel=9, mtime=0) if name.endswith(".gz") else data
        (args.out / name).write_bytes(payload)
        print(f"wrote {args.out / name} ({len(payload)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
