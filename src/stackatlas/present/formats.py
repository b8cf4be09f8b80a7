"""Numbers, shares, amounts, dates and lists written the Dutch or the English way, for the pages of the web
atlas and for the briefings (the same figure reads the same in both).

Dutch writes a decimal comma and groups thousands with a dot (``1.234,5``), English the other way round
(``1,234.5``). A missing or non-finite number is written as an en dash. Every function is pure and takes
the language as the keyword ``lang`` (``"nl"`` or ``"en"``).

>>> number(1234.567, lang="nl"), number(1234.567, lang="en")
('1.234,57', '1,234.57')
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Sequence
from typing import Any

__all__ = ["DASH", "amount", "count", "date", "indicator_value", "interval", "join", "missing", "number", "percent",
           "period"]

DASH = "–"
_MONTHS = {
    "nl": ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
           "november", "december"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"),
}


def missing(v: Any) -> bool:
    """None, NaN or an infinity: nothing to write.

    >>> missing(None), missing(float("nan")), missing(float("inf")), missing(0)
    (True, True, True, False)
    """
    return v is None or (isinstance(v, float) and not math.isfinite(v))


def _localise(s: str, lang: str) -> str:
    """Swap the English separators for the Dutch ones."""
    if lang == "nl":
        return s.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return s


def number(v: Any, *, lang: str, digits: int = 2) -> str:
    """A number with ``digits`` decimals and grouped thousands; whole numbers of type ``int`` without
    decimals, and ``digits=0`` rounds half to even.

    >>> number(1234567.891, lang="nl"), number(1234567.891, lang="en", digits=1)
    ('1.234.567,89', '1,234,567.9')
    >>> number(12000, lang="nl"), number(12000, lang="en"), number(2.5, lang="en", digits=0)
    ('12.000', '12,000', '2')
    >>> number(None, lang="nl"), number(float("nan"), lang="en")
    ('–', '–')
    """
    if missing(v):
        return DASH
    if isinstance(v, int) and not isinstance(v, bool):
        s = f"{v:,}"
    elif digits == 0:
        s = f"{round(float(v)):,d}"
    else:
        s = f"{float(v):,.{digits}f}"
    return _localise(s, lang)


def count(v: Any, *, lang: str) -> str:
    """A count: without decimals when whole, else with one (fractional counts of multi-layer actors).

    >>> count(1200.0, lang="nl"), count(2.5, lang="nl"), count(2.5, lang="en")
    ('1.200', '2,5', '2.5')
    """
    if missing(v):
        return DASH
    f = float(v)
    return number(int(f), lang=lang) if f.is_integer() else number(f, lang=lang, digits=1)


def percent(v: Any, *, lang: str, digits: int = 0) -> str:
    """A share in [0, 1] as a percentage.

    >>> percent(0.256, lang="nl", digits=1), percent(0.256, lang="en"), percent(None, lang="en")
    ('25,6%', '26%', '–')
    """
    if missing(v):
        return DASH
    return f"{number(100 * float(v), lang=lang, digits=digits)}%"


def interval(lo: Any, hi: Any, *, lang: str, digits: int = 2) -> str:
    """An interval as ``lo–hi``.

    >>> interval(0.5, 1.25, lang="nl"), interval(0.5, 1.25, lang="en", digits=1)
    ('0,50–1,25', '0.5–1.2')
    """
    return f"{number(lo, lang=lang, digits=digits)}–{number(hi, lang=lang, digits=digits)}"


def indicator_value(v: Any, *, lang: str, unit: str | None = None) -> str:
    """A published figure as it was given: whole numbers without decimals (a year without grouping), others
    with up to two decimals (one from 100 on), trailing zeros dropped.

    >>> indicator_value(2016.0, lang="nl", unit="year"), indicator_value(12500.0, lang="nl")
    ('2016', '12.500')
    >>> indicator_value(4.30, lang="nl"), indicator_value(3.14159, lang="en"), indicator_value(1234.56, lang="en")
    ('4,3', '3.14', '1,234.6')
    """
    if missing(v):
        return DASH
    f = float(v)
    if unit == "year" and f.is_integer():
        return str(int(f))
    if f.is_integer():
        return number(int(f), lang=lang)
    digits = 2 if abs(f) < 100 else 1
    while digits > 0 and round(f, digits - 1) == round(f, digits):
        digits -= 1  # 4.30 -> 4.3
    return number(f, lang=lang, digits=digits)


def amount(v: Any, *, lang: str, currency: str | None = None) -> str:
    """A sum of money, with millions and billions abbreviated ("" when there is none).

    >>> amount(2_500_000_000, lang="nl", currency="EUR"), amount(2_500_000_000, lang="en", currency="EUR")
    ('EUR 2,5 mld', 'EUR 2.5 bn')
    >>> amount(40e6, lang="en", currency="USD"), amount(75000, lang="nl", currency="EUR"), amount(950, lang="en")
    ('USD 40.0 m', 'EUR 75.000', '950')
    """
    if missing(v):
        return ""
    f = float(v)
    bn, mn = ("mld", "mln") if lang == "nl" else ("bn", "m")
    if f >= 1e9:
        s = f"{number(f / 1e9, lang=lang, digits=1)} {bn}"
    elif f >= 1e6:
        s = f"{number(f / 1e6, lang=lang, digits=1)} {mn}"
    else:
        s = number(int(f), lang=lang)
    return f"{currency or ''} {s}".strip()


def date(v: Any, *, lang: str, long: bool = False) -> str:
    """A date of precision year (``2024``), month (``2024-05``) or day (``2024-05-17``), as the dataset gives
    it (ISO 8601), or with ``long=True`` in words; an unreadable text is returned as it is.

    >>> date("2024-05-17", lang="nl"), date(_dt.date(2024, 5, 17), lang="en")
    ('2024-05-17', '2024-05-17')
    >>> date("2024-05-07", lang="nl", long=True), date("2024-05-07", lang="en", long=True)
    ('7 mei 2024', '7 May 2024')
    >>> date("2024-05", lang="nl", long=True), date("2024", lang="en", long=True), date(None, lang="en")
    ('mei 2024', '2024', '')
    """
    if v is None:
        return ""
    text = v.isoformat() if isinstance(v, _dt.date) else str(v)
    if not long:
        return text
    parts = text.split("-")
    if not all(p.isdigit() for p in parts) or not 1 <= len(parts) <= 3:
        return text
    if len(parts) == 1:
        return parts[0]
    month = _MONTHS["nl" if lang == "nl" else "en"][int(parts[1]) - 1]
    return f"{month} {parts[0]}" if len(parts) == 2 else f"{int(parts[2])} {month} {parts[0]}"


def period(start: Any, end: Any, *, lang: str, long: bool = False) -> str:
    """A period ``start–end`` (an open end stays empty).

    >>> period("2019", "2023", lang="nl"), period("2021-01", None, lang="en", long=True)
    ('2019–2023', 'January 2021–')
    """
    return f"{date(start, lang=lang, long=long)}–{date(end, lang=lang, long=long)}"


def join(items: Sequence[str], *, lang: str) -> str:
    """A list in words: ``a``, ``a and b``, ``a, b and c`` (Dutch ``en``); empty items are left out.

    >>> join(["chips", "AI", "cloud"], lang="nl"), join(["chips", "", "AI"], lang="en"), join([], lang="en")
    ('chips, AI en cloud', 'chips and AI', '')
    """
    items = [i for i in items if i]
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + (" en " if lang == "nl" else " and ") + items[-1]
