"""What the pages and the API show, as plain dicts, computed in DuckDB on the request's database generation.

Everything goes through the library (:class:`~stackatlas.atlas.Atlas` and :mod:`stackatlas.analysis`) or
runs as SQL on the generation's database and its web index (:mod:`stackatlas.web.index`: per-actor sort and
filter columns, actor-in-place pairs, search words, built once per generation in DuckDB). Lists are filtered,
sorted, counted and paged in SQL (pages of at most :data:`MAX_LIMIT` rows); only a page of rows, facet counts
and small look-up tables (layers, places, kinds, ...) ever reach Python. Results are memoised on the
generation (see :mod:`stackatlas.web.state`), so a rebuilt dataset is picked up at once.

One module per resource: :mod:`.actors`, :mod:`.relations`, :mod:`.places` (places, profiles, figures,
layers), :mod:`.sources`, :mod:`.synergies` (curated, discovered, evidence, introductions, guest lists),
:mod:`.network` (bridges, map, integration, sovereignty) and :mod:`.search`, on two shared floors:
:mod:`._common` (SQL on a generation, sorting, paging) and :mod:`._lookups` (the small look-up tables, here
re-exported with the SQL helpers). The routes import the resource modules themselves and read their
constants through them (a test may change one).
"""

from __future__ import annotations

from ._common import MAX_LIMIT, MAX_Q, ready, rows, scalar, sort_rows
from ._lookups import ActorNames, Lookups, check, lookups, stats

__all__ = ["MAX_LIMIT", "MAX_Q", "ActorNames", "Lookups", "check", "lookups", "ready", "rows", "scalar", "sort_rows",
           "stats"]
