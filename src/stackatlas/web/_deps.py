"""The FastAPI dependency of every route: the database generation a request runs on."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request

from .state import Generation, Store

__all__ = ["Gen", "generation"]


def generation(request: Request) -> Iterator[Generation]:
    """FastAPI dependency: the current database generation, held for the request (and the warm-up hook of
    the app called, which starts warming a generation the first time it is served)."""
    store: Store = request.app.state.store
    with store.use() as gen:
        hook = request.app.state.warm
        if hook is not None:
            hook()
        request.scope.setdefault("state", {})["generation"] = gen.number
        yield gen


#: A route parameter holding the request's generation.
Gen = Annotated[Generation, Depends(generation)]
