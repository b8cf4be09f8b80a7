from pathlib import Path

from stackatlas.dataset.yamlio import load_yaml


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "x.yaml"
    p.write_text(text, encoding="utf-8")
    return p


def test_positions_of_nested_values(tmp_path: Path) -> None:
    doc, problems = load_yaml(write(tmp_path, "- id: a\n  layers:\n    - {layer: ai, role: core}\n"))
    assert problems == []
    assert doc is not None
    assert doc.pos((0, "layers", 0, "role")) == (3, 25)
    assert doc.pos((0, "id")) == (1, 7)
    # an unknown path falls back to its nearest ancestor
    assert doc.pos((0, "layers", 0, "missing")) == (3, 7)


def test_dates_stay_text(tmp_path: Path) -> None:
    doc, _ = load_yaml(write(tmp_path, "date: 2025-12-17\nyear: 2025\n"))
    assert doc is not None
    assert doc.data == {"date": "2025-12-17", "year": 2025}


def test_duplicate_key_is_a_problem(tmp_path: Path) -> None:
    _, problems = load_yaml(write(tmp_path, "id: a\nname: x\nid: b\n"))
    assert [(p.line, p.column, p.field, p.message) for p in problems] == [(3, 1, "id", "duplicate key")]


def test_syntax_error_has_its_position(tmp_path: Path) -> None:
    doc, problems = load_yaml(write(tmp_path, "a: 1\nb: [1, 2\nc: 3\n"))
    assert doc is None
    assert len(problems) == 1
    assert problems[0].line == 3 and "YAML syntax error" in problems[0].message


def test_not_utf8(tmp_path: Path) -> None:
    p = tmp_path / "bad.yaml"
    p.write_bytes(b"name: \xff\xfe\n")
    doc, problems = load_yaml(p)
    assert doc is None and "UTF-8" in problems[0].message
