"""The JSON API under ``/api`` (and ``/healthz``); list endpoints also give CSV with ``format=csv``.

Page sizes are bounded (``limit`` ≤ 500) and every query runs on the request's database generation. One
module per resource (:mod:`.actors`, :mod:`.relations`, :mod:`.places`, :mod:`.synergies`, :mod:`.search`,
:mod:`.sources`, :mod:`.layers`, :mod:`.network`), each with its router; :data:`router` holds them all, in
this order, :data:`health` the liveness route and :data:`curation` the proposals API of :mod:`.proposals`
(only on an editable dataset folder). Errors answer the envelope of :mod:`stackatlas.web.errors`.
"""

from __future__ import annotations

from fastapi import APIRouter

from . import actors, layers, network, places, proposals, relations, search, sources, synergies, timeline
from .health import router as health

__all__ = ["curation", "health", "router"]

#: The proposals and history API, served only on an editable dataset folder (a read-only atlas has none).
curation = proposals.router

router = APIRouter()
for _module in (actors, relations, places, synergies, search, sources, layers, network, timeline):
    router.include_router(_module.router)
