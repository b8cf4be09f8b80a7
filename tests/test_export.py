"""Round trip: dataset -> DuckDB -> records (and -> YAML -> dataset) equals the input."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import stackatlas
from _examples import examples
from stackatlas.dataset import model as m
from stackatlas.dataset.export import RECORD_GROUPS, read_records, write_dataset
from stackatlas.dataset.loader import load_dataset
from stackatlas.store import build


def roundtrip(ds: Any, tmp: Path) -> dict[str, list[Any]]:
    db = build(ds, tmp / "rt.duckdb")
    con = duckdb.connect(str(db), read_only=True)
    try:
        return read_records(con)
    finally:
        con.close()


@pytest.mark.slow  # about 2 s or more: `make test` runs it, `make test-fast` does not
def test_fixture_roundtrip(tmp_path: Path) -> None:
    ds = load_dataset(stackatlas.fixture_path())
    back = roundtrip(ds, tmp_path)
    for group in RECORD_GROUPS:
        assert back[group] == getattr(ds, group), group
    again = load_dataset(write_dataset(ds, tmp_path / "copy"))
    for group in RECORD_GROUPS:
        assert getattr(again, group) == getattr(ds, group), group


LAYERS = {"chips": ["design", "manufacturing"], "ai": ["research", "applied-ai"], "cloud": ["hpc"],
          "devices": ["robotics"]}
text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs", "Cc", "Zs", "Zl", "Zp"]),
               min_size=1, max_size=12)
slug = st.from_regex(r"[a-z][a-z0-9]{0,6}", fullmatch=True)
date = st.one_of(st.none(), st.sampled_from(["2019", "2020-02", "2024-12-31"]))
ref = st.builds(lambda loc, conf: {"source": "src", "locator": loc, "confidence": conf}, text,
                st.sampled_from(["high", "medium", "low"]))


@st.composite
def datasets(draw: st.DrawFn) -> dict[str, Any]:
    munis = ["m-" + x for x in draw(st.lists(slug, min_size=1, max_size=4, unique=True))]
    actor_ids = ["a-" + x for x in draw(st.lists(slug, min_size=2, max_size=6, unique=True))]
    actors = []
    for i, aid in enumerate(actor_ids):
        lays = draw(st.lists(st.sampled_from(sorted(LAYERS)), min_size=1, max_size=3, unique=True))
        actors.append({
            "id": aid, "name": draw(text), "aliases": draw(st.lists(text, max_size=2)),
            "kind": draw(st.sampled_from(["company", "startup", "university"])),
            "hq": draw(st.sampled_from(munis)),
            "sites": [{"place": p, "status": draw(st.sampled_from(["active", "planned"]))}
                      for p in draw(st.lists(st.sampled_from(munis), max_size=2, unique=True))],
            "layers": [{"layer": lay, "sublayer": draw(st.one_of(st.none(), st.sampled_from(LAYERS[lay]))),
                        "offering": draw(st.one_of(st.none(), text)),
                        "role": draw(st.sampled_from(["core", "secondary"]))} for lay in lays],
            "domains": draw(st.lists(st.sampled_from(["health", "finance", "media"]), max_size=2, unique=True)),
            "control_country": draw(st.sampled_from([None, "NL", "US"])),
            "parent": actor_ids[0] if i > 0 and draw(st.booleans()) else None,
            "founded": draw(date),
            "description": draw(st.one_of(st.none(), st.builds(lambda a, b: {"nl": a, "en": b}, text, text))),
            "sources": draw(st.lists(ref, min_size=1, max_size=2)),
        })
    relations = []
    for j in range(draw(st.integers(0, 4))):
        a, b = draw(st.lists(st.sampled_from(actor_ids), min_size=2, max_size=2, unique=True))
        relations.append({
            "id": f"r{j}", "type": draw(st.sampled_from(["investment", "partnership", "spin-off"])),
            "from": a, "to": b, "date": draw(date),
            "amount": draw(st.one_of(st.none(), st.builds(lambda v: {"value": v, "currency": "EUR"},
                                                          st.floats(0, 1e12, allow_nan=False)))),
            "stake_pct": draw(st.one_of(st.none(), st.floats(0, 100, allow_nan=False))),
            "sources": draw(st.lists(ref, min_size=1, max_size=2)),
        })
    indicators = [{"id": f"i{k}", "subject": draw(st.sampled_from(munis + actor_ids)), "metric": "count",
                   "value": draw(st.floats(-1e9, 1e9, allow_nan=False)), "unit": "count", "date": "2024",
                   "sources": [{"source": "src", "locator": "p. 1"}]} for k in range(draw(st.integers(0, 3)))]
    return {"munis": munis, "actors": actors, "relations": relations, "indicators": indicators}


@pytest.mark.slow  # several seconds: `make test` runs it, `make test-fast` does not
@settings(max_examples=examples(25), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(datasets())
def test_generated_roundtrip(spec: dict[str, Any]) -> None:
    src = [{"source": "src", "locator": "CBS"}]
    records: dict[str, list[Any]] = {g: [] for g in RECORD_GROUPS}
    records["countries"] = [m.Country(id="nl", code="NL", name=m.Text(nl="Nederland"), sources=src),  # type: ignore[list-item]
                            m.Country(id="us", code="US", name=m.Text(en="United States"), sources=src)]  # type: ignore[list-item]
    records["provinces"] = [m.Province(id="p", country="nl", name=m.Text(nl="P"), sources=src)]  # type: ignore[list-item]
    records["municipalities"] = [m.Municipality(id=x, province="p", name=m.Text(nl=x), lat=52.0, lon=5.0,
                                                sources=src) for x in spec["munis"]]  # type: ignore[list-item]
    records["regions"] = [m.Region(id="reg", name=m.Text(en="R"), municipalities=spec["munis"], sources=src)]  # type: ignore[list-item]
    records["sources"] = [m.Source(id="src", title="A source", type="report")]
    records["actors"] = [m.Actor.model_validate(a) for a in spec["actors"]]
    records["relations"] = [m.Relation.model_validate(r) for r in spec["relations"]]
    records["indicators"] = [m.Indicator.model_validate(i) for i in spec["indicators"]]
    meta = m.DatasetMeta(id="gen", title=m.Text(en="Generated"), version="1", licence="CC0", publisher="tests",
                         compare=["reg", "reg"], baseline="nl")
    with tempfile.TemporaryDirectory() as tmp:
        folder = write_dataset(records, Path(tmp) / "ds", meta=meta)
        ds = load_dataset(folder)
        for group in RECORD_GROUPS:
            assert getattr(ds, group) == records[group], group
        back = roundtrip(ds, Path(tmp))
        for group in RECORD_GROUPS:
            assert back[group] == records[group], group
