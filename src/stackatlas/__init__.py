"""stackatlas: the Digital Stack method as software.

Load a dataset of organisations, places, ties and figures, compile it into DuckDB, and ask where regions
stand on the stack, how organisations integrate across layers and which synergies exist.

>>> import stackatlas
>>> atlas = stackatlas.open(data=stackatlas.fixture_path())
>>> atlas.stats()["actors"] > 0
True
"""

from __future__ import annotations

from ._version import __version__
from .atlas import Atlas, open  # noqa: A004
from .dataset.loader import bundled_path, fixture_path, load_dataset
from .errors import AnalysisError, InvalidData, NotFound, Problem, StackAtlasError

__all__ = [
    "AnalysisError",
    "Atlas",
    "InvalidData",
    "NotFound",
    "Problem",
    "StackAtlasError",
    "__version__",
    "bundled_path",
    "fixture_path",
    "load_dataset",
    "open",
]
