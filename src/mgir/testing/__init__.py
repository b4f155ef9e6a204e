"""Public Hypothesis strategies for mgir's inputs (needs the ``test`` extra: hypothesis).

``person_documents()`` draws valid person files (spec version 1) over the whole input space mgir
accepts: ages from infancy to old age, every lab in every accepted unit, conditions, known and
unknown medicines with times, food diaries and supplements already taken. ``mutated(...)`` turns
any document into the kind of input people type by mistake: a key dropped or misspelt, a number
made text, NaN, infinity, a negative or absurd value, a unit mangled, an item repeated. Fuzz tests
and the agreement test draw from them; so can anyone testing code built on mgir.
"""

from __future__ import annotations

from mgir.testing._strategies import care_options as care_options
from mgir.testing._strategies import csv_tables as csv_tables
from mgir.testing._strategies import diary_csvs as diary_csvs
from mgir.testing._strategies import mutated as mutated
from mgir.testing._strategies import person_documents as person_documents

__all__ = ["care_options", "csv_tables", "diary_csvs", "mutated", "person_documents"]
