"""The web atlas: ``create_app(data=None, db=None)`` builds the FastAPI application (``stackatlas serve``)."""

from __future__ import annotations

from .app import create_app

__all__ = ["create_app"]
