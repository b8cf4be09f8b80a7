"""Search across organisations (names and aliases), places, layers, synergies and sources, typos tolerated,
scored in DuckDB on the web index's vocabulary (see :mod:`stackatlas.web.index`)."""

from __future__ import annotations

from typing import Any

from .. import index as web_index
from ..state import Generation
from ._common import MAX_Q, rows

__all__ = ["NEAR_WORD", "score_sql", "search"]


def score_sql(text: str, q: str = "lower($q)") -> str:
    """The similarity of ``text`` to the query ``q`` (lower case): 1 for the same text, 0.97 for a prefix,
    0.93 for a part, else the best of Jaro–Winkler of the whole text, of one of its words (minus 0.02) and
    the Levenshtein similarity."""
    lt = f"lower({text})"
    return f"""CASE WHEN {lt} = {q} THEN 1.0
         WHEN starts_with({lt}, {q}) THEN 0.97
         WHEN contains({lt}, {q}) THEN 0.93
         ELSE greatest(
           jaro_winkler_similarity({lt}, {q}),
           coalesce(list_max(list_transform(
             list_filter(string_split_regex({lt}, '{web_index.WORD_SPLIT}'), lambda w: length(w) > 1),
             lambda w: jaro_winkler_similarity(w, {q}))), 0.0) - 0.02,
           1.0 - levenshtein({lt}, {q}) / greatest(length({text}), length({q}))::DOUBLE)
    END"""


# Places, layers, synergies and sources: short tables, scored whole. Actors: only candidate names and aliases
# are scored, the same way: those with a word near the first word of the query, or near two of its words (a
# word is near a query word when it contains it, starts it or has a Jaro–Winkler similarity >= NEAR_WORD to
# it; the vocabulary is small: about 1,200 words at a million synthetic actors). A name that scores high has
# such words: a prefix or part of the name contains the query's words, and Jaro–Winkler and Levenshtein of
# the whole name need its beginning, or most of its words, to be alike. The candidates are materialised
# before scoring; the best names are then expanded to their actors through the index on name.
_SEARCH = f"""
WITH words AS (SELECT list_filter(string_split_regex(lower($q), '{web_index.WORD_SPLIT}'), lambda x: x <> '') AS ws),
toks AS (SELECT DISTINCT unnest(ws) AS tok FROM words),
near AS MATERIALIZED (
  SELECT v.word, t.tok FROM web.vocab v, toks t
  WHERE contains(v.word, t.tok) OR (length(v.word) > 1 AND starts_with(t.tok, v.word))
     OR jaro_winkler_similarity(v.word, t.tok) >= $near),
cand AS MATERIALIZED (
  SELECT w.text, w.alias FROM web.sword w JOIN near n ON n.word = w.word
  GROUP BY w.text, w.alias
  HAVING bool_or(n.tok = (SELECT ws[1] FROM words))
      OR count(DISTINCT n.tok) >= least(2, (SELECT count(*) FROM toks))),
hits AS MATERIALIZED (
  SELECT text, alias, score FROM (SELECT text, alias, {score_sql("text")} AS score FROM cand) WHERE score >= $threshold),
best_names AS (SELECT text, score FROM hits WHERE NOT alias ORDER BY score DESC, text LIMIT $limit),
others AS (
  SELECT 'place' AS type, p.id, coalesce(p.name_nl, p.name_en) AS label, coalesce(p.name_nl, p.name_en) AS text
  FROM places p
  UNION ALL SELECT 'place', p.id, coalesce(p.name_nl, p.name_en), p.name_en FROM places p WHERE p.name_en IS NOT NULL
  UNION ALL SELECT 'layer', l.id, l.name_en, l.name_en FROM layers l
  UNION ALL SELECT 'layer', l.id, l.name_en, l.name_nl FROM layers l
  UNION ALL SELECT 'layer', l.id, l.name_en, l.id FROM layers l
  UNION ALL SELECT 'synergy', s.id, coalesce(s.name_en, s.name_nl), s.name_nl FROM synergies s
  UNION ALL SELECT 'synergy', s.id, coalesce(s.name_en, s.name_nl), s.name_en FROM synergies s
  UNION ALL SELECT 'source', s.id, s.title, s.title FROM sources s
),
scored AS (
  SELECT type, id, label, text, {score_sql("text")} AS score FROM others WHERE text IS NOT NULL
  UNION ALL
  SELECT 'actor', w.id, w.name, b.text, b.score FROM best_names b JOIN web.actors w ON w.name = b.text
  UNION ALL
  SELECT 'actor', w.id, w.name, h.text, h.score
  FROM hits h JOIN actor_aliases al ON al.alias = h.text JOIN web.actors w ON w.id = al.actor WHERE h.alias
)
SELECT type, id, arg_max(label, score) AS label, arg_max(text, score) AS matched, max(score) AS score
FROM scored GROUP BY type, id HAVING max(score) >= $threshold
ORDER BY score DESC, CASE type WHEN 'actor' THEN 1 WHEN 'place' THEN 2 WHEN 'layer' THEN 3
  WHEN 'synergy' THEN 4 ELSE 5 END, label, id
LIMIT $limit
"""
NEAR_WORD = 0.8  # Jaro–Winkler of a name's word to a query word that makes the name a candidate


def search(gen: Generation, q: str, limit: int = 20) -> list[dict[str, Any]]:
    """Actors (names and aliases), places, layers, synergies and sources matching ``q``, typos tolerated
    (Jaro–Winkler similarity of the whole name or of one of its words, and Levenshtein distance, in DuckDB;
    actor names are candidates when one of their words contains, starts or resembles a word of ``q``)."""
    q = " ".join(q.split())[:MAX_Q]
    if not q:
        return []
    limit = max(1, min(int(limit), 100))
    threshold = 0.86 if len(q) >= 4 else 0.93

    def compute() -> list[dict[str, Any]]:
        out = rows(gen, _SEARCH, {"q": q, "limit": limit, "threshold": threshold, "near": NEAR_WORD})
        for r in out:
            r["score"] = round(float(r["score"]), 4)
        return out

    return gen.cached(("search", q.casefold(), limit), compute)
