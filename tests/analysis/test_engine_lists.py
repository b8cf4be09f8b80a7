"""Engine.execute_lists: array columns come back as Python lists, in order, with [] for missing."""

from __future__ import annotations

import pyarrow as pa
from hypothesis import given
from hypothesis import strategies as st

from stackatlas.engine import _string_lists, duckdb_engine

_cell = st.none() | st.lists(st.text(min_size=0, max_size=4))


@given(st.lists(_cell, max_size=30))
def test_string_lists_round_trip(cells: list[list[str] | None]) -> None:
    arr = pa.chunked_array([pa.array(cells, type=pa.list_(pa.string()))])
    out = _string_lists(arr)
    assert out == [[] if c is None else c for c in cells]


def test_rows_do_not_share_list_objects() -> None:
    out = _string_lists(pa.chunked_array([pa.array([["a"], ["a"]], type=pa.list_(pa.string()))]))
    out[0].append("b")
    assert out[1] == ["a"]


def test_execute_lists_on_duckdb() -> None:
    import duckdb

    con = duckdb.connect()
    con.execute("CREATE TABLE t AS SELECT * FROM (VALUES ('x', 2, 'b'), ('x', 1, 'a'), ('y', 1, 'c')) v(k, o, v)")
    eng = duckdb_engine(con)
    t = eng.backend.table("t")
    expr = t.group_by("k").agg(vs=t.v.collect(order_by=t.o)).order_by("k")
    df = eng.execute_lists(expr, ["vs"])
    assert df["vs"].tolist() == [["a", "b"], ["c"]]
    assert df["k"].tolist() == ["x", "y"]
