"""Write the JSON Schemas of mgir's inputs and outputs to docs/schemas/.

Run: python scripts/export_schemas.py

The test suite checks that the published files equal what the installed package generates.
"""

from __future__ import annotations

import json
from pathlib import Path

from mgir.care import schemas
from mgir.trials import schemas as trial_schemas

OUT = Path(__file__).resolve().parents[1] / "docs" / "schemas"


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, schema in {**schemas(), **trial_schemas()}.items():
        path = OUT / f"{name}.json"
        path.write_text(json.dumps(schema, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
