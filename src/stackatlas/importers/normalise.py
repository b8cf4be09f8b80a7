"""Normalisers for imported values: text keys and slugs, dates, amounts with currencies, countries, URLs.

Each scalar function takes one cell (a string) and returns the normalised value, ``None`` for a missing
value (an empty cell, ``n/a``, ``undisclosed``), or raises :class:`ValueError` with a message fit for the
import report. :func:`apply_unique` runs a scalar function over an Arrow column once per *distinct* value
(dictionary encoding), so a million rows with a few thousand distinct cities cost a few thousand calls;
:func:`slugify_array` and :func:`fold_array` are pure Arrow compute kernels that give exactly what their
scalar twins give.
"""

from __future__ import annotations

import datetime as _dt
import re
import unicodedata
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

import pyarrow as pa
import pyarrow.compute as pc

from ..dataset.model import ISO_COUNTRIES
from ._countries import country_names

__all__ = [
    "CURRENCIES",
    "MISSING",
    "apply_unique",
    "country_code",
    "domain_of",
    "fold",
    "fold_array",
    "name_key",
    "norm_date",
    "norm_percent",
    "norm_url",
    "parse_amount",
    "slugify",
    "slugify_array",
]

T = TypeVar("T")

#: Cells that mean "no value" rather than a bad value (compared after :func:`fold`).
MISSING = frozenset({"", "n a", "na", "none", "null", "nan", "unknown", "undisclosed", "not disclosed",
                     "onbekend", "niet bekend", "niet openbaar", "tbd", "tba", "nvt", "n v t"})

SLUG_MAX = 80

# --- text ------------------------------------------------------------------------------------------

_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def fold(text: str) -> str:
    """Lower case, no accents, punctuation as single spaces: the key names are compared by.

    >>> fold("  'S-Hertogenbosch ")
    's hertogenbosch'
    >>> fold("Zürich") == fold("ZURICH")
    True
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    ascii_ = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _NON_ALNUM.sub(" ", ascii_).strip()


def fold_array(arr: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """:func:`fold` as Arrow kernels (non-ASCII letters that do not decompose are dropped).

    Equal to :func:`fold` for text whose letters are ASCII after removing accents (``ß`` and ``ø``
    differ; such keys simply do not match, which the resolvers report).
    """
    s = pc.utf8_normalize(pc.utf8_lower(arr), form="NFKD")
    s = pc.replace_substring_regex(s, r"[^\x00-\x7f]", "")
    s = pc.replace_substring_regex(s, r"[^0-9a-z]+", " ")
    return pc.utf8_trim(s, characters=" ")


def slugify(text: str, max_len: int = SLUG_MAX) -> str:
    """An id slug (``[a-z0-9][a-z0-9-]*``) from a name; ``""`` when nothing ASCII is left.

    >>> slugify("ASML Holding N.V.")
    'asml-holding-n-v'
    >>> slugify("Ésprit & Co — Zürich")
    'esprit-co-zurich'
    """
    decomposed = unicodedata.normalize("NFKD", text.lower())
    ascii_ = "".join(c for c in decomposed if ord(c) < 128)
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_).strip("-")
    return slug[:max_len].strip("-")


def slugify_array(arr: pa.Array | pa.ChunkedArray, max_len: int = SLUG_MAX) -> pa.Array | pa.ChunkedArray:
    """:func:`slugify` as Arrow compute kernels (same result for every input)."""
    s = pc.utf8_normalize(pc.utf8_lower(arr), form="NFKD")
    s = pc.replace_substring_regex(s, r"[^\x00-\x7f]", "")
    s = pc.replace_substring_regex(s, r"[^a-z0-9]+", "-")
    s = pc.utf8_trim(s, characters="-")
    s = pc.utf8_slice_codeunits(s, 0, max_len)
    return pc.utf8_trim(s, characters="-")


# legal forms, compared as folded tokens at the end (or start) of a name
_LEGAL = frozenset("""bv nv b v n v vof cv bvba sprl gmbh ag kg ug se inc incorporated corp corporation co ltd
limited llc llp lp plc sa sas sarl srl spa s p a ab oy oyj as a s aps asa kk pte pty holding holdings group
""".split())
_LEGAL_MULTI = ("b v", "n v", "s a", "s p a", "a s", "s a s", "s a r l", "s r l", "co ltd", "pte ltd", "pty ltd")


def name_key(name: str) -> str:
    """A name without legal forms, case, accents and punctuation: how two spellings of a name are compared.

    >>> name_key("ASML Holding N.V.")
    'asml'
    >>> name_key("Adyen B.V.") == name_key("ADYEN")
    True
    >>> name_key("The Group")  # never empty when the name is not
    'the group'
    """
    folded = fold(name)
    tokens = folded.split()
    out = list(tokens)
    changed = True
    while changed and len(out) > 1:
        changed = False
        for multi in _LEGAL_MULTI:
            parts = multi.split()
            if len(out) > len(parts) and out[-len(parts):] == parts:
                out = out[:-len(parts)]
                changed = True
        if len(out) > 1 and out[-1] in _LEGAL:
            out = out[:-1]
            changed = True
        if len(out) > 1 and out[0] == "the":
            out = out[1:]
            changed = True
    if not out or all(t in _LEGAL or t == "the" for t in out):
        return folded
    return " ".join(out)


# --- countries -----------------------------------------------------------------------------------------


def _country_names() -> dict[str, str]:
    return country_names(fold)


def country_code(text: str, extra: dict[str, str] | None = None) -> str | None:
    """ISO 3166-1 alpha-2 code of a country given by code (alpha-2 or alpha-3) or name (English, Dutch,
    native; case and accents do not matter). ``extra`` maps further folded names to codes.

    >>> country_code("the Netherlands"), country_code("NLD"), country_code("nl"), country_code("België")
    ('NL', 'NL', 'NL', 'BE')
    >>> country_code("Côte d’Ivoire"), country_code("U.S.A."), country_code("Verenigd Koninkrijk")
    ('CI', 'US', 'GB')
    """
    raw = text.strip()
    key = fold(raw)
    if key in MISSING:
        return None
    up = raw.upper()
    if len(up) == 2 and up in ISO_COUNTRIES:
        return up
    if up == "UK":
        return "GB"
    names = _country_names()
    if len(up) == 3 and up.isalpha() and f"\0{up}" in names:
        return names[f"\0{up}"]
    if extra and key in extra:
        return extra[key]
    if key in names:
        return names[key]
    if key.startswith("the ") and key[4:] in names:
        return names[key[4:]]
    raise ValueError(f"unknown country {raw!r}")


# --- dates ---------------------------------------------------------------------------------------------

_MONTHS = {
    "january": 1, "jan": 1, "januari": 1, "janvier": 1, "januar": 1,
    "february": 2, "feb": 2, "februari": 2, "fevrier": 2, "februar": 2,
    "march": 3, "mar": 3, "maart": 3, "mrt": 3, "mars": 3, "marz": 3,
    "april": 4, "apr": 4, "avril": 4,
    "may": 5, "mei": 5, "mai": 5,
    "june": 6, "jun": 6, "juni": 6, "juin": 6,
    "july": 7, "jul": 7, "juli": 7, "juillet": 7,
    "august": 8, "aug": 8, "augustus": 8, "aout": 8,
    "september": 9, "sep": 9, "sept": 9, "septembre": 9,
    "october": 10, "oct": 10, "oktober": 10, "okt": 10, "octobre": 10,
    "november": 11, "nov": 11, "novembre": 11,
    "december": 12, "dec": 12, "decembre": 12, "dezember": 12,
}
_ISO_TIME = re.compile(r"^(\d{4}-\d{2}-\d{2})[T ]\d{1,2}:\d{2}.*$")
_YMD = re.compile(r"^(\d{4})[-/.](\d{1,2})(?:[-/.](\d{1,2}))?$")
_XXY = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$")
_MY = re.compile(r"^(\d{1,2})[-/.](\d{4})$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_YEAR = re.compile(r"^(\d{4})(?:\.0+)?$")
_APPROX = re.compile(r"^(?:circa|ca\.?|c\.|approx\.?|~)\s*(\d{4})$", re.IGNORECASE)
_QUARTER = re.compile(r"^(?:[QH][1-4]\s*[-/ ]?\s*(\d{4})|(\d{4})\s*[-/ ]?\s*[QH][1-4])$", re.IGNORECASE)


def _fmt(y: int, m: int | None = None, d: int | None = None) -> str:
    if not 1000 <= y <= 2200:
        raise ValueError(f"year {y} is out of range")
    if m is None:
        return f"{y:04d}"
    if not 1 <= m <= 12:
        raise ValueError(f"month {m} is out of range")
    if d is None:
        return f"{y:04d}-{m:02d}"
    try:
        _dt.date(y, m, d)
    except ValueError as exc:
        raise ValueError(f"{y:04d}-{m:02d}-{d:02d} is not a valid date ({exc})") from None
    return f"{y:04d}-{m:02d}-{d:02d}"


def norm_date(text: str, order: str = "dmy") -> str | None:
    """A date as ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` (as precise as the input, never more).

    ``order`` (``dmy`` or ``mdy``) reads ``03/04/2021``; a day above 12 settles it either way.

    >>> norm_date("2021-3-5"), norm_date("2021-03-05T10:00:00Z"), norm_date("05/03/2021")
    ('2021-03-05', '2021-03-05', '2021-03-05')
    >>> norm_date("03/05/2021", order="mdy"), norm_date("13/05/2021", order="mdy")
    ('2021-03-05', '2021-05-13')
    >>> norm_date("March 2021"), norm_date("5 maart 2021"), norm_date("Mar 5, 2021"), norm_date("2015.0")
    ('2021-03', '2021-03-05', '2021-03-05', '2015')
    >>> norm_date("Q3 2020"), norm_date("ca. 1990"), norm_date("20210305"), norm_date("n/a")
    ('2020', '1990', '2021-03-05', None)
    """
    s = text.strip()
    if fold(s) in MISSING or s in ("-", "—"):
        return None
    m = _ISO_TIME.match(s)
    if m:
        s = m[1]
    if m := _YEAR.match(s):
        return _fmt(int(m[1]))
    if m := _YMD.match(s):
        return _fmt(int(m[1]), int(m[2]), int(m[3]) if m[3] else None)
    if m := _XXY.match(s):
        a, b, y = int(m[1]), int(m[2]), int(m[3])
        if order == "mdy":
            a, b = b, a  # now a = day, b = month
        if b > 12 and a <= 12:
            a, b = b, a
        return _fmt(y, b, a)
    if m := _MY.match(s):
        return _fmt(int(m[2]), int(m[1]))
    if m := _COMPACT.match(s):
        return _fmt(int(m[1]), int(m[2]), int(m[3]))
    if m := _APPROX.match(s):
        return _fmt(int(m[1]))
    if m := _QUARTER.match(s):
        return _fmt(int(m[1] or m[2]))
    tokens = fold(s).split()
    if 2 <= len(tokens) <= 3:
        year = [int(t) for t in tokens if len(t) == 4 and t.isdigit()]
        month = [_MONTHS[t] for t in tokens if t in _MONTHS]
        day = [int(t.rstrip("stndrh")) for t in tokens if re.fullmatch(r"\d{1,2}(st|nd|rd|th)?", t)]
        if len(year) == 1 and len(month) == 1 and len(day) == len(tokens) - 2:
            return _fmt(year[0], month[0], day[0] if day else None)
    raise ValueError(f"{text.strip()!r} is not a date")


# --- amounts -------------------------------------------------------------------------------------------

#: ISO 4217 codes recognised inside a text ("EUR 3,5 mln"); a currency column may hold any three letters.
CURRENCIES = frozenset("""EUR USD GBP JPY CNY CHF SEK NOK DKK PLN CZK HUF RON BGN ISK TRY RUB UAH INR KRW TWD
HKD SGD AUD NZD CAD BRL MXN ARS CLP COP ZAR ILS AED SAR QAR EGP NGN KES MAD IDR MYR THB VND PHP PKR BDT""".split())
_SYMBOLS = (("US$", "USD"), ("USD$", "USD"), ("HK$", "HKD"), ("NZ$", "NZD"), ("CA$", "CAD"), ("AU$", "AUD"),
            ("A$", "AUD"), ("C$", "CAD"), ("S$", "SGD"), ("R$", "BRL"), ("$", "USD"), ("€", "EUR"), ("£", "GBP"),
            ("¥", "JPY"), ("₹", "INR"), ("₩", "KRW"), ("₽", "RUB"), ("₺", "TRY"), ("₪", "ILS"), ("zł", "PLN"))
_CURRENCY_WORDS = {"euro": "EUR", "euros": "EUR", "dollar": "USD", "dollars": "USD", "pound": "GBP",
                   "pounds": "GBP", "yen": "JPY", "yuan": "CNY", "renminbi": "CNY", "rmb": "CNY"}
_MULTIPLIERS = {
    "k": 1e3, "thousand": 1e3, "thousands": 1e3, "duizend": 1e3, "dzd": 1e3, "te": 1e3,
    "m": 1e6, "mm": 1e6, "mn": 1e6, "mln": 1e6, "mio": 1e6, "million": 1e6, "millions": 1e6, "miljoen": 1e6,
    "miljoenen": 1e6, "millionen": 1e6,
    "b": 1e9, "bn": 1e9, "bln": 1e9, "billion": 1e9, "billions": 1e9, "miljard": 1e9, "mld": 1e9, "mrd": 1e9,
    "milliard": 1e9, "md": 1e9,
    "t": 1e12, "tn": 1e12, "trillion": 1e12, "biljoen": 1e12,
}
_NUMBER = re.compile(r"^(?P<num>\d[\d.,'\s]*)\s*(?P<mult>[^\d\s]+)?$")


def _number(text: str, has_multiplier: bool, decimal: str | None) -> float:
    s = re.sub(r"[\s']", "", text)
    if decimal is not None:
        thousands = "." if decimal == "," else ","
        return float(s.replace(thousands, "").replace(decimal, "."))
    dots, commas = s.count("."), s.count(",")
    if dots and commas:  # the later one is the decimal mark
        dec = "." if s.rfind(".") > s.rfind(",") else ","
        other = "," if dec == "." else "."
        if s.count(dec) > 1:
            raise ValueError("ambiguous separators")
        return float(s.replace(other, "").replace(dec, "."))
    sep = "." if dots else ("," if commas else "")
    if not sep:
        return float(s)
    if s.count(sep) > 1:  # 1.000.000 or 1,000,000
        groups = s.split(sep)
        if any(len(g) != 3 for g in groups[1:]):
            raise ValueError("ambiguous separators")
        return float(s.replace(sep, ""))
    head, tail = s.split(sep)
    if len(tail) == 3 and not has_multiplier:  # 1,200 / 1.200: a thousands separator
        return float(head + tail)
    return float(f"{head}.{tail}")


def parse_amount(text: str, default_currency: str | None = None,
                 decimal: str | None = None) -> tuple[float, str | None] | None:
    """An amount in units and its ISO 4217 currency (``None`` when the text names none and there is no
    default). A single ``.`` or ``,`` before exactly three digits is a thousands separator unless a
    multiplier (``k``, ``M``, ``mln``, ``bn``, ``miljard``, ...) follows; ``decimal`` forces the mark.

    >>> parse_amount("$1.2M"), parse_amount("EUR 3,5 mln"), parse_amount("€ 2.500.000")
    ((1200000.0, 'USD'), (3500000.0, 'EUR'), (2500000.0, 'EUR'))
    >>> parse_amount("1,250", "EUR"), parse_amount("£300k"), parse_amount("1.5bn USD"), parse_amount("undisclosed")
    ((1250.0, 'EUR'), (300000.0, 'GBP'), (1500000000.0, 'USD'), None)
    """
    s = text.strip().replace("\u00a0", " ").replace("\u202f", " ")
    if fold(s) in MISSING or s in ("-", "—"):
        return None
    if s.startswith("-"):
        raise ValueError(f"{text.strip()!r} is negative")
    currency = None
    for sym, code in _SYMBOLS:
        if sym in s:
            currency = code
            s = s.replace(sym, " ", 1)
            break
    if currency is None:
        for word in re.findall(r"[A-Za-z]+", s):
            up = word.upper()
            if len(word) == 3 and up in CURRENCIES:
                currency = up
            elif word.lower() in _CURRENCY_WORDS:
                currency = _CURRENCY_WORDS[word.lower()]
            else:
                continue
            s = re.sub(rf"\b{word}\b", " ", s, count=1)
            break
    s = s.strip()
    m = _NUMBER.match(s)
    if not m:
        raise ValueError(f"{text.strip()!r} is not an amount")
    mult_word = (m["mult"] or "").strip().rstrip(".").lower()
    if mult_word and mult_word not in _MULTIPLIERS and m["mult"] not in ("M", "B", "K"):
        raise ValueError(f"{text.strip()!r} is not an amount (unknown unit {m['mult'].strip()!r})")
    factor = _MULTIPLIERS.get(mult_word, 1.0)
    try:
        value = _number(m["num"].strip(), bool(mult_word), decimal) * factor
    except ValueError:
        raise ValueError(f"{text.strip()!r} is not an amount (ambiguous separators)") from None
    return round(value, 6), currency or default_currency


def norm_percent(text: str, scale: str = "percent") -> float | None:
    """A stake in percent (0-100); ``scale="fraction"`` reads 0.51 as 51 %.

    >>> norm_percent("51%"), norm_percent("12,5"), norm_percent("0.51", scale="fraction")
    (51.0, 12.5, 51.0)
    """
    s = text.strip().replace(" ", "")
    if fold(s) in MISSING:
        return None
    had_pct = s.endswith("%")
    s = s.rstrip("%").replace(",", ".")
    try:
        value = float(s)
    except ValueError:
        raise ValueError(f"{text.strip()!r} is not a percentage") from None
    if scale == "fraction" and not had_pct:
        value *= 100
    if not 0 <= value <= 100:
        raise ValueError(f"{text.strip()!r} is not between 0 and 100 %")
    return round(value, 6)


# --- web -----------------------------------------------------------------------------------------------


def norm_url(text: str) -> str | None:
    """An http(s) URL: ``example.com`` becomes ``https://example.com``; the scheme is put in lower case
    (as the importer's Arrow kernels do); spaces, other schemes and hosts without a dot are errors.

    >>> norm_url("www.adyen.com"), norm_url("HTTP://Mollie.com/nl/")
    ('https://www.adyen.com', 'http://Mollie.com/nl/')
    """
    s = text.strip()
    if fold(s) in MISSING:
        return None
    if not re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", s):
        s = "https://" + s.lstrip("/")
    s = re.sub(r"^(?i:https?)://", lambda m: m[0].lower(), s)
    if not re.match(r"^https?://[^\s/]+\.[^\s/]+(/\S*)?$", s):
        raise ValueError(f"{text.strip()!r} is not a web address")
    return s


def domain_of(url: str | None) -> str | None:
    """The host of a web address without ``www.`` (what two records with the same website share).

    >>> domain_of("https://www.ASML.com/en/"), domain_of(None)
    ('asml.com', None)
    """
    if not url:
        return None
    try:
        host = urlsplit(url if "://" in url else "https://" + url).hostname
    except ValueError:
        return None
    if not host:
        return None
    return host[4:] if host.startswith("www.") else host


# --- Arrow ---------------------------------------------------------------------------------------------


def apply_unique(arr: pa.Array | pa.ChunkedArray, fn: Callable[[str], Any], out_type: pa.DataType,
                 ) -> tuple[pa.Array, pa.Array]:
    """Run ``fn`` once per distinct non-null value of ``arr``; return (values, errors) per row.

    ``errors`` holds the message of the :class:`ValueError` ``fn`` raised (else null); a null cell gives
    null in both.
    """
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if not pa.types.is_string(arr.type) and not pa.types.is_large_string(arr.type):
        arr = pc.cast(arr, pa.string())
    enc = pc.dictionary_encode(arr)
    values: list[Any] = []
    errors: list[str | None] = []
    for v in enc.dictionary.to_pylist():
        try:
            values.append(fn(v))
            errors.append(None)
        except ValueError as exc:
            values.append(None)
            errors.append(str(exc))
    vals = pa.array(values, type=out_type).take(enc.indices)
    errs = pa.array(errors, type=pa.string()).take(enc.indices)
    return vals, errs
