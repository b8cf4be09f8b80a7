"""The JSON API under ``/api`` (and ``/healthz``); list endpoints also give CSV with ``format=csv``.

Page sizes are bounded (``limit`` ≤ 500) and every query runs on the request's database generation. One
module per resource (:mod:`.actors`, :mod:`.relations`, :mod:`.places`, :mod:`.synergies`, :mod:`.search`,
:mod:`.sources`, :mod:`.layers`, :mod:`.network`), each with its router; :data:`router` holds them all, in
this order, and :data:`health` the liveness route. Errors answer the envelope of :mod:`stackatlas.web.errors`.
"""

from __future__ import annotations

from fastapi import APIRouter

from . import actors, layers, network, places, relations, search, sources, synergies, timeline
from .health import router as health

__all__ = ["health", "router"]

router = APIRouter()
for _module in (actors, relations, places, synergies, search, sources, layers, network, timeline):
    router.include_router(_module.router)
