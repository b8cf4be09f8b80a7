"""Render query results as a terminal table, JSON or CSV (safe to open in a spreadsheet)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import Any

__all__ = ["FORMATS", "cell_text", "render", "safe_cell", "to_csv", "to_json"]

FORMATS = ("table", "json", "csv")

_DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: str) -> str:
    """Neutralise a text cell a spreadsheet would run as a formula (OWASP CSV injection).

    >>> safe_cell("=HYPERLINK(\\"http://x\\")")
    '\\'=HYPERLINK("http://x")'
    >>> safe_cell("ASML")
    'ASML'
    """
    return "'" + value if value.startswith(_DANGEROUS) else value


def cell_text(value: Any, *, compact: bool = False) -> str:
    """A one-line text for a nested value (lists, mappings) in tables (``compact``) and CSV."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, list):
        return "; ".join(cell_text(x, compact=compact) for x in value)
    if isinstance(value, dict):
        if set(value) >= {"source", "locator"}:
            return f"{value['source']} ({value['locator']})"
        if set(value) >= {"layer"}:
            parts = [str(value["layer"])]
            if value.get("sublayer"):
                parts[0] += f"/{value['sublayer']}"
            if value.get("offering") and not compact:
                parts.append(f"\"{value['offering']}\"")
            return " ".join(parts)
        if set(value) == {"value", "currency"}:
            return f"{value['value']:,.0f} {value['currency']}"
        return ", ".join(f"{k}={cell_text(v, compact=compact)}" for k, v in value.items() if v is not None)
    return str(value)


def to_json(rows: Sequence[dict[str, Any]] | dict[str, Any]) -> str:
    return json.dumps(rows, ensure_ascii=False, indent=2, default=str)


def to_csv(rows: Sequence[dict[str, Any]], columns: Sequence[str] | None = None) -> str:
    cols = list(columns) if columns is not None else (list(rows[0]) if rows else [])
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(cols)
    for row in rows:
        out = []
        for c in cols:
            v = row.get(c)
            out.append(v if isinstance(v, (int, float)) and not isinstance(v, bool) else safe_cell(cell_text(v)))
        w.writerow(out)
    return buf.getvalue()


def render(rows: Sequence[dict[str, Any]] | dict[str, Any], fmt: str, *, title: str | None = None,
           columns: Sequence[str] | None = None) -> str | Any:
    """Text for ``json`` and ``csv``; a Rich renderable for ``table``."""
    if fmt == "json":
        return to_json(rows)
    if isinstance(rows, dict):
        rows = [rows]
    if fmt == "csv":
        return to_csv(rows, columns)
    from rich.table import Table

    cols = list(columns) if columns is not None else (list(rows[0]) if rows else [])
    table = Table(title=title, show_lines=False, header_style="bold")
    for c in cols:
        table.add_column(c, overflow="fold")
    for row in rows:
        table.add_row(*(cell_text(row.get(c), compact=True) for c in cols))
    return table
