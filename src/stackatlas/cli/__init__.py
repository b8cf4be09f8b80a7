"""The ``stackatlas`` command line: a thin layer over the library; errors are translated here."""

from __future__ import annotations

from .base import app, main, run

__all__ = ["app", "main", "run"]
