"""Analyses of a compiled dataset, grouped by topic (one module each).

Row-scaled work (joins, group-bys, co-occurrence counts) is written once with Ibis in
:mod:`stackatlas.analysis.engine` terms, so it runs on DuckDB by default and on PySpark (or another
Ibis backend); the small matrices that result (places × layers, layers × layers) are finished with
numpy/scipy.
"""

from __future__ import annotations

from .engine import Engine, duckdb_engine, spark_engine
from .profile import profile, specialisation
from .relatedness import relatedness

__all__ = ["Engine", "duckdb_engine", "spark_engine", "profile", "specialisation", "relatedness"]
