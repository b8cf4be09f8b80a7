"""Entity resolution: proposals with blocking, judgements, apply and undo."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from stackatlas.dataset.loader import load_dataset
from stackatlas.errors import StackAtlasError
from stackatlas.importers import dedupe
from stackatlas.importers.dedupe import apply, candidates, propose, undo


def rec(ident: str, name: str, **kw: object) -> dict:
    return {"id": ident, "name": name, **kw}


def test_candidates_strong_keys_and_names() -> None:
    recs = [rec("asml", "ASML Holding N.V.", website="https://www.asml.com"),
            rec("cb-asml", "ASML", website="http://asml.com/en"),
            rec("adyen", "Adyen", tags=["kvk-34259528"]),
            rec("adyen-bv", "Payments Co", tags=["kvk-34259528"]),
            rec("q1", "Alpha", wikidata="Q5"), rec("q2", "Omega", wikidata="Q5"),
            rec("l1", "Lei One", tags=["lei-724500qhkl6mvsqq1z06"]), rec("l2", "Lei Two", tags=["lei-724500qhkl6mvsqq1z06"]),
            rec("tue", "Technische Universiteit Eindhoven", aliases=["TU/e"]),
            rec("tue-2", "TU/e"),
            rec("mollie", "Mollie B.V."), rec("mollie-payments", "Mollie Payments"),
            rec("li1", "Alpha Labs", website="https://www.linkedin.com/company/a"),
            rec("li2", "Beta Works", website="https://www.linkedin.com/company/b")]
    found = {(recs[i]["id"], recs[j]["id"]): (s, ev) for i, j, s, ev in candidates(recs, threshold=90)}
    assert found[("asml", "cb-asml")][0] == 100 and "same website domain asml.com" in found[("asml", "cb-asml")][1]
    assert "same KvK number 34259528" in found[("adyen", "adyen-bv")][1]
    assert "same wikidata id Q5" in found[("q1", "q2")][1]
    assert "same LEI 724500QHKL6MVSQQ1Z06" in found[("l1", "l2")][1]
    assert ("tue", "tue-2") in found                     # an alias is a name
    assert ("mollie", "mollie-payments") in found          # token-set ratio: {mollie} within {mollie, payments}
    assert ("li1", "li2") not in found                     # a shared platform host says nothing


def test_candidates_are_blocked_not_all_pairs(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    real = dedupe.process.cdist

    def spy(a, b, **kw):  # type: ignore[no-untyped-def]
        calls.append(len(a))
        return real(a, b, **kw)

    monkeypatch.setattr(dedupe.process, "cdist", spy)
    recs = [rec(f"o{i}", f"Org{i} Widgets{i % 50}") for i in range(3000)]
    candidates(recs, threshold=95)
    assert sum(n * n for n in calls) < 3000 * 3000 / 20


def make(tmp_path: Path, base: Path) -> Path:
    d = tmp_path / "ds"
    shutil.copytree(base, d)
    extra = [{"id": "asml-nv", "name": "ASML Holding N.V.", "kind": "company", "hq": "veldhoven",
              "layers": [{"layer": "chips"}], "domains": ["defence"], "founded": "1984", "wikidata": "Q297879",
              "website": "https://www.asml.com/en", "sources": [{"source": "tech-corridor-2026", "locator": "x"}]},
             {"id": "zz-acme", "name": "Acme", "kind": "company", "hq": "almere", "layers": [{"layer": "ai"}],
              "sources": [{"source": "tech-corridor-2026", "locator": "y"}]}]
    (d / "actors" / "extra.yaml").write_text(yaml.safe_dump(extra, sort_keys=False))
    rels = yaml.safe_load((d / "relations.yaml").read_text())
    rels += [{"id": "acme-invests-asml-nv", "type": "investment", "from": "zz-acme", "to": "asml-nv",
              "sources": [{"source": "tech-corridor-2026", "locator": "z"}]},
             {"id": "asml-owns-asml-nv", "type": "ownership", "from": "asml", "to": "asml-nv",
              "sources": [{"source": "tech-corridor-2026", "locator": "z"}]}]
    (d / "relations.yaml").write_text(yaml.safe_dump(rels, sort_keys=False))
    load_dataset(d)
    return d


def canonical(d: Path) -> None:
    """Rewrite the actor and relation files in the style dedupe writes (it keeps records, not formatting)."""
    from stackatlas.importers.records import read_kind, write_records

    for kind in ("actors", "relations"):
        for f in read_kind(d, kind):
            write_records(f)


def records(d: Path) -> dict[str, list]:
    from stackatlas.importers.records import read_kind

    return {kind: [r for f in read_kind(d, kind) for r in f.records] for kind in ("actors", "relations")}


def snapshot(d: Path) -> dict[Path, bytes]:
    return {p.relative_to(d): p.read_bytes() for p in d.rglob("*") if p.is_file() and p.name != "judgements.yaml"}


@pytest.mark.slow  # about 3 s or more: `make test` runs it, `make test-fast` does not
def test_propose_apply_undo(tmp_path: Path, base: Path) -> None:
    d = make(tmp_path, base)
    res = propose(d, date="2026-01-15")
    pair = next(p for p in res.pairs if {p.a, p.b} == {"asml", "asml-nv"})
    assert pair.a == "asml" and pair.decision == "unsure" and pair.score == 100
    assert res.new == len(res.pairs)
    j = yaml.safe_load((d / "judgements.yaml").read_text())
    for p in j["pairs"]:
        if p["b"] == "asml-nv":
            p["decision"], p["reason"] = "same", "the same company"
    (d / "judgements.yaml").write_text(yaml.safe_dump(j, sort_keys=False))
    again = propose(d)                                   # judgements are kept, nothing new
    assert again.new == 0 and next(p for p in again.pairs if p.b == "asml-nv").decision == "same"
    original = records(d)
    assert apply(d, date="2026-01-16") == [("asml", "asml-nv")]
    ds = load_dataset(d)
    asml = next(a for a in ds.actors if a.id == "asml")
    assert "asml-nv" in asml.aliases and "ASML Holding N.V." in asml.aliases
    assert asml.wikidata == "Q297879" and asml.founded == "1984" and "defence" in asml.domains
    assert asml.website == "https://www.asml.com"             # the kept actor wins on conflicts
    assert len(asml.sources) == 2
    assert "asml-nv" not in {a.id for a in ds.actors}
    assert next(r for r in ds.relations if r.id == "acme-invests-asml-nv").to == "asml"
    assert "asml-owns-asml-nv" not in {r.id for r in ds.relations}   # it would tie asml to itself
    merged = yaml.safe_load((d / "judgements.yaml").read_text())["merged"]
    assert merged[0]["from"] == "asml-nv" and merged[0]["record"]["name"] == "ASML Holding N.V."
    assert apply(d) == []                                  # applying again does nothing
    assert undo(d) == [("asml", "asml-nv")]
    assert records(d) == original                          # every record as it was, in its place
    load_dataset(d)
    canonical(d)                                           # in the canonical style, the bytes too
    before = snapshot(d)
    apply(d)
    undo(d)
    assert snapshot(d) == before


def test_bad_judgements_and_references(tmp_path: Path, base: Path) -> None:
    d = make(tmp_path, base)
    propose(d)
    j = yaml.safe_load((d / "judgements.yaml").read_text())
    j["pairs"][0]["decision"] = "maybe"
    (d / "judgements.yaml").write_text(yaml.safe_dump(j, sort_keys=False))
    with pytest.raises(StackAtlasError, match="must be same, not-same or unsure"):
        apply(d)
    # an actor a synergy names is not merged away
    j["pairs"] = [{"a": "asml-nv", "b": "asml", "decision": "same", "score": 100, "evidence": [], "reason": "",
                   "date": "2026-01-15"}]
    (d / "judgements.yaml").write_text(yaml.safe_dump(j, sort_keys=False))
    with pytest.raises(StackAtlasError, match="swap a and b"):
        apply(d)
