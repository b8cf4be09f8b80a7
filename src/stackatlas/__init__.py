"""stackatlas: the Digital Stack method as software.

Load a dataset of organisations, places, ties and figures, compile it into DuckDB, and ask where regions
stand on the stack, how organisations integrate across layers and which synergies exist.

>>> import stackatlas
>>> atlas = stackatlas.open(data=stackatlas.fixture_path())
>>> atlas.stats()["actors"] > 0
True
"""

from __future__ import annotations

__version__ = "0.1.0"

from .atlas import Atlas, open  # noqa: E402,A004
from .errors import AnalysisError, InvalidData, NotFound, Problem, StackAtlasError  # noqa: E402
from .loader import bundled_path, fixture_path, load_dataset  # noqa: E402

__all__ = [
    "__version__",
    "Atlas",
    "open",
    "load_dataset",
    "bundled_path",
    "fixture_path",
    "StackAtlasError",
    "InvalidData",
    "NotFound",
    "AnalysisError",
    "Problem",
]
