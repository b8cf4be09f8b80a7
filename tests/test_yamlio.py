from pathlib import Path

import pytest

from stackatlas.dataset.yamlio import MAX_DEPTH, MAX_FILE_BYTES, load_plain, load_yaml
from stackatlas.errors import InvalidData


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


# --- hostile files: each is refused with one located problem, quickly and in little memory ---------------

def bomb(levels: int, width: int = 9) -> str:
    """A "billion laughs" document: each level repeats the one below ``width`` times (width**levels values)."""
    lines = [f"a0: &a0 [{', '.join(['lol'] * width)}]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * width)}]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


def test_alias_bomb_is_refused_at_the_alias(tmp_path: Path) -> None:
    text = bomb(10)
    assert len(text) < 600
    doc, problems = load_yaml(write(tmp_path, text))
    assert doc is None and len(problems) == 1
    p = problems[0]
    # the first alias that takes the document beyond MIN_VALUES + len(text) values: lines 1-4 hold 8,307
    # values once expanded, a3 is 7,381 of them, so the first *a3 (line 5) passes the bound of 10,000 + 478
    assert (p.line, p.column, p.field) == (5, 10, "<yaml>")
    assert "alias *a3 repeats 7,381 values" in p.message and "nested aliases are refused" in p.message


def test_alias_within_the_bound_is_expanded(tmp_path: Path) -> None:
    text = "src: &s [{source: a, locator: p. 1}]\nx: {sources: *s}\ny: {sources: *s}\n"
    doc, problems = load_yaml(write(tmp_path, text))
    assert problems == [] and doc is not None
    assert doc.data["x"] == doc.data["y"] == {"sources": [{"source": "a", "locator": "p. 1"}]}
    assert doc.pos(("y", "sources", 0, "locator")) == (1, 31)  # where the anchored value is written


def test_merge_keys_still_work(tmp_path: Path) -> None:
    doc, problems = load_yaml(write(tmp_path, "base: &b {kind: company, hq: delft}\nx:\n  <<: *b\n  id: x\n"))
    assert problems == [] and doc is not None
    assert doc.data["x"] == {"kind": "company", "hq": "delft", "id": "x"}


def test_merge_key_bomb_is_refused(tmp_path: Path) -> None:
    lines = ["m0: &m0 {" + ", ".join(f"k{j}: v" for j in range(9)) + "}"]
    lines += [f"m{i}: &m{i} {{<<: [{', '.join([f'*m{i - 1}'] * 9)}]}}" for i in range(1, 10)]
    doc, problems = load_yaml(write(tmp_path, "\n".join(lines) + "\n"))
    assert doc is None and len(problems) == 1 and "nested aliases are refused" in problems[0].message


@pytest.mark.parametrize("text,line,column", [
    ("- id: x\n  name: &n [*n]\n", 2, 13),      # a list that contains itself
    ("a: &a {b: {c: *a}}\n", 1, 15),             # a mapping, two levels down
    ("a: &a {<<: *a}\n", 1, 12),                 # a merge of itself
])
def test_self_reference_is_refused_at_the_alias(tmp_path: Path, text: str, line: int, column: int) -> None:
    doc, problems = load_yaml(write(tmp_path, text))
    assert doc is None
    assert [(p.line, p.column, p.field) for p in problems] == [(line, column, "<yaml>")]
    assert "refers to a value that contains it" in problems[0].message


def test_deep_nesting_is_refused(tmp_path: Path) -> None:
    doc, problems = load_yaml(write(tmp_path, "[" * 900 + "]" * 900 + "\n"))
    assert doc is None
    assert [(p.line, p.column) for p in problems] == [(1, MAX_DEPTH + 2)]
    assert f"more than {MAX_DEPTH} levels deep" in problems[0].message


def test_deep_nesting_through_aliases_is_refused(tmp_path: Path) -> None:
    lines = ["a0: &a0 [x]"] + [f"a{i}: &a{i} [*a{i - 1}]" for i in range(1, 80)]
    doc, problems = load_yaml(write(tmp_path, "\n".join(lines) + "\n"))
    assert doc is None and len(problems) == 1
    assert f"more than {MAX_DEPTH} levels deep" in problems[0].message and problems[0].line < 80


def test_asterisks_in_text_are_not_aliases(tmp_path: Path) -> None:
    doc, problems = load_yaml(write(tmp_path, "note: '**bold** *x'\nrest: a * b\n"))
    assert problems == [] and doc is not None
    assert doc.data == {"note": "**bold** *x", "rest": "a * b"}


def test_too_large_file_is_refused_before_parsing(tmp_path: Path) -> None:
    p = tmp_path / "big.yaml"
    with p.open("wb") as fh:  # valid YAML, one byte too many
        fh.write(b"- x\n" * (MAX_FILE_BYTES // 4) + b"\n")
    doc, problems = load_yaml(p)
    assert doc is None
    assert [(x.line, x.column, x.field) for x in problems] == [(1, 1, "<file>")]
    assert "MiB" in problems[0].message and "CSV tables" in problems[0].message


def test_crlf_line_ends_read_as_before(tmp_path: Path) -> None:
    p = tmp_path / "crlf.yaml"
    p.write_bytes(b"- id: a\r\n  note: |\r\n    two\r\n    lines\r\n")
    doc, problems = load_yaml(p)
    assert problems == [] and doc is not None
    assert doc.data == [{"id": "a", "note": "two\nlines\n"}]
    assert doc.pos((0, "note")) == (2, 9)


@pytest.mark.parametrize("raw,line,column", [
    (b"name: \xff\xfe\n", 1, 7),
    (b"a: 1\nb: caf\xc3\xa9 \xe9t\xe9\n", 2, 9),   # the column counts characters (the \xc3\xa9 is one)
    (b"a: 1\r\nb: 2\r\n  c: \x80\n", 3, 6),
])
def test_invalid_utf8_is_located_at_the_first_bad_byte(tmp_path: Path, raw: bytes, line: int, column: int) -> None:
    p = tmp_path / "bad.yaml"
    p.write_bytes(raw)
    doc, problems = load_yaml(p)
    assert doc is None
    assert [(x.line, x.column, x.field) for x in problems] == [(line, column, "<file>")]
    assert "not UTF-8 text" in problems[0].message


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_endless_stream_is_read_no_further_than_the_limit() -> None:
    doc, problems = load_yaml(Path("/dev/zero"))
    assert doc is None and "larger than" in problems[0].message


def test_load_plain_reads_plain_data(tmp_path: Path) -> None:
    f = tmp_path / "places.yaml"
    f.write_text("municipalities:\n  - {id: a, name: {nl: A, en: A}}\n", encoding="utf-8")
    assert load_plain(f) == {"municipalities": [{"id": "a", "name": {"nl": "A", "en": "A"}}]}


@pytest.mark.parametrize(("text", "where", "message"), [
    ("a: &a [x, *a]\n", (1, 11), "contains it"),
    ("a: [b\n", None, "YAML syntax error"),
    ("x: " + "[" * 2000 + "]" * 2000 + "\n", None, "nest"),
])
def test_load_plain_refuses_what_load_yaml_refuses(tmp_path: Path, text: str, where: tuple[int, int] | None,
                                                   message: str) -> None:
    f = tmp_path / "places.yaml"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(InvalidData) as exc:
        load_plain(f)
    (problem,) = exc.value.errors
    assert message in problem.message and problem.path == str(f)
    if where is not None:
        assert (problem.line, problem.column) == where


def test_load_plain_refuses_an_alias_bomb(tmp_path: Path) -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    f = tmp_path / "places.yaml"
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(InvalidData, match="alias"):
        load_plain(f)
