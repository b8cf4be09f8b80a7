"""`stackatlas export --format gexf|graphml|csv|ftm`."""

from __future__ import annotations

import csv
import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

from stackatlas.cli import main

GEXF = "{http://gexf.net/1.3}"
GML = "{http://graphml.graphdrawing.org/xmlns}"


@pytest.fixture
def data(tmp_path: Path, base: Path) -> Path:
    d = tmp_path / "data"
    shutil.copytree(base, d)
    f = d / "actors" / "global.yaml"
    actors = yaml.safe_load(f.read_text())
    actors[0]["name"] = '=HYPERLINK("http://evil") & <Ünïcode> "quoted"'
    f.write_text(yaml.safe_dump(actors, sort_keys=False, allow_unicode=True))
    return d


def export(tmp_path: Path, data: Path, fmt: str, out: Path, capsys: pytest.CaptureFixture[str]) -> str:
    code = main(["--data", str(data), "--db", str(tmp_path / "x.duckdb"), "export", "--format", fmt, "-o", str(out)])
    text = capsys.readouterr().out
    assert code == 0, text
    return text


def counts(tmp_path: Path, data: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, int]:
    main(["--data", str(data), "--db", str(tmp_path / "x.duckdb"), "stats", "-f", "json"])
    stats = json.loads(capsys.readouterr().out)
    return stats["actors"], stats["relations"]


@pytest.mark.slow  # about a second: `make test` runs it, `make test-fast` does not
def test_gexf(tmp_path: Path, data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    n, e = counts(tmp_path, data, capsys)
    export(tmp_path, data, "gexf", tmp_path / "g.gexf", capsys)
    root = ET.parse(tmp_path / "g.gexf").getroot()
    nodes = root.findall(f".//{GEXF}node")
    edges = root.findall(f".//{GEXF}edge")
    assert (len(nodes), len(edges)) == (n, e)
    titles = {a.get("id"): a.get("title") for a in root.findall(f".//{GEXF}attributes[@class='node']/{GEXF}attribute")}
    asml = next(x for x in nodes if x.get("id") == "asml")
    values = {titles[v.get("for")]: v.get("value") for v in asml.iter(f"{GEXF}attvalue")}
    assert values["kind"] == "company" and values["layers"] == "chips" and values["hq"] == "veldhoven"
    assert float(values["latitude"]) == pytest.approx(51.418)
    ids = {x.get("id") for x in nodes}
    assert all(x.get("source") in ids and x.get("target") in ids for x in edges)
    assert {x.get("type") for x in edges} == {"directed", "undirected"}
    assert any("Ünïcode" in (x.get("label") or "") for x in nodes)


@pytest.mark.slow  # about a second: `make test` runs it, `make test-fast` does not
def test_graphml(tmp_path: Path, data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    n, e = counts(tmp_path, data, capsys)
    export(tmp_path, data, "graphml", tmp_path / "g.graphml", capsys)
    root = ET.parse(tmp_path / "g.graphml").getroot()
    assert len(root.findall(f".//{GML}node")) == n and len(root.findall(f".//{GML}edge")) == e
    keys = {k.get("id"): (k.get("for"), k.get("attr.name"), k.get("attr.type")) for k in root.findall(f"{GML}key")}
    assert keys["n_latitude"] == ("node", "latitude", "double") and keys["e_directed"][2] == "boolean"
    edge = root.find(f".//{GML}edge")
    assert edge is not None and edge.get("directed") in ("true", "false")


@pytest.mark.slow  # about 2 s or more: `make test` runs it, `make test-fast` does not
def test_csv_is_neutralised(tmp_path: Path, data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    n, e = counts(tmp_path, data, capsys)
    export(tmp_path, data, "csv", tmp_path / "csv", capsys)
    with (tmp_path / "csv" / "nodes.csv").open() as fh:
        nodes = list(csv.DictReader(fh))
    with (tmp_path / "csv" / "edges.csv").open() as fh:
        edges = list(csv.DictReader(fh))
    assert (len(nodes), len(edges)) == (n, e)
    assert any(r["name"].startswith("'=HYPERLINK") for r in nodes)
    assert not any(v.startswith("=") for r in nodes for v in r.values())
    assert set(edges[0]) >= {"id", "source", "target", "type", "directed", "amount_value"}


@pytest.mark.slow  # about 2 s or more: `make test` runs it, `make test-fast` does not
def test_ftm(tmp_path: Path, data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    n, e = counts(tmp_path, data, capsys)
    export(tmp_path, data, "ftm", tmp_path / "g.ftm.json", capsys)
    ents = [json.loads(line) for line in (tmp_path / "g.ftm.json").read_text().splitlines()]
    assert len(ents) == n + e
    by_id = {x["id"]: x for x in ents}
    asml = by_id["stackatlas-actor-asml"]
    assert asml["schema"] == "Company" and asml["properties"]["country"] == ["nl"]
    assert asml["properties"]["website"] == ["https://www.asml.com"]
    assert all(isinstance(v, list) and all(isinstance(x, str) for x in v) for x in ents for v in x["properties"].values())
    schemas = {x["schema"] for x in ents}
    assert schemas <= {"Company", "Organization", "PublicBody", "Ownership", "Membership", "Succession", "Payment",
                       "UnknownLink"}
    for x in ents:
        p = x["properties"]
        if x["schema"] == "Ownership":
            assert by_id[p["asset"][0]]["schema"] == "Company" and p["owner"][0] in by_id
        if x["schema"] == "UnknownLink":
            assert p["subject"][0] in by_id and p["object"][0] in by_id
