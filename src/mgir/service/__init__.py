"""The clinic service (layer L5): a FastAPI application over the clinical pipeline and storage.

``create_app(database_url)`` builds the app (API under ``/api``, the dashboard's pages, and
its static assets); ``mgir serve`` runs it with uvicorn. The service holds no clinical logic:
routes call :mod:`mgir.care` and the :mod:`mgir.storage` repositories.
"""

from __future__ import annotations

from mgir.service._app import create_app as create_app

__all__ = ["create_app"]
