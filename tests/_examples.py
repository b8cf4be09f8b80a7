"""How many examples a property test draws: the number it asks for in a full run (``make test``), a tenth of it
(at least 5) when ``STACKATLAS_FAST_TESTS`` is set (``make test-fast``), so that the quick run still checks every
property, on fewer cases."""

from __future__ import annotations

import os

__all__ = ["examples"]


def examples(n: int) -> int:
    """``n``, or ``max(5, n // 10)`` in a fast run."""
    return max(5, n // 10) if os.environ.get("STACKATLAS_FAST_TESTS") else n
