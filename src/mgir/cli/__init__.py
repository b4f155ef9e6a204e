"""Command-line interface (layer L5): thin Typer commands over the library."""

from __future__ import annotations

from mgir.cli._app import app as app
from mgir.cli._app import main as main

__all__ = ["app", "main"]
