"""Read YAML while remembering where every value stands (file, line, column).

PyYAML's composer gives a node tree with marks; we build plain Python values from it and keep a map from
the path of each value (a tuple of keys and indexes) to its 1-based ``(line, column)``. Dates stay strings
(a fact is often known only to the month), duplicate keys are problems, not silent overrides.

A dataset file may come from anyone, so reading one is bounded (docs/security.md, "Hostile dataset
files"): a file larger than :data:`MAX_FILE_BYTES` is refused before it is parsed; values nested deeper
than :data:`MAX_DEPTH` are refused; aliases (``*name``, the repetition of an anchored value ``&name``) may
not refer to a value that contains them, and may not make the document larger than it could be without
them: at most ``MIN_VALUES + len(text)`` values in all (a "billion laughs" file of 500 bytes would
otherwise expand to 3.4 billion values). Each refusal is one problem at the offending position.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..errors import InvalidData, Problem

__all__ = ["MAX_DEPTH", "MAX_FILE_BYTES", "MIN_VALUES", "Located", "Pos", "load_plain", "load_yaml"]

#: The largest YAML file read (10 MiB, over 10,000 records of ~800 bytes): YAML is for records people write and
#: review, a large register belongs in the CSV tables (docs/dataset-format.md, "Large datasets").
MAX_FILE_BYTES = 10 * 1024 * 1024
#: The deepest nesting of values (the dataset format needs about six levels).
MAX_DEPTH = 64
#: Aliases may expand a document to at most ``MIN_VALUES + len(text)`` values (keys, scalars, lists,
#: mappings); without aliases a document never has more values than characters plus one.
MIN_VALUES = 10_000

Pos = tuple[int, int]
Path_ = tuple[str | int, ...]

try:  # the C parser is much faster; fall back to pure Python where libyaml is missing
    _Loader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on the PyYAML build
    _Loader = yaml.SafeLoader


@dataclass
class Located:
    """A parsed YAML document with the position of every value in it."""

    path: str
    data: Any
    positions: dict[Path_, Pos] = field(default_factory=dict)

    def pos(self, loc: Path_) -> Pos:
        """Position of ``loc``, or of its nearest ancestor that has one."""
        loc = tuple(loc)
        while loc:
            if loc in self.positions:
                return self.positions[loc]
            loc = loc[:-1]
        return self.positions.get((), (1, 1))

    def problem(self, loc: Path_, fieldname: str, message: str) -> Problem:
        line, col = self.pos(loc)
        return Problem(self.path, line, col, fieldname, message)


def _mark(node: yaml.Node) -> Pos:
    return (node.start_mark.line + 1, node.start_mark.column + 1)


class _TooDeep(Exception):
    def __init__(self, node: yaml.Node) -> None:
        self.node = node


def _build(
    node: yaml.Node,
    loader: Any,
    loc: Path_,
    positions: dict[Path_, Pos],
    problems: list[Problem],
    path: str,
) -> Any:
    if len(loc) > MAX_DEPTH:  # one level of loc per level of nesting (keys: "<key>")
        raise _TooDeep(node)
    positions[loc] = _mark(node)
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = _build(key_node, loader, loc + ("<key>",), {}, problems, path)
            if not isinstance(key, (str, int, float, bool)) or key is None:
                line, col = _mark(key_node)
                problems.append(Problem(path, line, col, _dotted(loc) or "<root>", "keys must be plain text"))
                continue
            if isinstance(key, bool) or not isinstance(key, str):
                key = str(key).lower() if isinstance(key, bool) else str(key)
            if key in out:
                line, col = _mark(key_node)
                problems.append(Problem(path, line, col, _dotted(loc + (key,)), "duplicate key"))
            out[key] = _build(value_node, loader, loc + (key,), positions, problems, path)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [
            _build(child, loader, loc + (i,), positions, problems, path) for i, child in enumerate(node.value)
        ]
    value = loader.construct_object(node, deep=True)
    # Timestamps stay as written: "2025-12" and "2025-12-17" are both dates here, handled by the model.
    if node.tag == "tag:yaml.org,2002:timestamp":
        return str(node.value)
    return value


def _dotted(loc: Path_) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


# An alias token: "*" starting a token (after a separator or flow indicator) and followed by a name.
# Over-approximate on purpose: a match only means that the aliases are checked (one more parse).
_ALIAS = re.compile(r"(?:^|[\s\[\]{},:\ufeff])\*[^\s\[\]{},]")


def _alias_problem(text: str, shown: str) -> Problem | None:
    """The first alias that refers to a value containing it, or makes the document too large or deep.

    One pass over the parser's events, counting each value as often as aliases repeat it: the size
    (values) and depth (levels) of every anchored value are known when it ends, so an alias adds its
    anchor's size to the running total without expanding anything. Linear in the length of the text.

    >>> _alias_problem("a: &a [x, y]\\nb: [*a, *a]\\n", "f.yaml") is None
    True
    >>> str(_alias_problem("a: &a [x, *a]\\n", "f.yaml"))
    'f.yaml:1:11: <yaml>: alias *a refers to a value that contains it'
    """
    limit = MIN_VALUES + len(text)
    size: dict[str, int | None] = {}  # anchor -> values in its value (None while the value is open)
    depth: dict[str, int] = {}  # anchor -> levels of its value (1: a scalar)
    stack: list[list[Any]] = []  # open collections: [anchor, values so far, deepest level below]
    total = 0

    def add(n: int, levels: int) -> None:
        if stack:
            stack[-1][1] += n
            stack[-1][2] = max(stack[-1][2], levels)

    try:
        for ev in yaml.parse(text, Loader=_Loader):
            if isinstance(ev, yaml.AliasEvent):
                name = str(ev.anchor)
                mark = ev.start_mark
                line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
                if name in size and size[name] is None:
                    return Problem(shown, line, col, "<yaml>", f"alias *{name} refers to a value that contains it")
                n, levels = size.get(name) or 1, depth.get(name, 1)
                total += n
                if total > limit:
                    return Problem(shown, line, col, "<yaml>", f"alias *{name} repeats {n:,} values and makes the "
                                   f"document larger than {limit:,} values: nested aliases are refused")
                if len(stack) + levels - 1 > MAX_DEPTH:
                    return Problem(shown, line, col, "<yaml>",
                                   f"alias *{name} nests values more than {MAX_DEPTH} levels deep")
                add(n, levels)
            elif isinstance(ev, yaml.ScalarEvent):
                total += 1
                if ev.anchor is not None:
                    size[ev.anchor], depth[ev.anchor] = 1, 1
                add(1, 1)
            elif isinstance(ev, yaml.CollectionStartEvent):
                total += 1
                if ev.anchor is not None:
                    size[ev.anchor] = None
                stack.append([ev.anchor, 1, 0])
            elif isinstance(ev, yaml.CollectionEndEvent):
                anchor, n, below = stack.pop()
                if anchor is not None:
                    size[anchor], depth[anchor] = n, below + 1
                add(n, below + 1)
    except yaml.YAMLError:
        return None  # the syntax error is reported by the parse proper
    return None


def _read_text(file: Path, shown: str) -> tuple[str | None, list[Problem]]:
    """The text of ``file`` (UTF-8, universal newlines), or the problem that prevents reading it."""
    try:
        with file.open("rb") as fh:  # the size first; read() is bounded too (a pipe, a device)
            too_large = os.fstat(fh.fileno()).st_size > MAX_FILE_BYTES
            raw = b"" if too_large else fh.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        return None, [Problem(shown, 0, 0, "<file>", f"cannot read: {exc.strerror}")]
    if too_large or len(raw) > MAX_FILE_BYTES:
        return None, [Problem(shown, 1, 1, "<file>", f"file larger than {MAX_FILE_BYTES // 2**20} MiB: too large "
                                                    "for a YAML file; keep large lists of actors, relations or "
                                                    "indicators in CSV tables (docs/dataset-format.md, "
                                                    "\"Large datasets\")")]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line_start = raw.rfind(b"\n", 0, exc.start) + 1
        line = raw.count(b"\n", 0, exc.start) + 1
        column = len(raw[line_start:exc.start].decode("utf-8", errors="replace")) + 1
        return None, [Problem(shown, line, column, "<file>", f"not UTF-8 text ({exc.reason})")]
    if "\r" in text:  # as Path.read_text: universal newlines
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text, []


def load_yaml(file: Path, *, display: str | None = None) -> tuple[Located | None, list[Problem]]:
    """Parse ``file``; return the located document and the problems found (syntax, duplicate keys).

    A file that cannot be read as a whole (a syntax error, invalid UTF-8, too large, an alias that
    refers to itself or expands beyond the bound, too deep) yields ``None`` and one problem at the
    position of the cause.
    """
    shown = display or str(file)
    text, problems = _read_text(file, shown)
    if text is None:
        return None, problems
    if "*" in text and _ALIAS.search(text):
        bad = _alias_problem(text, shown)
        if bad is not None:
            return None, [bad]
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        positions: dict[Path_, Pos] = {}
        data = None if node is None else _build(node, loader, (), positions, problems, shown)
    except _TooDeep as exc:
        line, col = _mark(exc.node)
        return None, [Problem(shown, line, col, "<yaml>", f"values nested more than {MAX_DEPTH} levels deep")]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        msg = " ".join(x for x in (exc.context, exc.problem) if x)
        return None, [Problem(shown, line, col, "<yaml>", f"YAML syntax error: {msg}")]
    except yaml.YAMLError as exc:
        return None, [Problem(shown, 1, 1, "<yaml>", f"YAML error: {exc}")]
    finally:
        loader.dispose()
    return Located(shown, data, positions), problems


def load_plain(file: Path, *, display: str | None = None) -> Any:
    """``file`` as plain Python data, without positions (fast: for whole folders that tools read, such as
    the places of an import's target), under the same limits as :func:`load_yaml`: too large, not UTF-8, an
    alias that refers to itself or expands beyond the bound raise :class:`InvalidData` with its location.
    """
    shown = display or str(file)
    text, problems = _read_text(file, shown)
    if text is not None and "*" in text and _ALIAS.search(text):
        bad = _alias_problem(text, shown)
        problems = [bad] if bad is not None else []
    if text is None or problems:
        raise InvalidData(problems)
    try:
        return yaml.load(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        msg = " ".join(x for x in (exc.context, exc.problem) if x)
        raise InvalidData([Problem(shown, line, col, "<yaml>", f"YAML syntax error: {msg}")]) from None
    except RecursionError:
        raise InvalidData([Problem(shown, 1, 1, "<yaml>", f"values nested more than {MAX_DEPTH} levels "
                                                         "deep")]) from None
