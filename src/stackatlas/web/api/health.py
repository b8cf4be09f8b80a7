"""Liveness: ``/healthz``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from .. import queries as Q
from ._common import Gen

__all__ = ["router"]

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz(gen: Gen) -> dict[str, Any]:
    """Liveness, which build of the data is being served, and whether its expensive analyses are computed
    (``warm``: the warm-up that starts with the first request of a build has finished)."""
    lk = Q.lookups(gen)
    return {"status": "ok", "dataset": lk.meta.get("id"), "version": lk.meta.get("version"),
            "content_hash": gen.content_hash, "generation": gen.number, "actors": len(lk.actor),
            "compare": [p for p in lk.compare if p], "warm": gen.warm}

