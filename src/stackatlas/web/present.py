"""Names, numbers and links for the templates, in the language of the request."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

from ..present import formats
from ..present.i18n import name, translator
from .queries import Lookups

__all__ = ["View"]


class View:
    """Passed to every template as ``v``: ``v.t(key)``, ``v.actor(id)``, ``v.num(x)``, ``v.url(...)``."""

    def __init__(self, lk: Lookups, lang: str, path: str = "/", query: dict[str, str] | None = None) -> None:
        self.lk = lk
        self.lang = lang
        self.t = translator(lang)
        self.path = path
        self.query = {k: v for k, v in (query or {}).items() if k != "lang"}

    # -- names ---------------------------------------------------------------------------------------
    def text(self, record: dict[str, Any] | None, field: str = "name") -> str:
        return name(record, self.lang, field)

    def opt(self, record: dict[str, Any] | None, field: str) -> str:
        """``{field}_{lang}`` (or the other language), or "" when the record has neither."""
        if not record:
            return ""
        other = "en" if self.lang == "nl" else "nl"
        return str(record.get(f"{field}_{self.lang}") or record.get(f"{field}_{other}") or "")

    def actor(self, ident: str | None) -> str:
        a = self.lk.actor.get(ident or "")
        return a["name"] if a else (ident or "")

    def place(self, ident: str | None) -> str:
        p = self.lk.place.get(ident or "")
        return name(p, self.lang) if p else (ident or "")

    def place_short(self, ident: str | None) -> str:
        """A place's name without a trailing explanation in brackets (for dense tables)."""
        full = self.place(ident)
        short = re.sub(r"\s*\([^()]*\)$", "", full)
        return short or full

    def place_type(self, ident: str | None) -> str:
        p = self.lk.place.get(ident or "")
        return p["type"] if p else ""

    def layer(self, ident: str | None) -> str:
        x = self.lk.layer.get(ident or "")
        return name(x, self.lang) if x else (ident or "")

    def sublayer(self, layer: str | None, ident: str | None) -> str:
        x = self.lk.sublayer.get((layer or "", ident or ""))
        return name(x, self.lang) if x else (ident or "")

    def domain(self, ident: str | None) -> str:
        x = self.lk.domain.get(ident or "")
        return name(x, self.lang) if x else (ident or "")

    def kind(self, ident: str | None) -> str:
        x = self.lk.kind.get(ident or "")
        return name(x, self.lang) if x else (ident or "")

    def rtype(self, ident: str | None) -> str:
        x = self.lk.rtype.get(ident or "")
        return name(x, self.lang) if x else (ident or "")

    def bloc(self, ident: str | None) -> str:
        x = self.lk.bloc.get(ident or "")
        if x:
            return name(x, self.lang)
        return self.t("unknown") if ident == "unknown" else (ident or "")

    def source(self, ident: str | None) -> str:
        x = self.lk.source.get(ident or "")
        return (x.get("title") or ident or "") if x else (ident or "")

    def synergy(self, ident: str | None) -> str:
        x = self.lk.synergy.get(ident or "")
        return name(x, self.lang) if x else (ident or "")

    def helix(self, ident: str | None) -> str:
        x = self.lk.helix.get(ident or "")
        return name(x, self.lang) if x else (ident or "")

    def label(self, cand: dict[str, Any] | None) -> str:
        """The readable label of a discovered candidate in the page language (its id when it has none)."""
        if not cand:
            return ""
        first = cand.get("label_nl") if self.lang == "nl" else cand.get("label")
        return str(first or cand.get("label") or cand.get("label_nl") or cand.get("id") or "")

    def layer_list(self, layers: list[str] | None) -> str:
        return ", ".join(self.layer(x) for x in layers or [])

    def layer_set(self, layers: list[str], domains: list[str] | None = None) -> str:
        """A layer set (and domain) in words: ``Chips × AI for manufacturing``."""
        text = " × ".join(self.layer(x) for x in layers)
        if domains:
            text += f" {self.t('for_domain')} " + ", ".join(self.domain(d).lower() for d in domains)
        return text

    def cell(self, c: dict[str, str]) -> str:
        """A cell of a guest list's universe (layer × place × helix group) in words."""
        if "layer" not in c:
            return c.get("label", "")
        return f"{self.layer(c['layer'])} × {self.place_short(c['place'])} × {self.helix(c['helix'])}"

    @staticmethod
    def group_sources(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Citations grouped by source: ``{source, locators, confidence}`` (the lowest confidence)."""
        rank = {"high": 0, "medium": 1, "low": 2}
        out: dict[str, dict[str, Any]] = {}
        for c in items or []:
            g = out.setdefault(c["source"], {"source": c["source"], "locators": [], "confidence": "high"})
            if c.get("locator") and c["locator"] not in g["locators"]:
                g["locators"].append(c["locator"])
            conf = c.get("confidence") or "high"
            if rank.get(conf, 0) > rank.get(g["confidence"], 0):
                g["confidence"] = conf
        return list(out.values())

    def facet_label(self, facet: str, value: str) -> str:
        fn = {"layer": self.layer, "domain": self.domain, "kind": self.kind, "place": self.place,
              "type": self.rtype, "control_country": lambda x: x, "family": lambda x: x,
              "status": lambda x: x}.get(facet, lambda x: x)
        return str(fn(value))

    @property
    def layer_names(self) -> dict[str, str]:
        return {x["id"]: self.layer(x["id"]) for x in self.lk.layers}

    # -- numbers (see :mod:`stackatlas.present.formats`) ------------------------------------------------
    def num(self, v: Any, digits: int = 2) -> str:
        return formats.number(v, lang=self.lang, digits=digits)

    def value(self, v: Any, unit: str | None = None) -> str:
        """An indicator value: integers without decimals, others with up to two; years as they are."""
        return formats.indicator_value(v, lang=self.lang, unit=unit)

    def amount(self, a: dict[str, Any] | None) -> str:
        """A relation's amount (``{"value", "currency"}``) with millions and billions abbreviated."""
        if not a:
            return ""
        return formats.amount(a.get("value"), lang=self.lang, currency=a.get("currency"))

    def pct(self, v: Any, digits: int = 0) -> str:
        return formats.percent(v, lang=self.lang, digits=digits)

    # -- links ---------------------------------------------------------------------------------------
    def url(self, path: str | None = None, **params: Any) -> str:
        """``path`` (default: this page) with the current query changed by ``params`` (None removes)."""
        q = dict(self.query) if path is None else {}
        for k, val in params.items():
            k = k.rstrip("_")
            if val is None or val == "":
                q.pop(k, None)
            else:
                q[k] = str(val)
        base = self.path if path is None else path
        return base + ("?" + urlencode(q) if q else "")

    def lang_url(self, lang: str) -> str:
        q = dict(self.query)
        q["lang"] = lang
        return self.path + "?" + urlencode(q)
