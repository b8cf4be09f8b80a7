"""The problems of one validation, capped so that a systematically broken dataset stays readable.

A dataset with one mistake repeated in every record (a misspelt key in 400,000 records) would otherwise
print a million lines. :class:`ProblemLog` is the list the loader collects problems in: it keeps at most
:data:`~stackatlas.dataset.bulk.PROBLEMS_PER_CHECK` problems per rule and file (the CSV tables do the
same in SQL) and one more that says how many it left out, and it stops the validation with
:class:`ProblemLimit` once :data:`MAX_PROBLEMS` are listed.

A *rule* is what a problem says apart from the values it names: the file, the field with its list
indexes left out, and the message with quoted values and numbers left out (``unknown place 'x'`` and
``unknown place 'y'`` are one rule; so are ``layers.0.layer`` and ``layers.3.layer``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace
from typing import SupportsIndex

from ..errors import InvalidData, Problem
from .bulk import PROBLEMS_PER_CHECK

__all__ = ["MAX_PROBLEMS", "ProblemLimit", "ProblemLog", "rule_of"]

#: The validation stops once this many problems are listed.
MAX_PROBLEMS = 10 * PROBLEMS_PER_CHECK

_VALUES = re.compile(r"'[^']*'|\"[^\"]*\"|\d+")


class ProblemLimit(Exception):
    """Raised by :meth:`ProblemLog.append` when the log is full: stop validating."""


def rule_of(p: Problem) -> tuple[str, str, str]:
    """The rule ``p`` breaks: its file, its field and its message without the values they name.

    >>> rule_of(Problem("a.yaml", 3, 5, "layers.12.layer", "unknown layer 'chipz'"))
    ('a.yaml', 'layers.#.layer', 'unknown layer #')
    """
    return p.path, re.sub(r"\d+", "#", p.field), _VALUES.sub("#", p.message)


class ProblemLog(list[Problem]):
    """A list of problems that lists at most ``per_rule`` (+1) per rule and ``limit`` in all.

    >>> log = ProblemLog(per_rule=2, limit=10)
    >>> log.extend(Problem("a.yaml", i, 1, "kind", f"unknown actor kind 'k{i}'") for i in range(1, 6))
    >>> [p.line for p in log]
    [1, 2]
    >>> [str(p) for p in log.listed()][-1]
    "a.yaml:3:1: kind: unknown actor kind 'k3' -- and 2 more problems of this kind in this file (only the first 3 are listed)"
    """

    def __init__(self, *, per_rule: int = PROBLEMS_PER_CHECK, limit: int = MAX_PROBLEMS) -> None:
        super().__init__()
        self.per_rule = per_rule
        self.limit = limit
        self._counts: dict[tuple[str, str, str], int] = {}
        self._extra: dict[tuple[str, str, str], Problem] = {}  # the first problem of a rule beyond its cap
        #: The problem that did not fit any more (the validation stopped there), if any.
        self.stopped: Problem | None = None

    def append(self, p: Problem) -> None:
        key = rule_of(p)
        n = self._counts[key] = self._counts.get(key, 0) + 1
        if n > self.per_rule:
            self._extra.setdefault(key, p)
            return
        if len(self) >= self.limit:
            self.stopped = p
            raise ProblemLimit
        super().append(p)

    def extend(self, problems: Iterable[Problem]) -> None:
        for p in problems:
            self.append(p)

    def __iadd__(self, problems: Iterable[Problem]) -> ProblemLog:  # type: ignore[override,misc]
        self.extend(problems)
        return self

    def insert(self, index: SupportsIndex, p: Problem) -> None:
        self.append(p)

    def listed(self) -> list[Problem]:
        """The problems kept, with one more per capped rule saying how many were left out."""
        out = list(self)
        at_least = "at least " if self.stopped is not None else ""
        for key, p in self._extra.items():
            more = self._counts[key] - self.per_rule - 1
            if more:
                p = replace(p, message=f"{p.message} -- and {at_least}{more} more problems of this kind in this "
                                       f"file (only the first {self.per_rule + 1} are listed)")
            out.append(p)
        return out

    def error(self) -> InvalidData:
        """The :class:`InvalidData` to raise: the problems listed, then (if it stopped) a last line."""
        more = None
        if self.stopped is not None:
            s = self.stopped
            more = Problem(s.path, s.line, s.column, "<problems>",
                           f"... and more problems not listed (limit {self.limit:,}): the validation stopped here")
        return InvalidData(self.listed(), more=more)
