"""The sources registry: every source key used anywhere in mgir resolves here to a citation."""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from types import MappingProxyType
from typing import Final, Literal

from mgir._errors import ReferenceDataError

__all__ = ["QUALITIES", "Source", "cite", "source", "sources"]

Quality = Literal["primary", "secondary", "low_quality", "derived", "internal"]
QUALITIES: Final[tuple[str, ...]] = ("primary", "secondary", "low_quality", "derived", "internal")


@dataclass(frozen=True, slots=True)
class Source:
    """One citable source.

    Attributes
    ----------
    key
        The key other tables and results use (``"iom1997"``).
    citation
        Human-readable citation.
    quality
        ``primary`` (the original publication or label), ``secondary`` (a reproduction or
        review read in its place), ``low_quality`` (e.g. an AI-generated summary; shown as such),
        ``derived`` (arithmetic done by mgir from cited numbers), ``internal`` (an mgir
        engineering choice that is not a clinical claim).
    url, doi, pmid
        Where it is published: the DOI, the PubMed id, and the publisher's, agency's or PubMed
        page.
    read_at
        The page that was actually read, when it differs from ``url`` (a reproduction, an
        abstract mirror, a summary).
    note
        What was and was not verified.
    """

    key: str
    citation: str
    quality: Quality
    url: str | None = None
    doi: str | None = None
    pmid: str | None = None
    read_at: str | None = None
    note: str | None = None


@cache
def sources() -> Mapping[str, Source]:
    """Return the whole registry, keyed by source key."""
    text = resources.files("mgir.reference").joinpath("data/sources.toml").read_text("utf-8")
    raw = tomllib.loads(text)
    out: dict[str, Source] = {}
    for key, entry in raw.items():
        quality = entry.get("quality")
        if quality not in QUALITIES:
            raise ReferenceDataError(
                f"sources.toml [{key}]: quality {quality!r} not in {QUALITIES}"
            )
        if not entry.get("citation"):
            raise ReferenceDataError(f"sources.toml [{key}]: citation is required")
        out[key] = Source(
            key=key,
            citation=str(entry["citation"]),
            quality=quality,
            url=entry.get("url"),
            doi=entry.get("doi"),
            pmid=entry.get("pmid"),
            read_at=entry.get("read_at"),
            note=entry.get("note"),
        )
    return MappingProxyType(out)


def source(key: str) -> Source:
    """Return the source for ``key``.

    Raises
    ------
    ReferenceDataError
        If the key is not in the registry (a bug in mgir's data, never the user's input).
    """
    try:
        return sources()[key]
    except KeyError:
        raise ReferenceDataError(f"source key {key!r} does not resolve in sources.toml") from None


def cite(keys: Iterable[str]) -> tuple[Source, ...]:
    """Resolve several keys, dropping duplicates and keeping first-seen order."""
    seen: dict[str, Source] = {}
    for key in keys:
        for raw_part in key.split(";"):
            part = raw_part.strip()
            if part and part not in seen:
                seen[part] = source(part)
    return tuple(seen.values())
