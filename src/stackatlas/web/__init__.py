"""The web atlas: ``create_app(data=None, db=None)`` builds the FastAPI application (``stackatlas serve``);
``log_config()`` (a bounded access log) and ``server_headers()`` are what ``uvicorn.run`` gets with it."""

from __future__ import annotations

from ._logging import log_config
from ._middleware import server_headers
from .app import create_app

__all__ = ["create_app", "log_config", "server_headers"]
