"""The HTML pages: server-rendered with Jinja2 (autoescape on), each rendered page cached per generation.

One module per resource (:mod:`.home`, :mod:`.search`, :mod:`.actors`, :mod:`.relations`, :mod:`.places`,
:mod:`.layers`, :mod:`.synergies` with the comparison of two places, :mod:`.network`, :mod:`.sources`,
:mod:`.docs`; team curation: :mod:`.auth`, :mod:`.propose`, :mod:`.review`), each with its router; :data:`router` holds them all. Error pages: :mod:`stackatlas.web.errors`.
"""

from __future__ import annotations

from fastapi import APIRouter

from . import (
    actors,
    auth,
    docs,
    home,
    layers,
    network,
    places,
    propose,
    relations,
    review,
    search,
    sources,
    synergies,
    timeline,
)

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
# auth, propose and review first: /actors/new and /actors/{id}/edit before /actors/{id}
for _module in (auth, propose, review, home, search, actors, relations, places, layers, synergies, network, timeline,
                sources, docs):
    router.include_router(_module.router)
