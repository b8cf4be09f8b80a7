"""From collected data to a :class:`~stackatlas.report.model.Document` in one language.

The generated prose states only what the numbers show (which layers have a location quotient whose
95% interval lies above or below 1, with the counts; which layer has the smallest Dutch and European
share; how many ties cross the corridor). Texts that are not numbers (definitions, notes, descriptions,
recommendations) are the dataset's own, each with its source.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from typing import Any

from .._version import __version__
from ..lookups import Lookups
from ..present.charts import SIDE_COLORS
from ..present.texts import Words
from . import charts
from .cite import FEW, Bibliography
from .collect import CorridorData, Facts, PlaceData, SynergyData
from .model import Block, Bullets, Chart, Document, Paragraph, Run, Section, Table, runs

__all__ = ["compose_corridor", "compose_place", "compose_synergy"]

UNITS = {"percent": ("%", "%"), "count": ("aantal", "count"), "year": ("jaar", "year"), "years": ("jaar", "years"),
         "hours": ("uur", "hours"), "people": ("personen", "people"), "per-100k-inhabitants":
         ("per 100.000 inwoners", "per 100,000 inhabitants"), "ratio": ("verhouding", "ratio")}


class Composer:
    """Names, numbers and footnotes in the document's language, shared by the three kinds of briefing."""

    def __init__(self, lk: Lookups, facts: Facts, lang: str) -> None:
        self.lk = lk
        self.facts = facts
        self.w = Words(lang)
        self.lang = lang
        meta = lk.meta
        self.dataset_id = meta.get("id", "dataset")
        self.version = meta.get("version", "")
        title = self.w("dataset_entry", id=self.dataset_id, version=self.version, date=facts.date)
        self.bib = Bibliography(lk.source, facts.citations, title)
        self.baseline = lk.baseline

    # -- names ---------------------------------------------------------------------------------------
    def place(self, ident: str | None) -> str:
        return self.w.name(self.lk.place.get(ident or ""), default=ident or "")

    def layer(self, ident: str | None) -> str:
        return self.w.name(self.lk.layer.get(ident or ""), default=ident or "")

    def layers(self, ids: Iterable[str]) -> str:
        return ", ".join(self.layer(x) for x in ids)

    def layer_lc(self, ident: str | None) -> str:
        """A layer's name inside a sentence: lower case, unless it starts with an abbreviation (AI, IoT)."""
        return _lc(self.layer(ident))

    def layers_lc(self, ids: Iterable[str]) -> str:
        return self.w.join([self.layer_lc(x) for x in ids])

    def actor(self, ident: str | None) -> str:
        a = self.facts.actors.get(ident or "")
        return str(a["name"]) if a else (ident or "")

    def bloc(self, ident: str | None) -> str:
        if ident == "unknown":
            return self.w("unknown")
        return self.w.name(self.lk.bloc.get(ident or ""), default=ident or "")

    def domain(self, ident: str | None) -> str:
        return self.w.name(self.lk.domain.get(ident or ""), default=ident or "")

    def rtype(self, ident: str | None) -> str:
        return self.w.name(self.lk.rtype.get(ident or ""), default=ident or "")

    def helix(self, ident: str | None) -> str:
        return self.w.name(self.lk.helix.get(ident or ""), default=ident or "")

    def kind(self, ident: str | None) -> str:
        return self.w.name(self.lk.kind.get(ident or ""), default=ident or "")

    def unit(self, u: str | None) -> str:
        if not u:
            return ""
        pair = UNITS.get(u)
        return (pair[0] if self.lang == "nl" else pair[1]) if pair else u.upper() if len(u) <= 3 else u

    def base_phrase(self) -> str:
        """The baseline as a noun phrase: "de basis (Nederland)" / "the baseline (Netherlands)"."""
        return self.w.pick(f"de basis ({self.place(self.baseline)})", f"the baseline ({self.place(self.baseline)})")

    @property
    def layer_names(self) -> dict[str, str]:
        return {x: self.layer(x) for x in self.lk.layer_ids}

    @property
    def bloc_names(self) -> dict[str, str]:
        out = {b: self.bloc(b) for b in self.lk.bloc}
        out["unknown"] = self.w("unknown")
        return out

    # -- runs with footnotes -------------------------------------------------------------------------
    def computed(self, text: str, actors: Iterable[str] | None = None, kind: str = "actor") -> Run:
        """A computed number: cites the dataset, and the facts' sources when they are few."""
        if actors is None:
            return Run(text, self.bib.dataset)
        return Run(text, self.bib.count(kind, actors))

    def n(self, count: float | int, actors: Iterable[str] | None = None, kind: str = "actor") -> Run:
        return self.computed(self.w.count(count), actors, kind)

    def fact(self, text: str, subject_type: str, subject: str) -> Run:
        return Run(text, self.bib.fact(subject_type, subject))

    def named(self, actor: str) -> Run:
        """An organisation's name, citing its own sources."""
        return Run(self.actor(actor), self.bib.fact("actor", actor))

    def orgs(self, n: float | int, lead: str = " ", tail: str = "") -> str:
        """`` organisation(s)`` in the document's language, singular for exactly one."""
        one = float(n) == 1
        word = self.w.pick("organisatie" if one else "organisaties", "organisation" if one else "organisations")
        return f"{lead}{word}{tail}"

    def cell(self, *parts: Run | str) -> list[Run]:
        return runs(*parts)

    def chart(self, ident: str, title: str, spec: dict[str, Any], caption: list[Run]) -> Chart:
        return Chart(id=ident, title=title, spec=spec, caption=caption)

    # -- shared blocks -------------------------------------------------------------------------------
    def place_names(self, ids: Iterable[str]) -> dict[str, str]:
        return {p: self.place(p) for p in ids}

    def profile_table(self, ident: str, rows: list[dict[str, Any]], cells: dict[tuple[str, str], list[str]],
                      with_place: bool = True) -> Table:
        w = self.w
        cols = ([w("col_place")] if with_place else []) + [w("col_layer"), w("col_count"), w("col_expected"),
                                                           w("col_lq"), w("col_interval")]
        out = []
        for r in rows:
            acts = cells.get((r["place"], r["layer"]), [])
            lq_ok = r["lq"] is not None and math.isfinite(r["lq"])
            row = ([self.cell(self.place(r["place"]))] if with_place else []) + [
                self.cell(self.layer(r["layer"])),
                [self.n(r["count"], acts)],
                [self.computed(w.num(r["expected"]))],
                [self.computed(w.num(r["lq"]) if lq_ok else "–", acts)],
                [self.computed(w.interval(r["lq_low"], r["lq_high"]) if lq_ok else "–")],
            ]
            out.append(row)
        first = 2 if with_place else 1
        return Table(id=ident, columns=cols, rows=out, numeric=frozenset(range(first, first + 4)),
                     caption=runs(w("cap_computed") + " ", Run("", self.bib.dataset)), compact=True)

    def profile_reading(self, place: str, rows: list[dict[str, Any]], cells: dict[tuple[str, str], list[str]],
                        total: list[str]) -> Paragraph:
        """What the interval of each layer's LQ shows for one place: above 1, below 1, or including 1."""
        w = self.w
        mine = [r for r in rows if r["place"] == place]
        above = [r for r in mine if r["lq_low"] is not None and r["lq_low"] > 1]
        below = [r for r in mine if r["lq_high"] is not None and r["lq_high"] < 1]
        active = [r for r in mine if (r["count"] or 0) > 0]
        rest = len(mine) - len(above) - len(below)
        base = self.base_phrase()
        out: list[Run] = [Run(self.place(place), strong=True)]
        out += runs(w.pick(" telt ", " has "), self.n(len(total), total),
                    self.orgs(len(total), tail=w.pick(" in de dataset, actief in ", " in the dataset, active in ")),
                    self.n(len(active)), w.pick(f" van de {len(mine)} lagen. ", f" of the {len(mine)} layers. "))

        def items(rs: list[dict[str, Any]]) -> list[Run]:
            parts: list[Run] = []
            for i, r in enumerate(rs):
                acts = cells.get((r["place"], r["layer"]), [])
                if i:
                    parts.append(Run(" en " if self.lang == "nl" and i == len(rs) - 1 else
                                     " and " if i == len(rs) - 1 else ", "))
                parts += runs(self.layer_lc(r["layer"]), " (",
                              self.n(r["count"], acts), self.orgs(r["count"], tail=", LQ "),
                              self.computed(w.num(r["lq"]), acts), ", ",
                              self.computed(w.interval(r["lq_low"], r["lq_high"])), ")")
            return parts

        if above:
            out += runs(w.pick("Voor ", "For "), self.n(len(above)),
                        w.pick(f" {w.plural(len(above), 'laag', 'lagen')} ligt het 95%-interval van de "
                               "locatiequotiënt boven 1: ",
                               f" {w.plural(len(above), 'layer', 'layers')} the 95% interval of the location "
                               "quotient lies above 1: "))
            out += items(above)
            out.append(Run(w.pick(f"; daar zijn meer organisaties dan {base} doet verwachten. ",
                                  f"; there are more organisations there than {base} would lead one to expect. ")))
        else:
            out.append(Run(w.pick("Voor geen enkele laag ligt het 95%-interval van de locatiequotiënt boven 1. ",
                                  "For no layer does the 95% interval of the location quotient lie above 1. ")))
        if below:
            out += runs(w.pick("Onder 1 ligt het voor ", "It lies below 1 for "), self.n(len(below)),
                        w.pick(f" {w.plural(len(below), 'laag', 'lagen')}: ",
                               f" {w.plural(len(below), 'layer', 'layers')}: "))
            out += items(below)
            out.append(Run(". "))
        if rest:
            out += runs(w.pick("Voor de overige ", "For the other "), self.n(rest),
                        w.pick(f" {w.plural(rest, 'laag', 'lagen')} omvat het interval 1: de data onderscheiden "
                               f"{w.plural(rest, 'die', 'ze')} niet van {base}.",
                               f" {w.plural(rest, 'layer', 'layers')} the interval includes 1: the data do not "
                               f"tell {w.plural(rest, 'it', 'them')} apart from {base}."))
        return Paragraph(out, kind="lead")

    def profile_block(self, prefix: str, places: list[str], prof: dict[str, Any], title: str) -> list[Any]:
        rows = prof["rows"]
        names = self.place_names(places)
        base = self.base_phrase()
        blocks: list[Any] = [
            self.chart(f"{prefix}-heatmap", title, charts.heatmap(rows, self.layer_names, names, title="",
                                                                   lang=self.lang),
                       runs(self.w("cap_heatmap", base=base) + " ", Run("", self.bib.dataset))),
        ]
        for p in places:
            blocks.append(self.profile_reading(p, rows, prof["cells"], prof["actors"].get(p, [])))
        blocks.append(self.profile_table(f"{prefix}-table", rows, prof["cells"]))
        return blocks

    def indicators_table(self, ident: str, rows: list[dict[str, Any]]) -> Table:
        w = self.w
        out = []
        for r in rows:
            label = w.name(r, "label", default=r["metric"])
            value = w.value(r["value"], r["unit"])
            if r.get("value_min") is not None or r.get("value_max") is not None:
                value += f" ({w.value(r.get('value_min'), r['unit'])}–{w.value(r.get('value_max'), r['unit'])})"
            if r.get("date"):
                date = str(r["date"])
            elif r.get("period_start"):
                date = f"{r['period_start']}–{r.get('period_end') or ''}"
            else:
                date = "–"
            base = ""
            if r.get("baseline_value") is not None:
                base = w.value(r["baseline_value"], r["unit"])
                if r.get("baseline_subject"):
                    base += f" ({self.place(r['baseline_subject'])})"
            elif r.get("baseline_subject"):
                base = self.place(r["baseline_subject"])
            blabel = w.name(r, "baseline_label")
            if blabel:
                base = f"{base} – {blabel}" if base else blabel
            out.append([self.cell(self.place(r["subject"]) if r["subject"] in self.lk.place else
                                  self.actor(r["subject"]) if r["subject"] in self.facts.actors else
                                  self.layer(r["subject"])),
                        self.cell(label),
                        [self.fact(value, "indicator", r["id"])],
                        self.cell(self.unit(r["unit"])), self.cell(date),
                        [self.fact(base, "indicator", r["id"])] if base else self.cell("–")])
        return Table(id=ident, columns=[w("col_subject"), w("col_indicator"), w("col_value"), w("col_unit"),
                                        w("col_date"), w("col_baseline")], rows=out, numeric=frozenset({2}),
                     caption=runs(w("cap_indicators")), widths=(13, 37, 11, 8, 10, 21))

    def sovereignty_block(self, prefix: str, place: str | None, rows: list[dict[str, Any]]) -> list[Any]:
        w = self.w
        if not rows:
            return [Paragraph(runs(w("no_data")), kind="note")]
        pname = self.place(place) if place else self.lk.meta.get(f"title_{self.lang}", "")
        blocs = [b for b in self.lk.bloc if b in rows[0]] + (["unknown"] if "unknown" in rows[0] else [])
        table_rows = []
        for r in rows:
            row = [self.cell(self.layer(r["layer"])), [self.n(r["actors"])]]
            row += [[self.computed(w.pct(r.get(b)))] for b in blocs]
            row += [[self.computed(w.pct(r.get("eu_share")))], [self.computed(w.num(r.get("hhi")))]]
            table_rows.append(row)
        cols = [w("col_layer"), w("col_count")] + [self.bloc(b) for b in blocs] + [w("col_bloc_nl_eu"), w("col_hhi")]
        blocks: list[Any] = [
            self.chart(f"{prefix}-chart", w("ch_sovereignty", p=pname),
                       charts.sovereignty(rows, self.layer_names, self.bloc_names, title=""),
                       runs(w("cap_sovereignty") + " ", Run("", self.bib.dataset))),
        ]
        weakest = [r for r in rows if r.get("weakest")]
        if weakest:
            r = weakest[0]
            largest = max(self.lk.bloc, key=lambda b: r.get(b) or 0.0)
            blocks.append(Paragraph(runs(
                w.pick(f"In {pname} hebben Nederland en de rest van de EU samen het kleinste aandeel in de laag ",
                       f"In {pname} the Netherlands and the rest of the EU together hold the smallest share in "),
                Run(self.layer_lc(r["layer"]), strong=True), ": ", self.computed(w.pct(r["eu_share"])),
                w.pick(" van ", " of "), self.n(r["actors"]),
                self.orgs(r["actors"], tail=w.pick("; het grootste blok daar is ", "; the largest bloc there is ")),
                self.bloc(largest), " (", self.computed(w.pct(r.get(largest))), ")."), kind="lead"))
        blocks.append(Table(id=f"{prefix}-table", columns=cols, rows=table_rows,
                            numeric=frozenset(range(1, len(cols))), compact=True,
                            caption=runs(w("cap_sovereignty") + " ", Run("", self.bib.dataset))))
        return blocks

    def intro_reason(self, r: dict[str, Any], named: set[str]) -> list[Run]:
        """Why a pair should meet, from the facts behind the introduction, in the document's language."""
        w = self.w
        f = r.get("facts") or {}
        la, lb = f.get("a_layers") or [], f.get("b_layers") or []
        cover = sorted(set(la) | set(lb), key=lambda x: self.lk.layer_ids.index(x) if x in self.lk.layer_ids else 99)
        parts = runs(w.pick("Samen dekken ze ", "Together they cover "), self.layers_lc(cover),
                     w.pick(" van de synergie", " of the synergy"))
        shared = f.get("shared_domains") or []
        if shared:
            parts += runs(w.pick("; beide werken in ", "; both work in "),
                          w.join([_lc(self.domain(d)) for d in shared]))
        common = f.get("common_partners") or []
        if common:
            parts += runs(w.pick("; gedeelde partners: ", "; shared partners: "),
                          w.join([self.actor(c) for c in common[:5]]))
        nm = [x for x in (r["a"], r["b"]) if x in named]
        if nm:
            parts += runs(w.pick("; de synergie noemt ", "; the synergy names "), w.join([self.actor(x) for x in nm]))
        parts.append(Run("."))
        return parts

    def intro_table(self, ident: str, rows: list[dict[str, Any]], named: set[str]) -> Table:
        w = self.w
        out = []
        for r in rows:
            pair = runs(self.named(r["a"]), f" ({self.place(r['a_place'])}) × ", self.named(r["b"]),
                        f" ({self.place(r['b_place'])})")
            out.append([pair, self.intro_reason(r, named), [self.computed(w.num(r["score"]))]])
        return Table(id=ident, columns=[w("col_pair"), w("col_why"), w("col_score")], rows=out,
                     numeric=frozenset({2}), widths=(40, 50, 10), compact=True,
                     caption=runs(w("cap_intros") + " ", Run("", self.bib.dataset)))

    def method_section(self, kinds: set[str]) -> Section:
        w = self.w
        paras = [
            w.pick("Organisaties tellen mee in een plaats als hun hoofdkantoor of een actieve vestiging er ligt; een "
                   "regio omvat haar gemeenten. De locatiequotiënt (LQ) deelt het aandeel van een laag onder de "
                   "organisaties van een plaats door hetzelfde aandeel in de basis; het 95%-interval is het exacte "
                   "Poisson-interval (Garwood) van de telling, gedeeld door de verwachte telling. Ligt het hele "
                   "interval boven 1, dan is de laag er sterker vertegenwoordigd dan in de basis; omvat het 1, dan "
                   "onderscheiden de data de plaats niet van de basis.",
                   "Organisations count in a place when their head office or an active site is there; a region "
                   "contains its municipalities. The location quotient (LQ) divides a layer's share among a place's "
                   "organisations by the same share in the baseline; the 95% interval is the exact Poisson (Garwood) "
                   "interval of the count divided by the expected count. When the whole interval lies above 1 the "
                   "layer is more strongly represented there than in the baseline; when it includes 1 the data do "
                   "not tell the place apart from the baseline."),
        ]
        if "synergy" in kinds:
            paras.append(w.pick(
                "Gevonden synergieën zijn sets van 2–4 lagen (eventueel binnen een domein) waaraan beide regio's "
                "organisaties bijdragen. De score telt gedocumenteerde componenten op (specialisatie van de plaatsen "
                "in de lagen, complementariteit van de regio's, verwantschap van de lagen, steun aan beide kanten, "
                "bestaande verbanden, betrokken gemeenten); een Poisson-bootstrap over organisaties geeft het "
                "95%-interval. Introducties zijn paren, één per regio, nog niet verbonden, die samen de lagen "
                "dekken, domeinen delen en dicht bij elkaar liggen in het netwerk (Adamic–Adar).",
                "Discovered synergies are sets of 2–4 layers (optionally within a domain) to which both regions "
                "contribute organisations. The score adds documented components (specialisation of the places in "
                "the layers, complementarity of the regions, relatedness of the layers, support on both sides, "
                "existing ties, municipalities involved); a Poisson bootstrap over organisations gives the 95% "
                "interval. Introductions are pairs, one in each region and not yet tied, that together cover the "
                "layers, share domains and are close in the tie network (Adamic–Adar)."))
        if "bridges" in kinds:
            paras.append(w.pick(
                "De E-I-index is (extern − intern) / (extern + intern) over de verbanden van de organisaties van "
                "beide regio's: −1 als alle verbanden binnen een regio blijven, +1 als alle de corridor oversteken. "
                "Makelaars liggen op veel kortste paden tussen de regio's (betweenness).",
                "The E-I index is (external − internal) / (external + internal) over the ties of the organisations "
                "of both regions: −1 when every tie stays within a region, +1 when all cross the corridor. Brokers "
                "lie on many shortest paths between the regions (betweenness)."))
        if "sovereignty" in kinds:
            paras.append(w.pick(
                "Soevereiniteit: het aandeel van de organisaties per laag naar het land van zeggenschap, gegroepeerd "
                "in blokken; de HHI meet de concentratie van die aandelen.",
                "Sovereignty: the share of the organisations per layer by country of control, grouped into blocs; "
                "the HHI measures how concentrated those shares are."))
        blocks: list[Block] = [Paragraph(runs(p)) for p in paras]
        blocks.append(Paragraph(runs(
            w.pick("Tellingen verwijzen naar de dataset als bron", "Counts cite the dataset as their source"),
            Run("", self.bib.dataset),
            w.pick(f"; bij hoogstens {FEW} onderliggende feiten staan ook de bronnen van die feiten erbij.",
                   f"; where at most {FEW} facts lie beneath them, the sources of those facts are cited too."))))
        return Section("method", w("sec_method"), blocks)

    def document(self, kind: str, title: str, sections: list[Section]) -> Document:
        w, lk = self.w, self.lk
        meta = lk.meta
        dtitle = meta.get(f"title_{self.lang}") or meta.get("title_en") or meta.get("title_nl") or self.dataset_id
        chash = (meta.get("content_hash") or "")[:12]
        entries = self.bib.entries()
        stats = self.facts.stats
        entries[0].locators = [w("dataset_entry_note", hash=chash, sv=__version__, n=stats.get("actors", 0),
                                 r=stats.get("relations", 0), i=stats.get("indicators", 0),
                                 s=stats.get("sources", 0))]
        colophon = [
            runs(w("colophon_dataset", id=self.dataset_id, version=self.version, hash=chash,
                   licence=meta.get("licence", "–"))),
            runs(w("colophon_computed", date=self.facts.date, version=__version__)),
            runs(w("colophon_rule"), Run("", self.bib.dataset)),
        ]
        sections = [*sections, Section("sources", w("sec_sources"))]
        labels = {k: w(k) for k in ("contents", "sources", "cited_at", "chart", "table", "page", "briefing")}
        labels["dataset_title"] = dtitle
        return Document(lang=self.lang, kind=kind, title=title, subtitle=w("subtitle", title=dtitle),
                        colophon=colophon, sections=sections, sources=entries, labels=labels)


# -- the corridor briefing --------------------------------------------------------------------------------
def compose_corridor(data: CorridorData, lang: str) -> Document:
    c = Composer(data.lk, data.facts, lang)
    w = c.w
    a, b = data.a, data.b
    an, bn = c.place(a), c.place(b)
    sections = [
        _summary(c, data),
        _stack(c, data),
        _position(c, data),
        _integration(c, data),
        _synergies(c, data),
        Section("sovereignty", w("sec_sovereignty"), children=[
            Section(f"sovereignty-{p}", c.place(p), c.sovereignty_block(f"sov-{p}", p, data.sovereignty[p]))
            for p in (a, b)]),
        _indicators(c, data),
        _bridges(c, data),
    ]
    if data.recommendations:
        sections.append(_recommendations(c, data.recommendations))
    sections.append(c.method_section({"synergy", "bridges", "sovereignty"}))
    return c.document("corridor", w("corridor_title", a=an, b=bn), sections)


def _summary(c: Composer, d: CorridorData) -> Section:
    w = c.w
    a, b = d.a, d.b
    acts = d.profile["actors"]
    both = sorted(set(acts.get(a, [])) & set(acts.get(b, [])))
    items: list[list[Run]] = [runs(
        Run(c.place(a), strong=True), ": ", c.n(len(acts.get(a, [])), acts.get(a, [])),
        c.orgs(len(acts.get(a, [])), tail="; "), Run(c.place(b), strong=True), ": ",
        c.n(len(acts.get(b, [])), acts.get(b, [])), c.orgs(len(acts.get(b, [])), tail="; "),
        w.pick("in beide: ", "in both: "), c.n(len(both), both), ".")]
    for p in (a, b):
        above = [r for r in d.profile["rows"] if r["place"] == p and r["lq_low"] is not None and r["lq_low"] > 1]
        if above:
            parts = runs(Run(c.place(p), strong=True),
                         w.pick(": LQ-interval boven 1 voor ", ": LQ interval above 1 for "))
            for i, r in enumerate(above):
                if i:
                    parts.append(Run(", "))
                parts += runs(c.layer_lc(r["layer"]), " (", c.computed(w.num(r["lq"]),
                                                                   d.profile["cells"].get((p, r["layer"]), [])), ")")
            parts.append(Run("."))
        else:
            parts = runs(Run(c.place(p), strong=True),
                         w.pick(": voor geen laag ligt het LQ-interval boven 1.",
                                ": no layer has an LQ interval above 1."))
        items.append(parts)
    if d.discovered:
        top = d.discovered[0]
        found = [e for e in d.evaluation if e.get("rank") is not None and e["rank"] <= len(d.discovered)]
        items.append(runs(
            c.n(len(d.curated)), w.pick(" synergieën in de dataset; de hoogst scorende gevonden kandidaat is ",
                                        " curated synergies; the best-scoring discovered candidate is "),
            Run(top["label_nl"] if c.lang == "nl" else top["label"], strong=True), " (",
            c.computed(w.num(top["score"])), ", 95%: ", c.computed(w.interval(top["score_low"], top["score_high"])),
            ")", *(runs(w.pick("; voor ", "; for "), c.n(len(found)), w.pick(" van de ", " of the "),
                        c.n(len(d.evaluation)),
                        w.pick(f" synergieën uit de dataset staat een overeenkomende kandidaat in de top {len(d.discovered)}",
                               f" curated synergies a matching candidate is in the top {len(d.discovered)}"))
               if d.evaluation else []), "."))
    br = d.bridges
    total = (br.get("external") or 0) + (br.get("internal") or 0)
    if total:
        items.append(runs(c.n(br["external"]), w.pick(" van de ", " of the "), c.n(total),
                          w.pick(" verbanden van deze organisaties steken de corridor over (E-I-index ",
                                 " ties of these organisations cross the corridor (E-I index "),
                          c.computed(w.num(br.get("ei_index"))), ")."))
    for p in (a, b):
        weakest = [r for r in d.sovereignty.get(p, []) if r.get("weakest")]
        if weakest:
            r = weakest[0]
            items.append(runs(Run(c.place(p), strong=True),
                              w.pick(": kleinste Nederlands-Europese aandeel in ", ": smallest Dutch and European share in "),
                              c.layer_lc(r["layer"]), " (", c.computed(w.pct(r["eu_share"])), ")."))
    lead = Paragraph(runs(w.pick(
        f"Deze briefing beschrijft {c.place(a)} en {c.place(b)} met de Digitale Stack: waar de regio's staan, hoe "
        "organisaties lagen integreren, welke synergieën er zijn en wie elkaar zou moeten ontmoeten. Alles is "
        "berekend uit de dataset; de kernpunten:",
        f"This briefing describes {c.place(a)} and {c.place(b)} with the Digital Stack: where the regions stand, how "
        "organisations integrate layers, which synergies exist and who should meet whom. Everything is computed "
        "from the dataset; the key points:")))
    return Section("summary", w("sec_summary"), [lead, Bullets(items)])


def _stack(c: Composer, d: CorridorData) -> Section:
    w = c.w
    lk = d.lk
    a, b = d.a, d.b
    acts = d.profile["cells"]
    rows = []
    for i, layer in enumerate(lk.layers, start=1):
        la, lb = acts.get((a, layer["id"]), []), acts.get((b, layer["id"]), [])
        rows.append([runs(str(i)), runs(Run(c.layer(layer["id"]), strong=True)),
                     runs(w.name(layer, "definition")), [c.n(len(la), la)], [c.n(len(lb), lb)]])
    layers_table = Table(id="stack-layers", columns=["#", w("col_layer"), w("col_definition"),
                                                     w("col_orgs", p=c.place(a)), w("col_orgs", p=c.place(b))],
                         rows=rows, numeric=frozenset({0, 3, 4}), widths=(4, 16, 56, 12, 12),
                         caption=runs(w("cap_computed") + " ", Run("", c.bib.dataset)))
    first, last = c.layer_lc(lk.layer_ids[0]), c.layer_lc(lk.layer_ids[-1])
    intro = Paragraph(runs(w.pick(
        f"De dataset deelt de digitale wereld in {len(lk.layers)} lagen in, van {first} (onder) tot "
        f"{last} (boven). Per laag de omschrijving en het aantal organisaties in elke regio:",
        f"The dataset divides the digital world into {len(lk.layers)} layers, from {first} (bottom) to "
        f"{last} (top). For each layer its definition and the number of organisations in each region:")))
    sec = Section("stack", w("sec_stack"), [intro, layers_table])
    pos = d.positions
    psec = Section("positions", w("sec_positions"))
    if pos:
        blocs = [x for x in c.lk.bloc if any(p["bloc"] == x for p in pos)]
        blocs += sorted({p["bloc"] for p in pos} - set(blocs))
        by = {(p["layer"], p["bloc"]): p for p in pos}
        trows = []
        for lid in lk.layer_ids:
            if not any((lid, x) in by for x in blocs):
                continue
            row = [runs(c.layer(lid))]
            for x in blocs:
                p = by.get((lid, x))
                row.append([c.fact(w(f"standing_{p['standing']}"), "position", p["id"])] if p else runs("–"))
            trows.append(row)
        psec.add(Table(id="positions-table", columns=[w("col_layer")] + [c.bloc(x) for x in blocs], rows=trows,
                       caption=runs(w("cap_positions"))))
        notes: list[list[Run]] = []
        for lid in lk.layer_ids:
            ps = [by[(lid, x)] for x in blocs if (lid, x) in by]
            for p in ps:
                text = w.name(p, "note")
                if text:
                    notes.append(runs(Run(f"{c.layer(lid)} – {c.bloc(p['bloc'])} "
                                          f"({w('standing_' + p['standing'])}): ", strong=True),
                                      c.fact(text, "position", p["id"])))
        if notes:
            psec.add(Bullets(notes))
    else:
        psec.add(Paragraph(runs(w("no_data")), kind="note"))
    sec.children.append(psec)
    return sec


def _position(c: Composer, d: CorridorData) -> Section:
    w = c.w
    a, b = d.a, d.b
    base = c.base_phrase()
    intro = Paragraph(runs(w.pick(
        f"Hoe sterk is elke laag vertegenwoordigd in de regio's, vergeleken met {base}? De locatiequotiënt (LQ) "
        "is het aandeel van een laag onder de organisaties van de regio, gedeeld door dat aandeel in "
        f"{base}; het 95%-interval laat zien hoe zeker dat is.",
        f"How strongly is each layer represented in the regions, compared with {base}? The location quotient (LQ) "
        f"is a layer's share among the region's organisations divided by that share in {base}; the 95% interval "
        "shows how certain that is.")))
    names = c.place_names([a, b])
    colors = {names[a]: SIDE_COLORS["a"], names[b]: SIDE_COLORS["b"]}
    regions = Section("position-regions", w("sec_regions"), [
        *c.profile_block("pos", [a, b], d.profile, w("ch_heatmap")),
        c.chart("pos-intervals", w("ch_intervals"),
                charts.intervals(d.profile["rows"], c.layer_names, names, title="", colors=colors),
                runs(w("cap_intervals", base=base) + " ", Run("", c.bib.dataset))),
    ])
    sec = Section("position", w("sec_position", a=c.place(a), b=c.place(b)), [intro], [regions])
    ms = [m for p in (a, b) for m in d.municipalities.get(p, [])]
    if ms:
        sec.children.append(Section("position-municipalities", w("sec_municipalities"), [
            Paragraph(runs(w.pick("De gemeenten met de meeste organisaties in de dataset, per regio:",
                                  "The municipalities with the most organisations in the dataset, per region:"))),
            *c.profile_block("muni", ms, d.municipality_profile, w("ch_heatmap")),
        ]))
    return sec


def _integration(c: Composer, d: CorridorData) -> Section:
    w = c.w
    sec = Section("integration", w("sec_integration"), [Paragraph(runs(w.pick(
        "Organisaties breiden zich horizontaal en verticaal uit over de stack, zelf, via dochters en via "
        "investeringen en partnerschappen. Wat de dataset daarover laat zien:",
        "Organisations expand horizontally and vertically across the stack, themselves, through subsidiaries and "
        "through investments and partnerships. What the dataset shows of this:")))])
    fsec = Section("foundries", w("sec_foundries"))
    if d.foundries:
        cols = d.foundry_layers
        rows = []
        for r in d.foundries:
            row = [[c.named(r["actor"])]]
            for col in cols:
                items = [str(x) for x in (r.get(col) or [])]
                text = "; ".join(items[:2]) + (" …" if len(items) > 2 else "")
                row.append(runs(text or "–"))
            row.append([c.n(r["coverage"], [r["actor"]])])
            rows.append(row)
        fsec.add(Paragraph(runs(c.n(len(d.foundries), [r["actor"] for r in d.foundries]),
                                c.orgs(len(d.foundries)),
                                w.pick(" dekken ten minste " if len(d.foundries) != 1 else " dekt ten minste ",
                                       " cover at least " if len(d.foundries) != 1 else " covers at least "),
                                c.computed(str(min(3, len(cols)))), w.pick(" van de ", " of the "),
                                c.computed(str(len(cols))), w.pick(" kolommen: ", " columns: "), c.layers_lc(cols), "."),
                           kind="lead"))
        fsec.add(Table(id="foundries-table", columns=[w("col_actor"), *[c.layer(x) for x in cols],
                                                      w("col_coverage")],
                       rows=rows, numeric=frozenset({len(cols) + 1}), compact=True,
                       widths=(16, *([74 // max(1, len(cols))] * len(cols)), 10),
                       caption=runs(w("cap_foundries", k=min(3, len(cols)), cols=c.layers(cols)))))
    else:
        fsec.add(Paragraph(runs(w("no_data")), kind="note"))
    flow = [r for r in d.flow if (r.get("ties") or 0) > 0]
    lsec = Section("layer-flow", w("sec_flow"))
    if flow:
        lsec.add(c.chart("flow-chart", w("ch_flow"), charts.layer_flow(flow, c.layer_names, title=""),
                         runs(w("cap_flow") + " ", Run("", c.bib.dataset))))
        across = sorted((r for r in flow if r["layer_from"] != r["layer_to"]),
                        key=lambda r: (-r["ties"], -r["weight"]))[:10]
        lsec.add(Table(id="flow-table", columns=[w("col_from"), w("col_to"), w("col_ties"), w("col_weight")],
                       rows=[[runs(c.layer(r["layer_from"])), runs(c.layer(r["layer_to"])), [c.n(r["ties"])],
                              [c.computed(w.num(r["weight"]))]] for r in across],
                       numeric=frozenset({2, 3}), compact=True,
                       caption=runs(w.pick("De tien sterkste stromen tussen verschillende lagen. ",
                                           "The ten strongest flows between different layers. "),
                                    Run("", c.bib.dataset))))
    else:
        lsec.add(Paragraph(runs(w("no_data")), kind="note"))
    sec.children += [fsec, lsec]
    return sec


def _examples(c: Composer, s: dict[str, Any]) -> list[Run]:
    parts: list[Run] = []
    for i, act in enumerate(s["actors"][:6]):
        if i:
            parts.append(Run(", "))
        parts.append(c.named(act))
    ex = [c.w.name(e, "text") for e in s.get("examples", [])]
    for e in ex[:3]:
        parts.append(Run(", " if parts else ""))
        parts.append(Run(e, c.bib.fact("synergy", s["id"])))
    if len(s["actors"]) > 6:
        parts.append(Run(c.w.pick(f" en {len(s['actors']) - 6} meer", f" and {len(s['actors']) - 6} more")))
    return parts or runs("–")


def _synergies(c: Composer, d: CorridorData) -> Section:
    w = c.w
    a, b = d.a, d.b
    sec = Section("synergies", w("sec_synergies"), [Paragraph(runs(w.pick(
        f"Waar vullen {c.place(a)} en {c.place(b)} elkaar aan op de stack? Naast elkaar: de synergieën zoals de "
        "dataset ze beschrijft, en de kandidaten die uit de data volgen. Daarna per synergie de onderbouwing en de "
        "beste introducties.",
        f"Where do {c.place(a)} and {c.place(b)} complement each other on the stack? Side by side: the synergies as "
        "the dataset describes them, and the candidates that follow from the data. Then, for each synergy, its "
        "evidence and the best introductions.")))])
    overview = Section("synergy-overview", w("sec_overview"), wide=True)
    cur_rows = []
    for s in d.curated:
        cur_rows.append([
            [Run(s["id"], strong=True, href=f"#syn-{s['id']}")],
            [c.fact(w.name(s), "synergy", s["id"])], runs(c.layers(s["layers"])), _examples(c, s),
            runs(", ".join(c.place(p) for p in s["places"]) or "–")])
    curated = Table(id="synergies-curated", columns=["", w("col_synergy"), w("col_layers"), w("col_examples"),
                                                     w("col_municipalities")],
                    rows=cur_rows, widths=(4, 20, 20, 38, 18), compact=True, caption=runs(w("cap_curated")))
    disc_rows = []
    for r in d.discovered:
        disc_rows.append([
            [Run(str(r["rank"]), href=f"#disc-{r['rank']}")],
            runs(r["label_nl"] if c.lang == "nl" else r["label"]),
            [c.computed(w.num(r["score"]))],
            [c.computed(w.interval(r["score_low"], r["score_high"]))],
            [Run(r["curated_match"], href=f"#syn-{r['curated_match']}", strong=True)] if r.get("curated_match")
            else runs("–")])
    discovered = Table(id="synergies-discovered", columns=[w("col_rank"), w("col_candidate"), w("col_score"),
                                                           w("col_interval"), w("col_curated_match")],
                       rows=disc_rows, numeric=frozenset({0, 2, 3}), widths=(5, 55, 12, 16, 12), compact=True,
                       caption=runs(w("cap_discovered") + " ", Run("", c.bib.dataset)))
    if cur_rows:
        overview.add(curated)
    if disc_rows:
        overview.add(discovered)
    if not cur_rows and not disc_rows:
        overview.add(Paragraph(runs(w("no_data")), kind="note"))
    sec.children.append(overview)
    if d.discovered:
        sec.children.append(Section("synergy-scores", w("ch_scores"), [
            c.chart("scores-chart", w("ch_scores"),
                    charts.scores([{**r, "label": " × ".join(c.layer(x) for x in r["layers"])
                                    + (f" ({c.domain(r['domains'][0]).lower()})" if r.get("domains") else "")}
                                   for r in d.discovered], title="", axis=w("col_score")),
                    runs(w.pick("Letter: overeenkomende synergie uit de dataset. ",
                                "Letter: matching curated synergy. "), Run("", c.bib.dataset)))]))
    if d.evaluation:
        rows = []
        for e in d.evaluation:
            rows.append([[Run(e["curated"], strong=True, href=f"#syn-{e['curated']}")],
                         runs(w.name(next((s for s in d.curated if s["id"] == e["curated"]), {}), default=e["name"])),
                         runs(e.get("label") or "–") if c.lang == "en" else runs(_label_nl(d, e) or "–"),
                         [c.computed(str(int(e["rank"])) if e.get("rank") is not None else "–")],
                         [c.computed(w.num(e.get("layer_jaccard")))]])
        sec.children.append(Section("synergy-match", w("sec_match"), [Table(
            id="synergies-match", columns=["", w("col_synergy"), w("col_best_match"), w("col_rank"),
                                           w("col_similarity")],
            rows=rows, numeric=frozenset({3, 4}), widths=(4, 30, 46, 8, 12), compact=True,
            caption=runs(w("cap_match") + " ", Run("", c.bib.dataset)))]))
    where = d.profile["actors"]
    if d.curated:
        cd = Section("synergy-curated", w("sec_curated_detail"))
        for s in d.curated:
            cd.children.append(_curated_detail(c, d, s, where))
        sec.children.append(cd)
    if d.discovered:
        dd = Section("synergy-discovered", w("sec_discovered_detail"))
        for r in d.discovered:
            dd.children.append(_discovered_detail(c, d, r))
        sec.children.append(dd)
    return sec


def _label_nl(d: CorridorData, e: dict[str, Any]) -> str | None:
    for r in d.discovered:
        if r["id"] == e.get("match"):
            return str(r["label_nl"])
    return e.get("label")


def _curated_detail(c: Composer, d: CorridorData, s: dict[str, Any], where: dict[str, list[str]]) -> Section:
    from .collect import side_of

    w = c.w
    a, b = d.a, d.b
    sec = Section(f"syn-{s['id']}", f"{s['id']}. {w.name(s)}")
    desc = w.name(s, "description")
    if desc:
        sec.add(Paragraph([c.fact(desc, "synergy", s["id"])]))
    facts = [runs(Run(w("col_layers") + ": ", strong=True), c.layers(s["layers"]))]
    if s["domains"]:
        facts.append(runs(Run(w.pick("Domeinen: ", "Domains: "), strong=True),
                          ", ".join(c.domain(x) for x in s["domains"])))
    if s["places"]:
        facts.append(runs(Run(w("col_municipalities") + ": ", strong=True),
                          Run(", ".join(c.place(p) for p in s["places"]), c.bib.fact("synergy", s["id"]))))
    ex = [w.name(e, "text") for e in s.get("examples", [])]
    if ex:
        facts.append(runs(Run(w("col_examples") + ": ", strong=True), Run("; ".join(ex), c.bib.fact("synergy", s["id"]))))
    sides: dict[str, list[str]] = {"a": [], "b": [], "both": [], "other": []}
    for act in s["actors"]:
        sides[side_of(d.lk, act, where, a, b)].append(act)
    for key, label in (("a", c.place(a)), ("b", c.place(b)), ("both", w("both_regions")), ("other", w("elsewhere"))):
        acts = sides[key]
        if not acts:
            continue
        parts = runs(Run(w.pick(f"Genoemd, {label}", f"Named, {label}"), strong=True), " (", c.n(len(acts), acts),
                     "): ")
        for i, act in enumerate(acts):
            if i:
                parts.append(Run(", "))
            parts.append(c.named(act))
        facts.append(parts)
    named = set(s["actors"])
    listed = set(s.get("relations") or [])
    ties = [r for r in d.relations.values() if r["id"] in listed or (r["from_actor"] in named and r["to_actor"] in named)]
    if ties:
        parts = runs(Run(w.pick("Verbanden tussen genoemde organisaties", "Ties between named organisations"),
                         strong=True), " (", c.n(len(ties), [t["id"] for t in ties], kind="relation"), "): ")
        for i, t in enumerate(ties[:8]):
            if i:
                parts.append(Run("; "))
            parts += runs(f"{c.actor(t['from_actor'])} → {c.actor(t['to_actor'])} ",
                          c.fact(f"({c.rtype(t['type']).lower()}{', ' + str(t['date']) if t.get('date') else ''})",
                                 "relation", t["id"]))
        if len(ties) > 8:
            parts.append(Run(" …"))
        facts.append(parts)
    sec.add(Bullets(facts))
    intro = d.intros.get(s["id"]) or []
    if intro:
        sec.add(c.intro_table(f"intros-{s['id']}", intro, named))
    return sec


def _discovered_detail(c: Composer, d: CorridorData, r: dict[str, Any]) -> Section:
    w = c.w
    label = r["label_nl"] if c.lang == "nl" else r["label"]
    sec = Section(f"disc-{r['rank']}", f"{r['rank']}. {label}")
    ev = r.get("evidence") or {}
    facts = [runs(Run(w("col_layers") + ": ", strong=True), c.layers(r["layers"])),
             runs(Run(w("col_score") + ": ", strong=True), c.computed(w.num(r["score"])), " (95%: ",
                  c.computed(w.interval(r["score_low"], r["score_high"])), ")")]
    if r.get("domains"):
        facts.append(runs(Run(w.pick("Domein: ", "Domain: "), strong=True), ", ".join(c.domain(x) for x in r["domains"])))
    if r.get("curated_match"):
        facts.append(runs(Run(w.pick("Overeenkomende synergie: ", "Matching curated synergy: "), strong=True),
                          Run(str(r["curated_match"]), href=f"#syn-{r['curated_match']}")))
    for region in (d.a, d.b):
        sup = ev.get(region) or []
        ids = [x["id"] for x in sup]
        top = sorted(sup, key=lambda x: (-d.facts.degree.get(x["id"], 0), str(x["name"]).casefold()))[:6]
        parts = runs(Run(w.pick(f"Organisaties in {c.place(region)}", f"Organisations in {c.place(region)}"),
                         strong=True), " (", c.n(len(ids), ids), ")")
        if top:
            parts.append(Run(w.pick(", meest verbonden: ", ", most connected: ")))
            for i, x in enumerate(top):
                if i:
                    parts.append(Run(", "))
                parts += runs(c.named(x["id"]), f" ({c.place(x.get('municipality'))})" if x.get("municipality") else "")
        facts.append(parts)
    tie_list = ev.get("ties") or []
    if tie_list:
        parts = runs(Run(w.pick("Verbanden die de corridor al oversteken", "Ties that already cross the corridor"),
                         strong=True), " (", c.n(len(tie_list), [t["id"] for t in tie_list], kind="relation"), "): ")
        for i, t in enumerate(tie_list[:5]):
            if i:
                parts.append(Run("; "))
            parts += runs(f"{c.actor(t['from'])} → {c.actor(t['to'])} ",
                          c.fact(f"({c.rtype(t['type']).lower()})", "relation", t["id"]))
        if len(tie_list) > 5:
            parts.append(Run(" …"))
        facts.append(parts)
    sec.add(Bullets(facts))
    intro = d.intros.get(r["id"]) or []
    if intro:
        sec.add(c.intro_table(f"intros-disc-{r['rank']}", intro, set()))
    return sec


def _indicators(c: Composer, d: CorridorData) -> Section:
    w = c.w
    sec = Section("indicators", w("sec_indicators"))
    if d.indicators:
        sec.add(Paragraph(runs(w.pick(
            f"Cijfers uit de bronnen van de dataset over {c.place(d.a)}, {c.place(d.b)} en hun gemeenten en locaties; "
            "elk cijfer verwijst naar zijn eigen bron.",
            f"Figures from the dataset's sources on {c.place(d.a)}, {c.place(d.b)} and their municipalities and sites; "
            "each figure cites its own source."))))
        sec.add(c.indicators_table("indicators-table", d.indicators))
    else:
        sec.add(Paragraph(runs(w("no_data")), kind="note"))
    return sec


def _bridges(c: Composer, d: CorridorData) -> Section:
    w = c.w
    br = d.bridges
    a, b = d.a, d.b
    an, bn = c.place(a), c.place(b)
    sec = Section("bridges", w("sec_bridges"))
    ext, inta, intb = br.get("external") or 0, br.get("internal_a") or 0, br.get("internal_b") or 0
    total = ext + (br.get("internal") or 0)
    both = br.get("both") or []
    sec.add(Paragraph(runs(
        w.pick("Van de ", "Of the "), c.n(total),
        w.pick(f" verbanden van organisaties in {an} of {bn} lopen er ", f" ties of organisations in {an} or {bn}, "),
        c.n(ext), w.pick(" tussen de regio's en ", " run between the regions and "), c.n(br.get("internal") or 0),
        w.pick(f" binnen één regio ({an}: ", f" within one region ({an}: "), c.n(inta), f"; {bn}: ", c.n(intb),
        w.pick("). De E-I-index is ", "). The E-I index is "), c.computed(w.num(br.get("ei_index"))),
        w.pick(" (−1: alles binnen, +1: alles tussen). ", " (−1: all within, +1: all across). "),
        c.n(len(both), both), c.orgs(len(both)),
        w.pick(" zit in beide regio's" if len(both) == 1 else " zitten in beide regio's",
               " is located in both regions" if len(both) == 1 else " are located in both regions"),
        *(runs(": ", *_names(c, both)) if 0 < len(both) <= 8 else []), "."), kind="lead"))
    parts = [{"label": w("m_internal_a", p=an), "ties": inta, "side": "a"},
             {"label": w("m_internal_a", p=bn), "ties": intb, "side": "b"},
             {"label": w("m_external"), "ties": ext, "side": "both"}]
    sec.add(c.chart("ties-chart", w("ch_ties"), charts.ties(parts, title=""), runs(Run("", c.bib.dataset))))
    measures: list[tuple[str, Any, int]] = [
        (w("m_actors", p=an), br.get("actors_a"), 0), (w("m_actors", p=bn), br.get("actors_b"), 0),
        (w("m_actors_both"), br.get("actors_both"), 0), (w("m_internal_a", p=an), inta, 0),
        (w("m_internal_a", p=bn), intb, 0), (w("m_external"), ext, 0), (w("m_ei"), br.get("ei_index"), 2),
        (w("m_density_across"), br.get("density_across"), 4), (w("m_density_within"), br.get("density_within"), 4),
        (w("m_density_ratio"), br.get("density_ratio"), 2), (w("m_communities"), br.get("communities_n"), 0),
        (w("m_communities_mixed"), br.get("communities_mixed"), 0), (w("m_modularity"), br.get("modularity"), 2)]
    sec.add(Table(id="bridges-measures", columns=[w("col_measure"), w("col_value")],
                  rows=[[runs(m), [c.computed(w.count(v) if digits == 0 else w.num(v, digits))]]
                        for m, v, digits in measures if v is not None],
                  numeric=frozenset({1}), widths=(70, 30), compact=True,
                  caption=runs(w("cap_computed") + " ", Run("", c.bib.dataset))))
    brokers = (br.get("brokers") or [])[:10]
    if brokers:
        rows = []
        for r in brokers:
            region = r.get("region") or ""
            rname = c.place(a) if region == a else c.place(b) if region == b else (
                w("both_regions") if region == "both" else region)
            rows.append([[c.named(r["actor"])], runs(rname), [c.computed(w.num(r.get("betweenness_norm"), 3))],
                         [c.computed(w.num(r.get("constraint"), 2))], [c.n(r.get("degree") or 0)]])
        sec.add(Table(id="bridges-brokers", columns=[w("col_actor"), w("col_region"), w("col_betweenness"),
                                                     w("col_constraint"), w("col_degree")],
                      rows=rows, numeric=frozenset({2, 3, 4}), compact=True, widths=(40, 18, 16, 14, 12),
                      caption=runs(w("cap_brokers") + " ", Run("", c.bib.dataset))))
    return sec


def _names(c: Composer, actors: list[str]) -> list[Run]:
    out: list[Run] = []
    for i, x in enumerate(actors):
        if i:
            out.append(Run(", "))
        out.append(c.named(x))
    return out


def _recommendations(c: Composer, recs: list[dict[str, Any]]) -> Section:
    w = c.w
    items = []
    for r in recs:
        parts = runs(Run(f"{w.name(r, 'title')}", c.bib.fact("recommendation", r["id"]), strong=True))
        desc = w.name(r, "description")
        if desc:
            parts += runs(". ", desc)
        if r.get("synergies"):
            parts += runs(w.pick(" Synergieën: ", " Synergies: "), ", ".join(r["synergies"]), ".")
        items.append(parts)
    return Section("recommendations", w("sec_recommendations"), [
        Paragraph(runs(w.pick("De aanbevelingen die de dataset vastlegt voor deze regio's, met hun bron:",
                              "The recommendations the dataset records for these regions, with their source:"))),
        Bullets(items, ordered=True)])


# -- the place briefing -----------------------------------------------------------------------------------
def compose_place(data: PlaceData, lang: str) -> Document:
    c = Composer(data.lk, data.facts, lang)
    w = c.w
    p = data.place
    pn = c.place(p)
    acts = data.profile["actors"].get(p, [])
    prof = data.profile
    summary = Section("summary", w("sec_summary"), [
        Paragraph(runs(w.pick(
            f"Deze briefing beschrijft {pn} met de Digitale Stack: het profiel op de lagen, de belangrijkste "
            "organisaties per laag, de kerncijfers en wie er zeggenschap heeft. Alles is berekend uit de dataset.",
            f"This briefing describes {pn} with the Digital Stack: its profile on the layers, the main organisations "
            "per layer, the key figures and who holds control. Everything is computed from the dataset."))),
        c.profile_reading(p, prof["rows"], prof["cells"], acts)])
    names = c.place_names([p])
    profile_sec = Section("profile", w("sec_profile"), [
        c.chart("place-intervals", w("ch_intervals"),
                charts.intervals(prof["rows"], c.layer_names, names, title=""),
                runs(w("cap_intervals", base=c.base_phrase()) + " ", Run("", c.bib.dataset))),
        c.profile_table("place-profile", prof["rows"], prof["cells"], with_place=False),
    ])
    if data.municipalities:
        profile_sec.children.append(Section("profile-municipalities", w("sec_municipalities"),
                                            c.profile_block("muni", data.municipalities, data.municipality_profile,
                                                            w("ch_heatmap"))))
    rows = []
    for layer in data.lk.layer_ids:
        top = data.top_actors.get(layer, [])
        total = prof["cells"].get((p, layer), [])
        for i, t in enumerate(top):
            rows.append([runs(c.layer(layer)) if i == 0 else runs(""),
                         [c.named(t["id"])],
                         runs(c.kind(data.facts.actors[t["id"]]["kind"])),
                         runs(t["offering"] or "–"),
                         [c.n(t["ties"])]])
        if len(total) > len(top):
            rows.append([runs(""), runs(w.pick(f"… en {len(total) - len(top)} meer", f"… and {len(total) - len(top)} more")),
                         runs(""), runs(""), runs("")])
    actors_sec = Section("actors", w("sec_actors"), [
        Table(id="place-actors", columns=[w("col_layer"), w("col_actor"), w("col_kind"), w("col_offering"),
                                          w("col_ties")],
              rows=rows, numeric=frozenset({4}), widths=(16, 26, 16, 34, 8), compact=True,
              caption=runs(w("cap_top_actors") + " ", Run("", c.bib.dataset)))] if rows else
        [Paragraph(runs(w("no_data")), kind="note")])
    ind = Section("indicators", w("sec_indicators"),
                  [c.indicators_table("indicators-table", data.indicators)] if data.indicators else
                  [Paragraph(runs(w("no_data")), kind="note")])
    sov = Section("sovereignty", w("sec_sovereignty"), c.sovereignty_block("sov", p, data.sovereignty))
    sections = [summary, profile_sec, actors_sec, ind, sov]
    if data.synergies:
        srows = [[[Run(s["id"], strong=True)], [c.fact(w.name(s), "synergy", s["id"])],
                  runs(c.layers(s["layers"])), _examples(c, s)] for s in data.synergies]
        sections.append(Section("synergies", w("sec_place_synergies", p=pn), [Table(
            id="place-synergies", columns=["", w("col_synergy"), w("col_layers"), w("col_examples")], rows=srows,
            widths=(4, 26, 24, 46), compact=True, caption=runs(w("cap_curated")))]))
    sections.append(c.method_section({"sovereignty"}))
    return c.document("place", w("place_title", p=pn), sections)


# -- the synergy briefing ---------------------------------------------------------------------------------
def compose_synergy(data: SynergyData, lang: str) -> Document:
    c = Composer(data.lk, data.facts, lang)
    w = c.w
    a, b = data.a, data.b
    cur, disc = data.curated, data.discovered
    if cur is not None:
        name = w.name(cur)
    elif disc is not None:
        name = disc["label_nl"] if lang == "nl" else disc["label"]
    else:
        name = " × ".join(c.layer(x) for x in data.layers)
    title = w("synergy_title", id=data.id, name=name)
    syn = Section("synergy", w("sec_synergy"))
    if cur is not None:
        desc = w.name(cur, "description")
        if desc:
            syn.add(Paragraph([c.fact(desc, "synergy", data.id)]))
    facts = [runs(Run(w("col_layers") + ": ", strong=True), c.layers(data.layers))]
    if data.domains:
        facts.append(runs(Run(w.pick("Domeinen: ", "Domains: "), strong=True), ", ".join(c.domain(x) for x in data.domains)))
    if cur is not None:
        if cur["places"]:
            facts.append(runs(Run(w("col_municipalities") + ": ", strong=True),
                              Run(", ".join(c.place(p) for p in cur["places"]), c.bib.fact("synergy", data.id))))
        ex = [w.name(e, "text") for e in cur.get("examples", [])]
        if ex:
            facts.append(runs(Run(w("col_examples") + ": ", strong=True),
                              Run("; ".join(ex), c.bib.fact("synergy", data.id))))
    if disc is not None:
        facts.append(runs(Run(w("col_score") + ": ", strong=True), c.computed(w.num(disc["score"])), " (95%: ",
                          c.computed(w.interval(disc["score_low"], disc["score_high"])), w.pick("; rang ", "; rank "),
                          c.computed(str(disc["rank"])), ")"))
    facts.append(runs(Run(w.pick("Regio's: ", "Regions: "), strong=True), f"{c.place(a)} × {c.place(b)}"))
    syn.add(Bullets(facts))
    # evidence: organisations per layer and region, the named ones, ties
    ev = Section("evidence", w("sec_evidence"))
    values = []
    for layer in data.layers:
        for region in (a, b):
            acts = data.support.get((region, layer), [])
            values.append({"layer": c.layer(layer), "region": c.place(region), "actors": len(acts)})
    ev.add(c.chart("support-chart", w("ch_support"),
                   charts.support(values, [c.layer(x) for x in data.layers], [c.place(a), c.place(b)], title=""),
                   runs(w("cap_computed") + " ", Run("", c.bib.dataset))))
    trows = []
    for layer in data.layers:
        la, lb = data.support.get((a, layer), []), data.support.get((b, layer), [])
        trows.append([runs(c.layer(layer)), [c.n(len(la), la)], [c.n(len(lb), lb)]])
    ev.add(Table(id="support-table", columns=[w("col_layer"), c.place(a), c.place(b)], rows=trows,
                 numeric=frozenset({1, 2}), compact=True, caption=runs(w("cap_computed") + " ", Run("", c.bib.dataset))))
    named = set(cur["actors"]) if cur is not None else set()
    if cur is not None:
        from .collect import side_of

        sides: dict[str, list[str]] = {"a": [], "b": [], "both": [], "other": []}
        for act in cur["actors"]:
            sides[side_of(data.lk, act, data.where, a, b)].append(act)
        items = []
        for key, label in (("a", c.place(a)), ("b", c.place(b)), ("both", w("both_regions")),
                           ("other", w("elsewhere"))):
            if sides[key]:
                items.append(runs(Run(w.pick(f"Genoemd, {label}", f"Named, {label}"), strong=True), " (",
                                  c.n(len(sides[key]), sides[key]), "): ", *_names(c, sides[key])))
        listed = set(cur.get("relations") or [])
        ties = [r for r in data.relations.values()
                if r["id"] in listed or (r["from_actor"] in named and r["to_actor"] in named)]
        for t in ties[:12]:
            items.append(runs(f"{c.actor(t['from_actor'])} → {c.actor(t['to_actor'])} ",
                              c.fact(f"({c.rtype(t['type']).lower()}{', ' + str(t['date']) if t.get('date') else ''})",
                                     "relation", t["id"])))
        if items:
            ev.add(Bullets(items))
    elif disc is not None:
        evd = disc.get("evidence") or {}
        items = []
        for region in (a, b):
            sup = evd.get(region) or []
            top = sorted(sup, key=lambda x: (-data.facts.degree.get(x["id"], 0), str(x["name"]).casefold()))[:10]
            items.append(runs(Run(c.place(region), strong=True), " (", c.n(len(sup), [x["id"] for x in sup]),
                              "): ", *_names(c, [x["id"] for x in top]),
                              " …" if len(sup) > len(top) else ""))
        ev.add(Bullets(items))
    intro = Section("introductions", w("sec_introductions"),
                    [c.intro_table("intros", data.introductions, named)] if data.introductions else
                    [Paragraph(runs(w("no_data")), kind="note")])
    guests = Section("guests", w("sec_guests"))
    if data.guests:
        cov = data.coverage
        grows = []
        for g in data.guests:
            region = g.get("region") or ""
            grows.append([runs(str(g["pick"])), [c.named(g["actor"])], runs(region_label(c, region, a, b)),
                          runs(c.helix(g.get("helix"))), runs(c.layers(g.get("layers") or [])),
                          [c.computed(w.num(g.get("gain"), 1))]])
        guests.add(Paragraph(runs(
            c.n(len(data.guests)), w.pick(" gasten dekken ", " guests cover "), c.n(cov.get("cells_covered", 0)),
            w.pick(" van de ", " of the "), c.n(cov.get("cells_possible", 0)),
            w.pick(" dekbare cellen (laag × regio × helix).", " coverable cells (layer × region × helix).")),
            kind="lead"))
        guests.add(Table(id="guests-table", columns=["#", w("col_actor"), w("col_region"), w("col_helix"),
                                                     w("col_layers"), w("col_gain")],
                         rows=grows, numeric=frozenset({0, 5}), widths=(5, 32, 16, 16, 23, 8), compact=True,
                         caption=runs(w("cap_guests", g=w.pct(cov.get("guarantee", 1 - 1 / math.e))) + " ",
                                      Run("", c.bib.dataset))))
    else:
        guests.add(Paragraph(runs(w("no_data")), kind="note"))
    sections = [syn, ev, intro, guests, c.method_section({"synergy"})]
    return c.document("synergy", title, sections)


def region_label(c: Composer, region: str, a: str, b: str) -> str:
    """The region column of a guest list (``mra``, ``brainport`` or ``mra & brainport``) in names."""
    parts = [x.strip() for x in region.split("&")]
    return " & ".join(c.place(x) for x in parts if x)


def _lc(name: str) -> str:
    """Lower-case the first letter of a name used inside a sentence, but keep abbreviations (AI, IoT, 5G)."""
    first = re.split(r"[\s-]", name, maxsplit=1)[0]
    if any(ch.isupper() or ch.isdigit() for ch in first[1:]):
        return name
    return name[:1].lower() + name[1:]

