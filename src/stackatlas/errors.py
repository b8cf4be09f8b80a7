"""The exception hierarchy of stackatlas.

Every error the library raises on purpose derives from :class:`StackAtlasError`, so a caller (the CLI,
the web app) can translate all of them at its boundary.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["AnalysisError", "InvalidData", "NotFound", "Problem", "StackAtlasError"]


class StackAtlasError(Exception):
    """Root of all stackatlas errors."""

    code = "error"
    status = 500


@dataclass(frozen=True, order=True)
class Problem:
    """One problem found in a dataset: where it is and what is wrong.

    ``line`` and ``column`` are 1-based; 0 means the position is unknown.
    """

    path: str
    line: int
    column: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.field}: {self.message}"


class InvalidData(StackAtlasError):
    """A dataset (or an import) has problems; ``errors`` lists every one of them, sorted.

    ``more``, if given, comes last: the line that says that the list was cut short.
    """

    code = "invalid_data"
    status = 400

    def __init__(self, errors: list[Problem], *, more: Problem | None = None) -> None:
        self.errors = sorted(errors) + ([more] if more is not None else [])
        n = len(self.errors)
        head = "\n".join(str(e) for e in self.errors[:50])
        tail = f"\n... and {n - 50} more" if n > 50 else ""
        super().__init__(f"{n} problem{'s' if n != 1 else ''} in the data:\n{head}{tail}")


class NotFound(StackAtlasError):
    """An id (actor, place, relation, synergy, ...) that does not exist."""

    code = "not_found"
    status = 404

    def __init__(self, kind: str, ident: str) -> None:
        self.kind = kind
        self.ident = ident
        super().__init__(f"no {kind} with id {ident!r}")


class AnalysisError(StackAtlasError):
    """An analysis cannot be carried out on the given input (bad column, empty table, ...)."""

    code = "analysis_error"
    status = 422
