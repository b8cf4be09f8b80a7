"""Read YAML while remembering where every value stands (file, line, column).

PyYAML's composer gives a node tree with marks; we build plain Python values from it and keep a map from
the path of each value (a tuple of keys and indexes) to its 1-based ``(line, column)``. Dates stay strings
(a fact is often known only to the month), duplicate keys are problems, not silent overrides.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..errors import Problem

__all__ = ["Located", "Pos", "load_yaml"]

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


def _build(
    node: yaml.Node,
    loader: Any,
    loc: Path_,
    positions: dict[Path_, Pos],
    problems: list[Problem],
    path: str,
) -> Any:
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


def load_yaml(file: Path, *, display: str | None = None) -> tuple[Located | None, list[Problem]]:
    """Parse ``file``; return the located document and the problems found (syntax, duplicate keys).

    A file with a syntax error yields ``None`` and one problem at the error's position.
    """
    shown = display or str(file)
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        return None, [Problem(shown, 1, 1, "<file>", f"not UTF-8 text ({exc.reason})")]
    except OSError as exc:
        return None, [Problem(shown, 0, 0, "<file>", f"cannot read: {exc.strerror}")]
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        problems: list[Problem] = []
        positions: dict[Path_, Pos] = {}
        data = None if node is None else _build(node, loader, (), positions, problems, shown)
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
