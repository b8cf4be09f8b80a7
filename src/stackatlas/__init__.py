"""stackatlas: the Digital Stack method as software.

Load a dataset of organisations, places, ties and figures, compile it into DuckDB, and ask where regions
stand on the stack, how organisations integrate across layers and which synergies exist.

>>> import stackatlas
>>> atlas = stackatlas.open(data=stackatlas.fixture_path())
>>> atlas.stats()["actors"] > 0
True
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__
from .errors import AnalysisError, InvalidData, NotFound, Problem, StackAtlasError

if TYPE_CHECKING:
    from .atlas import Atlas, open  # noqa: A004
    from .dataset.loader import bundled_path, fixture_path, load_dataset

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

# The data stack (pydantic, DuckDB, pandas, Ibis) is imported on first use of these names (PEP 562), so
# that ``import stackatlas`` (and ``stackatlas --help``) stays quick.
_LAZY = {
    "Atlas": ".atlas",
    "open": ".atlas",
    "bundled_path": ".dataset.loader",
    "fixture_path": ".dataset.loader",
    "load_dataset": ".dataset.loader",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
