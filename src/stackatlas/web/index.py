"""The web index: a few derived tables that let every page run as a bounded query, built once per
database generation in DuckDB (a file of its own, attached as ``web``; see :meth:`Generation.index`).

- ``web.actors``: one row per actor in name order (``rid`` = position by lower-case name, name, id; ``row_id``
  its row in ``actors``, for a look-up of its other columns without a scan) with the
  columns lists sort and filter on: kind, head office (and its municipality and country), control, parent, number of ties (relations at either
  end) and of layer entries, the distinct layers and the domains. Indexed on ``id`` and ``name``.
- ``web.inplace``: (place, rid) for every place an actor is in, from the database's ``actor_places`` (its
  head office, head-office municipality or country, or a site that is not closed, or a region/province/country
  containing one of those municipalities: what ``Atlas.actors(place=...)`` means) with the actors numbered by
  ``rid``. Sorted by place, so one place is a narrow range.
- ``web.stext``, ``web.sword`` and ``web.vocab``: the distinct names and aliases of actors, each under every
  word of it (sorted by word), and the vocabulary of words, for search: a query's words are matched against
  the small vocabulary first, and only names with a matching word are scored (see
  :func:`stackatlas.web.queries.search`).
- ``web.cards``: one row per actor with everything its page shows about itself (the columns of ``actors``,
  its aliases, sites with their details, layer entries, sources, tags, main layer and first
  :data:`MAX_CHILDREN` subsidiaries, as lists), aggregated set-wise here so that a first visit of an actor
  page reads one row instead of running ten queries. Indexed on ``id``.
- ``web.ego``: per actor with ties, its first :data:`EGO_LIMIT` partners for the ego network (most ties
  first, then the partner met first in date order), each with its number of ties and main layer, as one list:
  what the actor page draws, looked up instead of ranking the actor's ties on every first visit. Indexed on
  ``actor``.
- ``web.hub_edges``: the relations between two hubs (actors with more than :data:`HUB_TIES` ties; 187 hubs
  and 27,000 ties at a million synthetic actors), so that the ties among an ego network's nodes are index
  look-ups of the nodes that are no hubs plus this short table (not every tie of every hub).

Built with ``CREATE TABLE ... AS SELECT`` from the compiled tables: nothing passes through Python.
"""

from __future__ import annotations

import duckdb

__all__ = ["EGO_LIMIT", "HUB_TIES", "MAX_CHILDREN", "WORD_SPLIT", "build"]

WORD_SPLIT = "[^a-z0-9à-ü]+"
HUB_TIES = 1000  # actors with more ties are hubs: the ties among hubs are kept apart (web.hub_edges)
MAX_CHILDREN = 500  # subsidiaries listed on an actor's page (web.cards)
EGO_LIMIT = 40  # partners drawn in an actor's ego network (web.ego)

_SQL = [
    """
CREATE TABLE web.actors AS
WITH deg AS (
  SELECT a AS id, count(*)::INTEGER AS ties
  FROM (SELECT from_actor AS a FROM relations UNION ALL SELECT to_actor FROM relations) GROUP BY a),
lay AS (
  SELECT actor AS id, count(*)::INTEGER AS nlayers, list(DISTINCT layer) AS layer_ids
  FROM actor_layers GROUP BY actor),
dom AS (SELECT actor AS id, list(domain ORDER BY position) AS domains FROM actor_domains GROUP BY actor)
SELECT (row_number() OVER (ORDER BY lower(a.name), a.name, a.id) - 1)::INTEGER AS rid, a.rowid AS row_id,
  a.id, a.name, lower(a.name) AS lname, a.kind, a.hq, a.hq_municipality, a.hq_country, a.control_country,
  a.parent,
  coalesce(deg.ties, 0)::INTEGER AS ties, lay.nlayers, coalesce(lay.layer_ids, []) AS layer_ids,
  coalesce(dom.domains, []) AS domains
FROM actors a LEFT JOIN deg ON deg.id = a.id LEFT JOIN lay ON lay.id = a.id LEFT JOIN dom ON dom.id = a.id
ORDER BY rid""",
    "CREATE INDEX web_actors_id ON web.actors(id)",
    "CREATE INDEX web_actors_name ON web.actors(name)",
    """
CREATE TABLE web.inplace AS
SELECT DISTINCT ap.place, w.rid FROM actor_places ap JOIN web.actors w ON w.id = ap.actor
ORDER BY ap.place, w.rid""",
    """
CREATE TABLE web.stext AS
SELECT DISTINCT name AS text, lower(name) AS ltext, false AS alias FROM actors WHERE name IS NOT NULL
UNION ALL
SELECT DISTINCT alias, lower(alias), true FROM actor_aliases WHERE alias IS NOT NULL""",
    f"""
CREATE TABLE web.sword AS
SELECT DISTINCT word, text, alias
FROM (SELECT unnest(string_split_regex(ltext, '{WORD_SPLIT}')) AS word, text, alias FROM web.stext)
WHERE word <> '' ORDER BY word""",
    "CREATE TABLE web.vocab AS SELECT word, count(*)::INTEGER AS texts FROM web.sword GROUP BY word ORDER BY word",
    f"""
CREATE TABLE web.cards AS
WITH al AS (SELECT actor, list(alias ORDER BY position) AS v FROM actor_aliases GROUP BY actor),
si AS (SELECT actor, list(place ORDER BY position) AS v,
              list(struct_pack(place := place, municipality := municipality, function := function, status := status)
                   ORDER BY position) AS details
       FROM actor_sites GROUP BY actor),
la AS (SELECT actor, list(struct_pack(layer := layer, sublayer := sublayer, offering := offering, role := role)
                          ORDER BY position) AS v, arg_min(layer, position) AS main
       FROM actor_layers GROUP BY actor),
ci AS (SELECT subject AS actor, list(struct_pack(source := source, locator := locator, confidence := confidence)
                                     ORDER BY position) AS v
       FROM citations WHERE subject_type = 'actor' GROUP BY subject),
tg AS (SELECT actor, list(tag ORDER BY position) AS v FROM actor_tags GROUP BY actor),
ch AS (SELECT parent AS actor, list(id ORDER BY name, id)[1:{MAX_CHILDREN}] AS v
       FROM actors WHERE parent IS NOT NULL GROUP BY parent)
SELECT w.rid, a.id, a.name, coalesce(al.v, []) AS aliases, a.kind, a.hq, coalesce(si.v, []) AS sites,
  la.v AS layers, w.domains, a.control_country, a.parent, coalesce(ci.v, []) AS sources, w.ties,
  a.helix, a.hq_municipality, a.hq_country, a.control_bloc, a.founded, a.dissolved, a.website, a.wikidata,
  a.description_nl, a.description_en, a.defined_at, coalesce(si.details, []) AS site_details,
  coalesce(ch.v, []) AS children, coalesce(tg.v, []) AS tags, la.main AS main_layer
FROM web.actors w JOIN actors a ON a.rowid = w.row_id
  LEFT JOIN al ON al.actor = a.id LEFT JOIN si ON si.actor = a.id LEFT JOIN la ON la.actor = a.id
  LEFT JOIN ci ON ci.actor = a.id LEFT JOIN tg ON tg.actor = a.id LEFT JOIN ch ON ch.actor = a.id
ORDER BY w.rid""",
    "CREATE INDEX web_cards_id ON web.cards(id)",
]
# the partners of each actor: both ends of every tie that is not a self-tie, numbered per actor in date order
# (date_start, then id: the order of the actor page's list of ties); a partner ranks by its ties, then by the
# first tie with it
_EGO = """
CREATE TABLE web.ego AS
WITH e AS (SELECT from_actor AS actor, to_actor AS other, date_start, id FROM relations WHERE from_actor <> to_actor
           UNION ALL
           SELECT to_actor, from_actor, date_start, id FROM relations WHERE from_actor <> to_actor),
n AS (SELECT actor, other, row_number() OVER (PARTITION BY actor ORDER BY date_start NULLS LAST, id) AS rn FROM e),
p AS (SELECT actor, other, min(rn) AS first FROM n GROUP BY actor, other),
k AS (SELECT p.actor, p.other, coalesce(w.ties, 0) AS ties, c.main_layer, p.first,
             row_number() OVER (PARTITION BY p.actor ORDER BY coalesce(w.ties, 0) DESC, p.first) AS k
      FROM p LEFT JOIN web.actors w ON w.id = p.other LEFT JOIN web.cards c ON c.id = p.other)
SELECT actor, list(struct_pack(id := other, ties := ties, layer := main_layer) ORDER BY k) AS partners
FROM k WHERE k <= {limit} GROUP BY actor ORDER BY actor"""

_HUB_EDGES = """
CREATE TABLE web.hub_edges AS
WITH hubs AS (SELECT id FROM web.actors WHERE ties > {hub})
SELECT r.id, r.type, r.family, r.from_actor, r.to_actor, r.date_start FROM relations r
WHERE r.from_actor IN (SELECT id FROM hubs) AND r.to_actor IN (SELECT id FROM hubs)
ORDER BY r.from_actor"""


def build(cur: duckdb.DuckDBPyConnection) -> None:
    """Create the tables of the web index on ``cur`` (the index database is attached as ``web``)."""
    for sql in _SQL:
        cur.execute(sql)
    cur.execute(_EGO.format(limit=int(EGO_LIMIT)))
    cur.execute("CREATE INDEX web_ego_actor ON web.ego(actor)")
    cur.execute(_HUB_EDGES.format(hub=int(HUB_TIES)))
