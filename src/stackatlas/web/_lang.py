"""The one decision of a request's language, used by the pages, the error pages, the response cache (its key)
and the ``lang`` cookie, so that they can never disagree.

The rule: the ``lang`` query parameter, else the ``lang`` cookie, else the browser's Accept-Language, else
English. A value counts when, stripped of spaces and double quotes and lower-cased, it is one of
:data:`~stackatlas.present.i18n.LANGS`; when a parameter or cookie is repeated, the **first value that
counts** decides (``?lang=nl&lang=`` and ``?lang=&lang=nl`` are Dutch; ``?lang=nl&lang=en`` is Dutch).
Accept-Language is read with its weights (RFC 9110 section 12.5.4): the language with the highest ``q``
that counts (the first of equal weights; ``q=0`` means "not this one"), by its primary subtag (``nl-BE``
is ``nl``).

Everything here works on the raw ASGI scope (query string bytes, header values), so the middleware and the
routes see the same answer.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl

from starlette.datastructures import Headers

from ..present.i18n import LANGS

__all__ = ["DEFAULT", "accept_lang", "cookie_lang", "decide", "lang_of_scope", "query_lang"]

DEFAULT = "en"
_QUOTES = ' \t"'


def _known(value: str | None) -> str | None:
    """``value`` as a language of the atlas, or None.

    >>> _known(' "NL" '), _known("de"), _known("")
    ('nl', None, None)
    """
    if value is None:
        return None
    v = value.strip(_QUOTES).lower()
    return v if v in LANGS else None


def _first(values: Iterable[str]) -> str | None:
    for v in values:
        k = _known(v)
        if k is not None:
            return k
    return None


def query_lang(query_string: bytes | str) -> str | None:
    """The language the query string asks for (the first ``lang`` value that names one), or None.

    >>> query_lang(b"lang=nl&lang="), query_lang(b"lang=&lang=nl"), query_lang(b"lang=%20nl"), query_lang(b"x=1")
    ('nl', 'nl', 'nl', None)
    """
    qs = query_string.decode("latin-1") if isinstance(query_string, bytes) else query_string
    if "lang" not in qs:
        return None
    return _first(v for k, v in parse_qsl(qs, keep_blank_values=True) if k.strip() == "lang")


def cookie_lang(cookie_header: str | None) -> str | None:
    """The language of the ``lang`` cookie (the first one that names a language), or None.

    >>> cookie_lang('lang="nl"'), cookie_lang("a=1; lang= nl"), cookie_lang("lang=xx; lang=nl"), cookie_lang(None)
    ('nl', 'nl', 'nl', None)
    """
    if not cookie_header or "lang" not in cookie_header:
        return None
    return _first(v for k, _, v in (p.partition("=") for p in cookie_header.split(";")) if k.strip() == "lang")


def accept_lang(accept: str | None) -> str | None:
    """The preferred language of an Accept-Language header that the atlas has, or None.

    >>> accept_lang("nl-NL,nl;q=0.9"), accept_lang("en;q=0.1, nl"), accept_lang("de, nl;q=0"), accept_lang("fr")
    ('nl', 'nl', None, None)
    """
    if not accept:
        return None
    best: tuple[float, str] | None = None
    for part in accept[:1000].split(",")[:50]:
        tag, _, params = part.partition(";")
        lang = _known(tag.split("-")[0])
        if lang is None:
            continue
        q = 1.0
        for p in params.split(";"):
            k, _, v = p.partition("=")
            if k.strip().lower() == "q":
                try:
                    q = float(v.strip())
                except ValueError:
                    q = 0.0
        if q > 0 and (best is None or q > best[0]):
            best = (q, lang)
    return best[1] if best else None


def decide(query_string: bytes | str, cookie_header: str | None, accept: str | None) -> str:
    """The language of a request: query parameter, then cookie, then Accept-Language, then English.

    >>> decide(b"lang=nl", "lang=en", "en"), decide(b"", 'lang="nl"', "en"), decide(b"", None, "nl")
    ('nl', 'nl', 'nl')
    >>> decide(b"lang=xx", "lang=", "fr")
    'en'
    """
    return query_lang(query_string) or cookie_lang(cookie_header) or accept_lang(accept) or DEFAULT


def lang_of_scope(scope: dict[str, Any] | Any) -> str:
    """:func:`decide` on an ASGI scope (what :class:`~stackatlas.web._middleware.ResponseCache` keys by and
    what the pages render in)."""
    headers = Headers(scope=scope)
    cookie = "; ".join(headers.getlist("cookie"))  # HTTP/2 may split the cookies over several headers
    return decide(scope.get("query_string", b""), cookie, headers.get("accept-language"))
