"""Analyses of a compiled dataset, grouped by topic (one module each).

Row-scaled work (joins, group-bys, co-occurrence counts) is written once with Ibis in
:mod:`stackatlas.engine` terms, so it runs on DuckDB by default and on PySpark (or another
Ibis backend); the small matrices that result (places × layers, layers × layers) are finished with
numpy/scipy.
"""

from __future__ import annotations

from ..engine import Engine, duckdb_engine, spark_engine
from .bridges import bridges
from .guests import guest_list
from .integration import foundries, integration, layer_flow, subsidiaries
from .introductions import introductions
from .profile import profile, specialisation
from .relatedness import relatedness
from .sovereignty import sovereignty
from .synergy import SynergyConfig, discover, evaluate

__all__ = [
    "Engine",
    "SynergyConfig",
    "bridges",
    "discover",
    "duckdb_engine",
    "evaluate",
    "foundries",
    "guest_list",
    "integration",
    "introductions",
    "layer_flow",
    "profile",
    "relatedness",
    "sovereignty",
    "spark_engine",
    "specialisation",
    "subsidiaries",
]
