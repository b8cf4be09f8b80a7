"""The numbered source list of a briefing and the footnotes that point into it.

Sources are numbered in the order in which the document first cites them. Entry 1 is always the dataset
itself ("stackatlas dataset <id> version <v>, computed <date>"): every count, share, index or score that
the briefing computes cites it. When a computed number rests on few facts (at most :data:`FEW`
organisations or ties), the sources of those facts are cited as well, so a reader can check each one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from .model import SourceEntry

__all__ = ["FEW", "Bibliography"]

FEW = 3  # counts of at most this many facts also cite the facts' own sources


class Bibliography:
    """Assigns footnote numbers to sources in order of first citation.

    ``sources`` maps a source id to its record (title, author, publisher, date, url); ``facts`` maps
    ``(subject_type, subject)`` to the citations of that fact as ``(source, locator)`` pairs.
    """

    def __init__(self, sources: Mapping[str, Mapping[str, object]],
                 facts: Mapping[tuple[str, str], list[tuple[str, str | None]]], dataset_title: str) -> None:
        self._sources = sources
        self._facts = facts
        self._numbers: dict[str, int] = {}
        self._entries: list[SourceEntry] = []
        self._dataset_title = dataset_title
        self._number("__dataset__")

    # -- numbering -----------------------------------------------------------------------------------
    def _number(self, source: str, locator: str | None = None) -> int:
        n = self._numbers.get(source)
        if n is None:
            n = len(self._entries) + 1
            self._numbers[source] = n
            if source == "__dataset__":
                entry = SourceEntry(number=n, id="dataset", title=self._dataset_title, kind="dataset")
            else:
                rec = self._sources.get(source, {})
                entry = SourceEntry(number=n, id=source, title=str(rec.get("title") or source),
                                    author=_str(rec.get("author")), publisher=_str(rec.get("publisher")),
                                    date=_str(rec.get("date")), url=_str(rec.get("url")))
            self._entries.append(entry)
        if locator:
            locs = self._entries[n - 1].locators
            if locator not in locs:
                locs.append(locator)
        return n

    @property
    def dataset(self) -> tuple[int, ...]:
        """The footnote of the dataset (computed numbers)."""
        return (self._numbers["__dataset__"],)

    def sources(self, ids: Iterable[str]) -> tuple[int, ...]:
        """Footnotes for source ids, in the order given, without duplicates."""
        return _unique(self._number(s) for s in ids)

    def fact(self, subject_type: str, subject: str) -> tuple[int, ...]:
        """Footnotes for the sources of one fact (an actor, relation, indicator, position, synergy, ...)."""
        return _unique(self._number(s, loc) for s, loc in self._facts.get((subject_type, subject), []))

    def facts(self, subject_type: str, subjects: Iterable[str]) -> tuple[int, ...]:
        out: list[int] = []
        for s in subjects:
            out.extend(self.fact(subject_type, s))
        return _unique(out)

    def count(self, subject_type: str, subjects: Iterable[str], *, few: int = FEW) -> tuple[int, ...]:
        """Footnotes for a number computed from facts: the dataset, plus the facts' sources when few."""
        subs = list(dict.fromkeys(subjects))
        if 0 < len(subs) <= few:
            return _unique([*self.dataset, *self.facts(subject_type, subs)])
        return self.dataset

    def entries(self) -> list[SourceEntry]:
        return list(self._entries)


def _unique(xs: Iterable[int]) -> tuple[int, ...]:
    return tuple(dict.fromkeys(xs))


def _str(v: object) -> str | None:
    if v is None:
        return None
    if isinstance(v, float) and v != v:  # NaN
        return None
    s = str(v).strip()
    return s or None
