"""Validation: every kind of problem is reported with file, line, column and field, all at once."""

from __future__ import annotations

import os
import re
import resource
import subprocess
import sys
from pathlib import Path

import pytest

import stackatlas
from stackatlas.dataset._problems import MAX_PROBLEMS
from stackatlas.dataset.bulk import PROBLEMS_PER_CHECK
from stackatlas.dataset.loader import content_hash, load_dataset
from stackatlas.errors import InvalidData, Problem


def problems_of(folder: Path) -> list[Problem]:
    with pytest.raises(InvalidData) as exc:
        load_dataset(folder)
    return exc.value.errors


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def line_of(path: Path, needle: str) -> int:
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if needle in line:
            return i
    raise AssertionError(needle)


def test_fixture_loads() -> None:
    ds = load_dataset(stackatlas.fixture_path())
    assert {a.id for a in ds.actors} >= {"asml", "adyen", "mistral-ai"}
    assert ds.meta.compare == ["mra", "brainport"]
    assert [layer.id for layer in ds.taxonomy.layers] == [
        "raw-materials", "chips", "networks", "cloud", "ai", "applications", "devices"]


# (file, old text, new text, expected field, expected message part, line marker)
CASES = [
    ("actors/brainport.yaml", "  kind: company\n  hq: veldhoven", "  kind: company\n  hq: veldhoven\n  colour: red",
     "colour", "unknown key", "colour: red"),
    ("actors/brainport.yaml", "    - {layer: chips, sublayer: equipment-and-materials, offering: EUV",
     "    - {layer: chip, sublayer: equipment-and-materials, offering: EUV", "layers.0.layer", "unknown layer 'chip'",
     "layer: chip,"),
    ("actors/brainport.yaml", "sublayer: equipment-and-materials, offering: EUV",
     "sublayer: design-house, offering: EUV", "layers.0.sublayer", "unknown sublayer 'design-house'",
     "design-house"),
    ("actors/brainport.yaml", "  domains: [manufacturing]\n  control_country: NL\n  website",
     "  domains: [manufactoring]\n  control_country: NL\n  website", "domains.0", "unknown domain", "manufactoring"),
    ("actors/brainport.yaml", "  hq: veldhoven", "  hq: veldhovn", "hq", "unknown place 'veldhovn'", "veldhovn"),
    ("actors/mra.yaml", "  parent: booking-holdings", "  parent: booking-holding", "parent",
     "unknown actor 'booking-holding'", "booking-holding\n"),
    ("relations.yaml", "  to: mistral-ai", "  to: mistral", "to", "unknown actor 'mistral'", "to: mistral"),
    ("relations.yaml", "  type: investment", "  type: investing", "type", "unknown relation type", "investing"),
    ("actors/mra.yaml", "  sources: [{source: tech-corridor-2026, locator: H.3 Amsterdam}]\n- id: booking-com",
     "  sources: [{source: tech-corridor-2062, locator: H.3 Amsterdam}]\n- id: booking-com", "sources.0.source",
     "unknown source", "tech-corridor-2062"),
    ("actors/mra.yaml", "  sources: [{source: tech-corridor-2026, locator: H.3 Amsterdam}]\n- id: booking-com",
     "  sources: []\n- id: booking-com", "sources", "a fact without a source", "sources: []"),
    ("actors/mra.yaml", "  control_country: DE", "  control_country: XX", "control_country",
     "not an ISO 3166-1", "control_country: XX"),
    ("actors/mra.yaml", '  founded: "2014"', '  founded: "2014-13"', "founded", "not a valid date", "2014-13"),
    ("places.yaml", "lat: 52.3731, lon: 4.8926", "lat: 152.3731, lon: 4.8926", "lat",
     "less than or equal to 90", "152.3731"),
    ("synergies.yaml", "  relations: [asml-invests-mistral-ai]", "  relations: [asml-invests-mistral]",
     "relations.0", "unknown relation", "asml-invests-mistral]"),
    ("indicators.yaml", "  value: 1227", "  value: many", "value", "valid number", "value: many"),
    ("relations.yaml", "  date: \"2025\"\n  status: completed", "  date: \"2025\"\n  status: done", "status",
     "Input should be", "status: done"),
    ("positions.yaml", "  bloc: us", "  bloc: usa", "bloc", "unknown bloc", "bloc: usa"),
]


@pytest.mark.parametrize("file,old,new,fieldname,message,marker", CASES,
                         ids=[c[4][:30] for c in CASES])
def test_each_problem_is_located(fixture_dir: Path, file: str, old: str, new: str, fieldname: str,
                                 message: str, marker: str) -> None:
    path = fixture_dir / file
    edit(path, old, new)
    found = [p for p in problems_of(fixture_dir) if p.path == str(path) and p.field == fieldname]
    assert found, f"no problem for {fieldname} in {file}"
    assert message in found[0].message
    assert found[0].line == line_of(path, marker.rstrip("\n"))
    assert found[0].column >= 1
    assert str(found[0]).startswith(f"{path}:{found[0].line}:{found[0].column}: {fieldname}: ")


def test_yaml_syntax_error(fixture_dir: Path) -> None:
    path = fixture_dir / "relations.yaml"
    edit(path, "  type: joint-lab", "  type: [joint-lab")
    probs = problems_of(fixture_dir)
    assert any(p.path == str(path) and p.field == "<yaml>" and "syntax" in p.message for p in probs)


def test_wrong_type(fixture_dir: Path) -> None:
    path = fixture_dir / "actors" / "global.yaml"
    edit(path, "  aliases: [Priceline]", "  aliases: Priceline")
    probs = [p for p in problems_of(fixture_dir) if p.field == "aliases"]
    assert probs and "valid list" in probs[0].message and probs[0].line == line_of(path, "aliases: Priceline")


def test_duplicate_id_across_files(fixture_dir: Path) -> None:
    extra = fixture_dir / "actors" / "more.yaml"
    extra.write_text((fixture_dir / "actors" / "global.yaml").read_text().split("- id: mistral-ai")[0])
    probs = [p for p in problems_of(fixture_dir) if "duplicate actor id 'booking-holdings'" in p.message]
    assert len(probs) == 1
    assert "first defined at" in probs[0].message


def test_all_problems_at_once(fixture_dir: Path) -> None:
    edit(fixture_dir / "actors" / "brainport.yaml", "  hq: veldhoven", "  hq: nowhere")
    edit(fixture_dir / "relations.yaml", "  to: mistral-ai", "  to: nobody")
    edit(fixture_dir / "places.yaml", "cbs: GM0363", "cbs: 0363")
    fields = {p.field for p in problems_of(fixture_dir)}
    assert {"hq", "to", "cbs"} <= fields


def test_missing_dataset_yaml(fixture_dir: Path) -> None:
    (fixture_dir / "dataset.yaml").unlink()
    probs = problems_of(fixture_dir)
    assert "dataset.yaml" in probs[0].path and "missing" in probs[0].message


def test_unknown_places_section(fixture_dir: Path) -> None:
    edit(fixture_dir / "places.yaml", "countries:", "kountries:")
    assert any(p.field == "kountries" for p in problems_of(fixture_dir))


def test_parent_cycle(fixture_dir: Path) -> None:
    edit(fixture_dir / "actors" / "global.yaml", "  aliases: [Priceline]",
         "  aliases: [Priceline]\n  parent: booking-com")
    assert any("cycle" in p.message for p in problems_of(fixture_dir))


def test_content_hash_follows_content(fixture_dir: Path) -> None:
    before = content_hash(fixture_dir)
    assert before == content_hash(fixture_dir)
    edit(fixture_dir / "actors" / "brainport.yaml", "name: ASML", "name: ASML Holding")
    assert content_hash(fixture_dir) != before


def test_eurostack_taxonomy_with_crosswalk(fixture_dir: Path) -> None:
    edit(fixture_dir / "dataset.yaml", "taxonomy: builtin:digital-stack", "taxonomy: builtin:eurostack")
    probs = problems_of(fixture_dir)  # fixture actors use digital-stack layer ids
    assert any("unknown layer 'applications'" in p.message for p in probs)
    # rewrite the layers through the inverse crosswalk: the dataset is then valid under EuroStack
    inverse = {"raw-materials": "resources", "devices": "iot", "cloud": "cloud-infrastructure",
               "applications": "software", "ai": "data-ai"}
    for f in [*sorted((fixture_dir / "actors").glob("*.yaml")), fixture_dir / "synergies.yaml",
              fixture_dir / "positions.yaml", fixture_dir / "indicators.yaml"]:
        text = re.sub(r"sublayer: [a-z-]+", "sublayer: null", f.read_text())
        for old, new in inverse.items():
            text = text.replace(f"layer: {old}", f"layer: {new}")
        text = text.replace("layers: [chips, networks, ai, applications]", "layers: [chips, networks, data-ai, software]")
        text = text.replace("layers: [chips, ai]", "layers: [chips, data-ai]")
        f.write_text(text)
    ds = load_dataset(fixture_dir)
    assert ds.taxonomy.id == "eurostack"
    assert ds.taxonomy.crosswalk is not None and ds.taxonomy.crosswalk.map["data-ai"] == ["ai"]
    assert {k.id for k in ds.taxonomy.actor_kinds} >= {"company", "university"}  # inherited


# --- hostile datasets: bounded work, located problems, never a traceback ---------------------------------

def bad_actors(n: int, start: int = 0) -> str:
    """``n`` actors with three mistakes each (an id with capitals, an unknown key, a locator missing)."""
    return "".join(f"- {{id: Bad_{i}, name: actor {i}, kind: company, hq: delft, layers: [{{layer: ai}}], "
                   f"colour: red, sources: [{{source: tech-corridor-2026}}]}}\n" for i in range(start, start + n))


def test_problems_per_rule_are_capped_with_a_count(fixture_dir: Path) -> None:
    path = fixture_dir / "actors" / "bad.yaml"
    path.write_text(bad_actors(PROBLEMS_PER_CHECK + 5), encoding="utf-8")
    probs = [p for p in problems_of(fixture_dir) if p.path == str(path)]
    for fieldname in ("id", "colour", "sources.0.locator"):
        found = [p for p in probs if p.field == fieldname]
        assert len(found) == PROBLEMS_PER_CHECK + 1, fieldname
        assert [p.line for p in found] == list(range(1, PROBLEMS_PER_CHECK + 2))
        assert found[-1].message.endswith("-- and 4 more problems of this kind in this file "
                                          f"(only the first {PROBLEMS_PER_CHECK + 1} are listed)")
    assert len(probs) == 3 * (PROBLEMS_PER_CHECK + 1)


@pytest.mark.slow  # several seconds: `make test` runs it, `make test-fast` does not
def test_validation_stops_at_the_total_limit(fixture_dir: Path) -> None:
    # one mistake per record, spread over files so that no rule is capped: the total cap stops the validation
    per_file = PROBLEMS_PER_CHECK
    files = MAX_PROBLEMS // per_file + 2
    for k in range(files):
        text = "".join(f"- {{id: a-{k}-{i}, name: A, kind: company, hq: delft, layers: [{{layer: ai}}], colour: red, "
                       f"sources: [{{source: tech-corridor-2026, locator: x}}]}}\n" for i in range(per_file))
        (fixture_dir / "actors" / f"bad-{k:02d}.yaml").write_text(text, encoding="utf-8")
    probs = problems_of(fixture_dir)
    assert len(probs) == MAX_PROBLEMS + 1
    assert all(p.field == "colour" for p in probs[:-1])
    last = probs[-1]
    assert last.field == "<problems>"
    assert last.message.startswith(f"... and more problems not listed (limit {MAX_PROBLEMS:,})")
    # it stopped at the first problem beyond the limit: later files were never read
    assert last.path == str(fixture_dir / "actors" / f"bad-{MAX_PROBLEMS // per_file:02d}.yaml") and last.line == 1


def run_validate(folder: Path, memory: int = 1 << 30) -> subprocess.CompletedProcess[str]:
    """``stackatlas validate folder`` in a child process with at most ``memory`` bytes of address space."""
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))

    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(stackatlas.__file__).parents[1]),
                                                        os.environ.get("PYTHONPATH", "")])}
    # the timeout only catches a hang (the bomb used to run for minutes)
    return subprocess.run([sys.executable, "-m", "stackatlas", "validate", str(folder)], capture_output=True,
                          text=True, timeout=300, preexec_fn=limit, env=env, check=False)


@pytest.mark.parametrize("text,line", [
    ("a0: &a0 [" + ", ".join(["lol"] * 10) + "]\n"
     + "".join(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]\n" for i in range(1, 10)), 4),
    ("- id: x\n  name: &n [x, *n]\n", 2),
], ids=["billion-laughs", "self-reference"])
@pytest.mark.slow  # about 3 s or more: `make test` runs it, `make test-fast` does not
def test_hostile_alias_in_validate(fixture_dir: Path, text: str, line: int) -> None:
    path = fixture_dir / "actors" / "bomb.yaml"
    path.write_text(text, encoding="utf-8")
    res = run_validate(fixture_dir)
    assert res.returncode == 1, res.stderr[-2000:]
    assert "Traceback" not in res.stderr and "Error" not in res.stderr
    assert re.search(rf"^{re.escape(str(path))}:{line}:\d+: <yaml>: alias \*a?\w+ ", res.stderr, re.M), res.stderr
