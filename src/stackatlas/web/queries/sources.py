"""Sources (a short table, filtered and sorted in Python) with the number of facts citing each, and one source
with a page of the facts that cite it."""

from __future__ import annotations

from typing import Any

from ...atlas import records
from ..state import Generation
from ._common import rows, run
from ._lookups import check, lookups

__all__ = ["MAX_CITED", "SOURCE_SORTS", "source_detail", "sources"]

MAX_CITED = 1000        # citations listed on a source's page (the API pages them)
SOURCE_SORTS = ("id", "title", "date", "publisher", "type", "citations")


def sources(gen: Generation, *, type: str | None = None, q: str | None = None) -> list[dict[str, Any]]:  # noqa: A002
    """Sources (a short table) with the number of facts citing each (counted in SQL once per generation)."""
    def compute() -> list[dict[str, Any]]:
        out = gen.cached("sources:all", lambda: run(gen, lambda a: records(a.sources())))
        if type:
            out = [r for r in out if r["type"] == type]
        if q:
            ql = q.casefold()
            out = [r for r in out if ql in " ".join(str(r.get(k) or "") for k in ("id", "title", "author",
                                                                                  "publisher")).casefold()]
        return out

    return gen.cached(("sources", type, q), compute)


def source_detail(gen: Generation, ident: str, limit: int = MAX_CITED, offset: int = 0) -> dict[str, Any]:
    """A source and the facts that cite it (``cited_total`` of them; ``cited_by`` a page of at most ``limit``
    in order of subject type, subject and position)."""
    lk = lookups(gen)
    check(lk, "source", ident)
    limit = max(1, min(int(limit), MAX_CITED))
    offset = max(0, int(offset))

    def compute() -> dict[str, Any]:
        rec = dict(next(r for r in sources(gen) if r["id"] == ident))
        rec["cited_by"] = rows(gen, f"""SELECT subject_type, subject, locator, confidence FROM citations
            WHERE source = $s ORDER BY subject_type, subject, position LIMIT {limit} OFFSET {offset}""", {"s": ident})
        rec["cited_total"] = int(rec.get("citations") or 0)
        return rec

    return gen.cached(("source", ident, limit, offset), compute)
