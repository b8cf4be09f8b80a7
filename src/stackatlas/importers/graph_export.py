"""Export the compiled dataset as a graph: actors as nodes, relations as edges.

Formats: GEXF 1.3 and GraphML (Gephi, networkx, yEd, Cytoscape), CSV (``nodes.csv`` + ``edges.csv``,
neutralised against spreadsheet formulas by :func:`stackatlas.present.output.to_csv`) and FollowTheMoney entities
as JSON lines (``Company``/``Organization``/``PublicBody`` for actors; ``Ownership``, ``Membership``,
``Succession``, ``Payment`` or ``UnknownLink`` for relations). Rows are read from DuckDB in chunks and
written as they come, so a large dataset does not have to fit in memory as objects.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO
from xml.sax.saxutils import escape, quoteattr

import duckdb

from ..present.output import to_csv

__all__ = ["EDGE_ATTRS", "FORMATS", "NODE_ATTRS", "ExportResult", "export_graph", "ftm_entities"]

FORMATS = ("gexf", "graphml", "csv", "ftm")
CHUNK = 50_000

#: Node attributes: (name, type) with type string, double, integer or boolean.
NODE_ATTRS = (("name", "string"), ("kind", "string"), ("helix", "string"), ("layers", "string"),
              ("sublayers", "string"), ("core_layer", "string"), ("domains", "string"), ("hq", "string"),
              ("municipality", "string"), ("country", "string"), ("control_country", "string"),
              ("control_bloc", "string"), ("founded", "string"), ("website", "string"), ("wikidata", "string"),
              ("latitude", "double"), ("longitude", "double"))
EDGE_ATTRS = (("type", "string"), ("family", "string"), ("directed", "boolean"), ("date", "string"),
              ("status", "string"), ("amount_value", "double"), ("amount_currency", "string"),
              ("stake_pct", "double"), ("role", "string"))

_NODES_SQL = """
SELECT a.id, a.name, a.kind, a.helix,
       (SELECT string_agg(DISTINCT l.layer, ';' ORDER BY l.layer) FROM actor_layers l WHERE l.actor = a.id) AS layers,
       (SELECT string_agg(DISTINCT l.layer || '/' || l.sublayer, ';' ORDER BY l.layer || '/' || l.sublayer)
          FROM actor_layers l WHERE l.actor = a.id AND l.sublayer IS NOT NULL) AS sublayers,
       (SELECT first(l.layer ORDER BY l.position) FROM actor_layers l WHERE l.actor = a.id AND l.role = 'core')
          AS core_layer,
       (SELECT string_agg(d.domain, ';' ORDER BY d.position) FROM actor_domains d WHERE d.actor = a.id) AS domains,
       a.hq, a.hq_municipality AS municipality, upper(c.code) AS country, a.control_country, a.control_bloc,
       a.founded, a.website, a.wikidata, coalesce(p.lat, m.lat) AS latitude, coalesce(p.lon, m.lon) AS longitude
FROM actors a
LEFT JOIN places p ON p.id = a.hq
LEFT JOIN places m ON m.id = a.hq_municipality
LEFT JOIN places c ON c.id = a.hq_country
ORDER BY a.rowid
"""
_EDGES_SQL = """
SELECT r.id, r.from_actor AS source, r.to_actor AS target, r.type, r.family, r.directed, r.date, r.status,
       r.amount_value, r.amount_currency, r.stake_pct, r.role
FROM relations r ORDER BY r.rowid
"""

_BAD_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass
class ExportResult:
    path: Path
    nodes: int
    edges: int


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> Iterator[dict[str, Any]]:
    cur = con.cursor()
    try:
        cur.execute(sql)
        cols = [d[0] for d in cur.description]
        while batch := cur.fetchmany(CHUNK):
            for row in batch:
                yield dict(zip(cols, row, strict=True))
    finally:
        cur.close()


def _text(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return repr(v)
    return _BAD_XML.sub("", str(v))


def _gexf(con: duckdb.DuckDBPyConnection, fh: TextIO) -> tuple[int, int]:
    fh.write('<?xml version="1.0" encoding="UTF-8"?>\n'
             '<gexf xmlns="http://gexf.net/1.3" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
             'xsi:schemaLocation="http://gexf.net/1.3 http://gexf.net/1.3/gexf.xsd" version="1.3">\n'
             '  <meta><creator>stackatlas</creator><description>actors (nodes) and relations (edges) of a '
             'stackatlas dataset</description></meta>\n'
             '  <graph defaultedgetype="directed" mode="static">\n')
    for cls, attrs in (("node", NODE_ATTRS), ("edge", EDGE_ATTRS)):
        fh.write(f'    <attributes class="{cls}">\n')
        for i, (name, typ) in enumerate(attrs):
            fh.write(f'      <attribute id="{cls[0]}{i}" title="{name}" type="{typ}"/>\n')
        fh.write("    </attributes>\n")
    fh.write("    <nodes>\n")
    n = 0
    for r in _rows(con, _NODES_SQL):
        n += 1
        vals = "".join(f'<attvalue for="n{i}" value={quoteattr(_text(r[a]))}/>'
                       for i, (a, _) in enumerate(NODE_ATTRS) if r.get(a) is not None)
        fh.write(f'      <node id={quoteattr(r["id"])} label={quoteattr(_text(r["name"]))}>'
                 f"<attvalues>{vals}</attvalues></node>\n")
    fh.write("    </nodes>\n    <edges>\n")
    e = 0
    for r in _rows(con, _EDGES_SQL):
        e += 1
        vals = "".join(f'<attvalue for="e{i}" value={quoteattr(_text(r[a]))}/>'
                       for i, (a, _) in enumerate(EDGE_ATTRS) if r.get(a) is not None)
        kind = "directed" if r["directed"] else "undirected"
        fh.write(f'      <edge id={quoteattr(r["id"])} source={quoteattr(r["source"])} '
                 f'target={quoteattr(r["target"])} type="{kind}" label={quoteattr(r["type"])}>'
                 f"<attvalues>{vals}</attvalues></edge>\n")
    fh.write("    </edges>\n  </graph>\n</gexf>\n")
    return n, e


def _graphml(con: duckdb.DuckDBPyConnection, fh: TextIO) -> tuple[int, int]:
    types = {"string": "string", "double": "double", "integer": "int", "boolean": "boolean"}
    fh.write('<?xml version="1.0" encoding="UTF-8"?>\n'
             '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" '
             'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
             'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns '
             'http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">\n')
    for cls, attrs in (("node", NODE_ATTRS), ("edge", EDGE_ATTRS)):
        for name, typ in attrs:
            fh.write(f'  <key id="{cls[0]}_{name}" for="{cls}" attr.name="{name}" attr.type="{types[typ]}"/>\n')
    fh.write('  <graph id="stackatlas" edgedefault="directed">\n')
    n = e = 0
    for r in _rows(con, _NODES_SQL):
        n += 1
        data = "".join(f'<data key="n_{a}">{escape(_text(r[a]))}</data>' for a, _ in NODE_ATTRS
                       if r.get(a) is not None)
        fh.write(f"    <node id={quoteattr(r['id'])}>{data}</node>\n")
    for r in _rows(con, _EDGES_SQL):
        e += 1
        data = "".join(f'<data key="e_{a}">{escape(_text(r[a]))}</data>' for a, _ in EDGE_ATTRS
                       if r.get(a) is not None)
        directed = "true" if r["directed"] else "false"
        fh.write(f"    <edge id={quoteattr(r['id'])} source={quoteattr(r['source'])} target={quoteattr(r['target'])} "
                 f'directed="{directed}">{data}</edge>\n')
    fh.write("  </graph>\n</graphml>\n")
    return n, e


_COMPANY_KINDS = {"company", "startup", "investor"}


def _schema(kind: str | None) -> str:
    if kind in _COMPANY_KINDS:
        return "Company"
    if kind == "government":
        return "PublicBody"
    return "Organization"


def ftm_entities(con: duckdb.DuckDBPyConnection) -> Iterator[dict[str, Any]]:
    """FollowTheMoney entities (``{"id", "schema", "properties"}``, every value a list of strings)."""
    aliases: dict[str, list[str]] = {}
    for actor, alias in con.execute("SELECT actor, alias FROM actor_aliases ORDER BY actor, position").fetchall():
        aliases.setdefault(actor, []).append(alias)
    schema_of: dict[str, str] = {}
    for r in _rows(con, _NODES_SQL):
        schema = _schema(r["kind"])
        schema_of[r["id"]] = schema
        props: dict[str, list[str]] = {"name": [r["name"]]}
        if aliases.get(r["id"]):
            props["alias"] = aliases[r["id"]]
        if r["country"]:
            props["country"] = [r["country"].lower()]
        if r["control_country"]:
            props["mainCountry"] = [r["control_country"].lower()]
        if r["website"]:
            props["website"] = [r["website"]]
        if r["wikidata"]:
            props["wikidataId"] = [r["wikidata"]]
        if r["founded"]:
            props["incorporationDate"] = [r["founded"]]
        if r["layers"]:
            props["sector"] = r["layers"].split(";")
        if r["municipality"]:
            props["address"] = [r["municipality"]]
        props["keywords"] = [f"stackatlas:{r['id']}"]
        yield {"id": f"stackatlas-actor-{r['id']}", "schema": schema, "properties": props}
    for r in _rows(con, _EDGES_SQL):
        a, b = f"stackatlas-actor-{r['source']}", f"stackatlas-actor-{r['target']}"
        t = r["type"]
        props = {}
        if t in ("investment", "acquisition", "ownership") and schema_of.get(r["target"]) == "Company":
            schema, props = "Ownership", {"owner": [a], "asset": [b]}
            if r["stake_pct"] is not None:
                props["percentage"] = [_num(r["stake_pct"])]
            if r["amount_value"] is not None:
                props["sharesValue"] = [_num(r["amount_value"])]
                props["sharesCurrency"] = [r["amount_currency"]]
            if r["date"]:
                props["startDate"] = [r["date"]]
        elif t == "membership":
            schema, props = "Membership", {"member": [a], "organization": [b]}
            if r["date"]:
                props["startDate"] = [r["date"]]
        elif t == "spin-off":
            schema, props = "Succession", {"predecessor": [a], "successor": [b]}
            if r["date"]:
                props["date"] = [r["date"]]
        elif t == "grant" or (t == "investment" and r["amount_value"] is not None):
            schema, props = "Payment", {"payer": [a], "beneficiary": [b], "purpose": [t]}
            if r["amount_value"] is not None:
                props["amount"] = [_num(r["amount_value"])]
                props["currency"] = [r["amount_currency"]]
            if r["date"]:
                props["date"] = [r["date"]]
        else:
            schema, props = "UnknownLink", {"subject": [a], "object": [b]}
            if r["date"]:
                props["startDate"] = [r["date"]]
        props["role"] = [r["role"] or t]
        if r["status"]:
            props["status"] = [r["status"]]
        props["summary"] = [f"{t} ({r['family']})"]
        props["recordId"] = [r["id"]]
        yield {"id": f"stackatlas-relation-{r['id']}", "schema": schema, "properties": props}


def _num(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else repr(float(v))


def export_graph(con: duckdb.DuckDBPyConnection, fmt: str, output: Path) -> ExportResult:
    """Write the graph of the compiled database ``con`` as ``fmt`` to ``output`` (a folder for csv)."""
    output = Path(output)
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r} (one of {', '.join(FORMATS)})")
    if fmt == "csv":
        output.mkdir(parents=True, exist_ok=True)
        nodes = list(_rows(con, _NODES_SQL))
        edges = list(_rows(con, _EDGES_SQL))
        (output / "nodes.csv").write_text(to_csv(nodes, ["id", *[a for a, _ in NODE_ATTRS]]), encoding="utf-8")
        (output / "edges.csv").write_text(to_csv(edges, ["id", "source", "target", *[a for a, _ in EDGE_ATTRS]]),
                                          encoding="utf-8")
        return ExportResult(output, len(nodes), len(edges))
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_name(f".{output.name}.tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        if fmt == "gexf":
            n, e = _gexf(con, fh)
        elif fmt == "graphml":
            n, e = _graphml(con, fh)
        else:
            n = e = 0
            for ent in ftm_entities(con):
                fh.write(json.dumps(ent, ensure_ascii=False, sort_keys=True) + "\n")
                if ent["id"].startswith("stackatlas-actor-"):
                    n += 1
                else:
                    e += 1
    tmp.replace(output)
    return ExportResult(output, n, e)
