"""Probabilistic record linkage of organisations with Splink (Fellegi–Sunter), for ``dedupe`` and linking.

Splink is the field's standard open tool for entity resolution at scale: it generates candidate pairs by
blocking rules and scores them with the Fellegi & Sunter (1969) model, in SQL on DuckDB (default) or Spark.
For two records the match weight is

    w = log2(λ / (1 - λ)) + Σ_k log2(m_k,γ / u_k,γ)

over the comparisons k, with γ the level a pair reaches on k (exact name, Jaro–Winkler ≥ 0.95, ...),
m = P(level | match), u = P(level | non-match) and λ the prior that two random records match; the match
probability is 2^w / (1 + 2^w). λ is estimated from the data (``estimate_probability_two_random_records_match``):
the share of all pairs that agree on the whole name key or a strong key, taken as 70 % of the matches.

The model (:func:`settings`): names are compared on their key (:func:`~.normalise.name_key`: case, accents,
punctuation and legal forms removed) by exact match, by the words of one being all among the other's
("mollie" within "mollie payments"), and by Jaro–Winkler at 0.95 / 0.88 / 0.75; the website
domain, the Wikidata id and a registry id (LEI, KvK) by exact match; the head office by exact match. The
m probabilities are set, not learned (priors, below); u is estimated by random sampling of the records
being linked (``estimate_u_using_random_sampling``), so how common a name or a city is in *these* data sets
the weight of agreeing on it. The m priors are the chance that two records of one organisation agree:
names exactly 0.55, words within 0.15, JW ≥ 0.95 0.15, ≥ 0.88 0.07, ≥ 0.75 0.04; a domain, a Wikidata id or a registry id
0.95 when both have one (missing values are neutral); the head office 0.75. Expectation maximisation is
not used: exports of companies have few columns, strongly correlated (a domain and a name), where EM
drifts (Splink's own guidance); with labels, :meth:`splink.Linker.training.estimate_m_from_pairwise_labels`
could replace the priors.

Blocking (which pairs are scored at all): the same name key, the same first four letters of the key, the
same *rarest* name token (the token of a name that fewest records share, so "Mollie" and "Mollie
Payments" meet), the same domain, Wikidata id or registry id. Pairs are deduplicated across rules.

Reference: Fellegi, I. P. & Sunter, A. B. (1969). A theory for record linkage. JASA 64(328), 1183–1210.
Linacre, R. et al. (2022). Splink: free software for probabilistic record linkage at scale. IJPDS 7(3).
"""

from __future__ import annotations

import logging
from typing import Any, Literal

import duckdb
import pyarrow as pa

from .normalise import domain_of, name_key

__all__ = ["M_PRIORS", "link", "records_table", "settings"]

#: m probabilities (chance that two records of the same organisation reach the level), highest level first.
M_PRIORS: dict[str, list[float]] = {
    "name": [0.55, 0.15, 0.15, 0.07, 0.04, 0.04],
    "domain": [0.95, 0.05], "wikidata": [0.95, 0.05], "regid": [0.95, 0.05], "hq": [0.75, 0.25],
}
#: Hosts many organisations share (a profile page there says nothing about identity).
_SHARED = ("linkedin.com", "facebook.com", "twitter.com", "x.com", "instagram.com", "github.com",
           "youtube.com", "google.com", "wikipedia.org", "medium.com", "crunchbase.com", "dealroom.co",
           "kvk.nl", "example.com")


def _regid(rec: dict[str, Any]) -> str | None:
    for tag in rec.get("tags") or []:
        if tag.startswith("lei-") or tag.startswith("kvk-"):
            return str(tag)
    return None


def records_table(recs: list[dict[str, Any]], *, offset: int = 0) -> pa.Table:
    """The columns the model compares, one row per actor record (``unique_id`` = ``offset`` + position)."""
    def dom(r: dict[str, Any]) -> str | None:
        d = domain_of(r.get("website"))
        return None if not d or d in _SHARED or d.endswith(".example") else d

    keys = [name_key(str(r.get("name") or "")) or None for r in recs]
    return pa.table({
        "unique_id": pa.array(range(offset, offset + len(recs)), pa.int64()),
        "name": pa.array(keys, pa.string()),
        "domain": pa.array([dom(r) for r in recs], pa.string()),
        "wikidata": pa.array([r.get("wikidata") or None for r in recs], pa.string()),
        "regid": pa.array([_regid(r) for r in recs], pa.string()),
        "hq": pa.array([r.get("hq") or None for r in recs], pa.string()),
    })


_PREPARE = """
CREATE OR REPLACE TABLE prepared AS
WITH src AS ({union}),
toks AS (
  SELECT unique_id, unnest(string_split(name, ' ')) AS tok FROM src WHERE name IS NOT NULL),
freq AS (SELECT tok, count(*) AS n FROM toks WHERE length(tok) >= 3 GROUP BY tok),
rare AS (
  SELECT t.unique_id, first(t.tok ORDER BY f.n, t.tok) AS rare_token
  FROM toks t JOIN freq f USING (tok) GROUP BY t.unique_id)
SELECT s.*, substr(s.name, 1, 4) AS prefix4, r.rare_token
FROM src s LEFT JOIN rare r USING (unique_id)
"""


def _prepare(con: duckdb.DuckDBPyConnection, tables: list[pa.Table]) -> list[str]:
    """Register the record tables, add the blocking keys (token frequencies over all of them) and return
    one table name per input."""
    for k, t in enumerate(tables):
        con.register(f"_in{k}", t)
    union = " UNION ALL ".join(f"SELECT *, {k} AS _side FROM _in{k}" for k in range(len(tables)))
    con.execute(_PREPARE.format(union=union))
    names = []
    for k in range(len(tables)):
        con.execute(f"CREATE OR REPLACE TABLE in{k} AS SELECT * EXCLUDE (_side) FROM prepared WHERE _side = {k}")
        names.append(f"in{k}")
    return names


def settings(*, link_type: Literal["link_only", "dedupe_only"]) -> Any:
    """The Splink settings of the organisation model (see the module's docstring)."""
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    def name_comparison() -> Any:
        """Exact, one name's words all in the other's ("Mollie" in "Mollie Payments"), Jaro–Winkler."""
        m = M_PRIORS["name"]
        within = ("list_has_all(string_split(name_l, ' '), string_split(name_r, ' ')) OR "
                  "list_has_all(string_split(name_r, ' '), string_split(name_l, ' '))")
        levels: list[Any] = [cll.NullLevel("name"), cll.ExactMatchLevel("name"),
                  cll.CustomLevel(within, label_for_charts="words of one name within the other"),
                  *[cll.JaroWinklerLevel("name", x) for x in (0.95, 0.88, 0.75)], cll.ElseLevel()]
        for lv, mp in zip(levels[1:], m, strict=True):
            lv.configure(m_probability=mp)
        return cl.CustomComparison(output_column_name="name", comparison_levels=levels)

    def key(col: str) -> Any:  # agreement on a strong key: m and u fixed, never re-estimated
        m = M_PRIORS[col]
        return cl.CustomComparison(output_column_name=col, comparison_levels=[
            cll.NullLevel(col),
            cll.ExactMatchLevel(col).configure(m_probability=m[0], u_probability=1e-7, fix_m_probability=True,
                                               fix_u_probability=True),
            cll.ElseLevel().configure(m_probability=m[1], u_probability=1 - 1e-7, fix_m_probability=True,
                                      fix_u_probability=True)])

    return SettingsCreator(
        link_type=link_type,
        unique_id_column_name="unique_id",
        probability_two_random_records_match=1e-4,
        comparisons=[
            name_comparison(),
            key("domain"), key("wikidata"), key("regid"),
            cl.ExactMatch("hq").configure(m_probabilities=M_PRIORS["hq"]),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("name"), block_on("prefix4"), block_on("rare_token"), block_on("domain"),
            block_on("wikidata"), block_on("regid"),
        ],
        retain_intermediate_calculation_columns=True,
    )


def link(left: pa.Table, right: pa.Table | None = None, *, min_probability: float = 0.5,
         backend: str = "duckdb", seed: int = 0, max_pairs: float = 1e6) -> pa.Table:
    """Scored candidate pairs (``i``, ``j``, ``probability``, ``gamma_*`` levels) between ``left`` and
    ``right`` (two sources: ``link_only``), or within ``left`` (``dedupe_only``), from :func:`records_table`
    tables; only pairs with at least ``min_probability``.

    ``backend``: ``duckdb`` (in-process) or ``spark`` (a local Spark session, for data beyond one machine's
    memory).
    """
    from splink import Linker

    con = duckdb.connect()
    names = _prepare(con, [left] if right is None else [left, right])
    if backend == "spark":  # the same model on a local Spark session
        from pyspark.sql import SparkSession
        from splink import SparkAPI

        spark = SparkSession.builder.master("local[*]").config("spark.ui.enabled", "false").getOrCreate()
        api: Any = SparkAPI(spark_session=spark)
        inputs: list[Any] = [spark.createDataFrame(con.execute(f"SELECT * FROM {n}").df()) for n in names]
    else:
        from splink import DuckDBAPI

        api = DuckDBAPI(connection=con)
        inputs = list(names)
    sdfs = [api.register(t, dataset_display_name=f"s{k}") for k, t in enumerate(inputs)]
    linker = Linker(sdfs if len(sdfs) > 1 else sdfs[0],
                    settings(link_type="dedupe_only" if right is None else "link_only"), log_level=logging.ERROR)
    from splink import block_on

    # λ from the pairs that agree on a strong key or the whole name key, taken to be 70 % of the matches
    linker.training.estimate_probability_two_random_records_match(
        [block_on("name"), block_on("domain"), block_on("wikidata"), block_on("regid")], recall=0.7)
    linker.training.estimate_u_using_random_sampling(max_pairs=max_pairs, seed=seed)
    pred = linker.inference.predict(threshold_match_probability=min_probability)
    cols = ("unique_id_l AS i, unique_id_r AS j, match_probability AS probability, gamma_name, gamma_domain, "
            "gamma_wikidata, gamma_regid, gamma_hq")
    if backend == "spark":
        return pa.Table.from_pandas(pred.as_spark_dataframe().selectExpr(*cols.split(", ")).toPandas(),
                                    preserve_index=False)
    return con.sql(f"SELECT {cols} FROM {pred.physical_name}").to_arrow_table()
