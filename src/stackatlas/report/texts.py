"""The words of the briefings in Dutch and English, and how numbers are written in each language."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

__all__ = ["LANGS", "TEXTS", "Words"]

LANGS = ("nl", "en")

TEXTS: dict[str, tuple[str, str]] = {
    # key: (nl, en)
    "briefing": ("Briefing", "Briefing"),
    "corridor_title": ("{a} en {b} op de Digitale Stack", "{a} and {b} on the Digital Stack"),
    "place_title": ("{p} op de Digitale Stack", "{p} on the Digital Stack"),
    "synergy_title": ("Synergie {id}: {name}", "Synergy {id}: {name}"),
    "subtitle": ("Een briefing gegenereerd uit de dataset “{title}”", "A briefing generated from the dataset “{title}”"),
    "colophon_dataset": ("Dataset: {id}, versie {version} (inhoud {hash}); licentie {licence}.",
                         "Dataset: {id}, version {version} (content {hash}); licence {licence}."),
    "colophon_computed": ("Berekend op {date} met stackatlas {version}.", "Computed on {date} with stackatlas {version}."),
    "colophon_rule": ("Elk getal verwijst met een voetnoot naar de bronnenlijst. Cijfers uit publicaties verwijzen "
                      "naar hun eigen bron; tellingen, aandelen en indices zijn uit de dataset berekend en verwijzen "
                      "naar de dataset, en als ze op weinig feiten rusten ook naar de bronnen van die feiten.",
                      "Every number has a footnote into the source list. Figures from publications cite their own "
                      "source; counts, shares and indices are computed from the dataset and cite it, and where they "
                      "rest on few facts the sources of those facts too."),
    "dataset_entry": ("stackatlas-dataset {id} versie {version}, berekend {date}",
                      "stackatlas dataset {id} version {version}, computed {date}"),
    "dataset_entry_note": ("inhoud {hash}; stackatlas {sv}; {n} organisaties, {r} verbanden, {i} cijfers, {s} bronnen",
                           "content {hash}; stackatlas {sv}; {n} organisations, {r} ties, {i} figures, {s} sources"),
    "contents": ("Inhoud", "Contents"),
    "sources": ("Bronnen", "Sources"),
    "cited_at": ("vindplaats", "located at"),
    "chart": ("Figuur", "Figure"),
    "table": ("Tabel", "Table"),
    "page": ("pagina", "page"),
    "none": ("geen", "none"),
    "dash": ("–", "–"),
    # sections
    "sec_summary": ("Samenvatting", "Summary"),
    "sec_stack": ("De Digitale Stack", "The Digital Stack"),
    "sec_layers": ("De lagen", "The layers"),
    "sec_positions": ("Mondiale positie per laag", "Global position per layer"),
    "sec_position": ("De positie van {a} en {b} op de stack", "The position of {a} and {b} on the stack"),
    "sec_regions": ("De regio's", "The regions"),
    "sec_municipalities": ("Gemeenten", "Municipalities"),
    "sec_integration": ("Cross-stack integratie", "Cross-stack integration"),
    "sec_foundries": ("Verticaal geïntegreerde AI-foundries", "Vertically integrated AI foundries"),
    "sec_flow": ("Verbanden tussen lagen", "Ties between layers"),
    "sec_synergies": ("Synergie over de stack", "Synergy across the stack"),
    "sec_overview": ("Overzichtstabel", "Overview table"),
    "sec_match": ("Rapport en data vergeleken", "Curated and discovered compared"),
    "sec_curated_detail": ("Synergieën uit de dataset", "Curated synergies"),
    "sec_discovered_detail": ("Uit de data gevonden synergieën", "Synergies discovered in the data"),
    "sec_sovereignty": ("Soevereiniteit per laag", "Sovereignty per layer"),
    "sec_indicators": ("Kerncijfers", "Key figures"),
    "sec_bridges": ("Bruggen over de corridor", "Bridges across the corridor"),
    "sec_recommendations": ("Aanbevelingen in de dataset", "Recommendations in the dataset"),
    "sec_method": ("Methode", "Method"),
    "sec_sources": ("Bronnen", "Sources"),
    "sec_profile": ("Profiel op de stack", "Profile on the stack"),
    "sec_actors": ("Organisaties per laag", "Organisations per layer"),
    "sec_place_synergies": ("Synergieën met {p}", "Synergies involving {p}"),
    "sec_synergy": ("De synergie", "The synergy"),
    "sec_evidence": ("Onderbouwing", "Evidence"),
    "sec_introductions": ("Introducties", "Introductions"),
    "sec_guests": ("Gastenlijst", "Guest list"),
    # column heads
    "col_layer": ("Laag", "Layer"),
    "col_definition": ("Omschrijving", "Definition"),
    "col_orgs": ("Organisaties {p}", "Organisations {p}"),
    "col_place": ("Plaats", "Place"),
    "col_count": ("Aantal", "Count"),
    "col_expected": ("Verwacht", "Expected"),
    "col_lq": ("LQ", "LQ"),
    "col_interval": ("95%-interval", "95% interval"),
    "col_share": ("Aandeel", "Share"),
    "col_actor": ("Organisatie", "Organisation"),
    "col_synergy": ("Synergie", "Synergy"),
    "col_layers": ("Lagen", "Layers"),
    "col_examples": ("Voorbeelden", "Examples"),
    "col_municipalities": ("Gemeenten", "Municipalities"),
    "col_rank": ("#", "#"),
    "col_candidate": ("Kandidaat", "Candidate"),
    "col_score": ("Score", "Score"),
    "col_score_interval": ("Score (95%)", "Score (95%)"),
    "col_curated_match": ("In dataset", "Curated match"),
    "col_best_match": ("Beste kandidaat", "Best candidate"),
    "col_similarity": ("Gelijkenis", "Similarity"),
    "col_from": ("Van", "From"),
    "col_to": ("Naar", "To"),
    "col_ties": ("Verbanden", "Ties"),
    "col_weight": ("Gewicht", "Weight"),
    "col_coverage": ("Kolommen", "Columns"),
    "col_bloc_nl_eu": ("NL + EU", "NL + EU"),
    "col_largest": ("Grootste blok", "Largest bloc"),
    "col_hhi": ("HHI", "HHI"),
    "col_indicator": ("Cijfer", "Figure"),
    "col_value": ("Waarde", "Value"),
    "col_unit": ("Eenheid", "Unit"),
    "col_date": ("Datum", "Date"),
    "col_baseline": ("Basis", "Baseline"),
    "col_subject": ("Onderwerp", "Subject"),
    "col_measure": ("Maat", "Measure"),
    "col_region": ("Regio", "Region"),
    "col_betweenness": ("Tussenpositie", "Betweenness"),
    "col_constraint": ("Constraint", "Constraint"),
    "col_degree": ("Verbanden", "Ties"),
    "col_pair": ("Koppel", "Pair"),
    "col_why": ("Waarom", "Why"),
    "col_helix": ("Helix", "Helix"),
    "col_gain": ("Winst", "Gain"),
    "col_offering": ("Aanbod", "Offering"),
    "col_kind": ("Soort", "Kind"),
    "col_side": ("Kant", "Side"),
    "col_type": ("Type", "Type"),
    "col_number": ("Nr.", "No."),
    "col_recommendation": ("Aanbeveling", "Recommendation"),
    "col_supporting": ("Ondersteunende organisaties", "Supporting organisations"),
    # standings
    "standing_leader": ("leider", "leader"),
    "standing_strong": ("sterk", "strong"),
    "standing_challenger": ("uitdager", "challenger"),
    "standing_weak": ("zwak", "weak"),
    "standing_dependent": ("afhankelijk", "dependent"),
    "unknown": ("onbekend", "unknown"),
    "both_regions": ("beide", "both"),
    "elsewhere": ("elders", "elsewhere"),
    # measures of bridges
    "m_actors": ("Organisaties in {p}", "Organisations in {p}"),
    "m_actors_both": ("Organisaties in beide", "Organisations in both"),
    "m_internal_a": ("Verbanden binnen {p}", "Ties within {p}"),
    "m_external": ("Verbanden tussen de regio's", "Ties between the regions"),
    "m_ei": ("E-I-index", "E-I index"),
    "m_density_across": ("Dichtheid tussen", "Density across"),
    "m_density_within": ("Dichtheid binnen", "Density within"),
    "m_density_ratio": ("Dichtheidsverhouding (tussen / binnen)", "Density ratio (across / within)"),
    "m_communities": ("Gemeenschappen (Leiden)", "Communities (Leiden)"),
    "m_communities_mixed": ("Gemengde gemeenschappen", "Mixed communities"),
    "m_modularity": ("Modulariteit", "Modularity"),
    # chart titles
    "ch_heatmap": ("Locatiequotiënt per laag met 95%-interval", "Location quotient per layer with 95% interval"),
    "ch_intervals": ("Locatiequotiënt met 95%-interval", "Location quotient with 95% interval"),
    "ch_flow": ("Verbanden van laag naar laag", "Ties from layer to layer"),
    "ch_sovereignty": ("Zeggenschap per laag: {p}", "Control per layer: {p}"),
    "ch_scores": ("Score van de gevonden synergieën met 95%-interval",
                  "Score of the discovered synergies with 95% interval"),
    "ch_ties": ("Verbanden binnen en tussen de regio's", "Ties within and between the regions"),
    "ch_support": ("Organisaties per laag en regio", "Organisations per layer and region"),
    "ch_actors_per_layer": ("Organisaties per laag", "Organisations per layer"),
    # captions and notes
    "cap_heatmap": ("Per cel de locatiequotiënt (LQ) ten opzichte van {base}, het 95%-interval en het aantal "
                    "organisaties (n) met hoofdkantoor of vestiging in de plaats die actief zijn in de laag. Kleur: "
                    "oranje boven 1, blauw onder 1; donkere rand: het hele interval ligt boven 1.",
                    "Each cell gives the location quotient (LQ) against {base}, its 95% interval and the number of "
                    "organisations (n) with a head office or site in the place that are active in the layer. Colour: "
                    "orange above 1, blue below 1; dark border: the whole interval lies above 1."),
    "cap_intervals": ("Punt: locatiequotiënt; lijn: exact Poisson 95%-interval; stippellijn: 1 (zoals {base}).",
                      "Point: location quotient; line: exact Poisson 95% interval; dashed line: 1 (like {base})."),
    "cap_computed": ("Berekend uit de dataset", "Computed from the dataset"),
    "cap_positions": ("Positie van elk blok per laag volgens de bronnen van de dataset; de toelichting per laag "
                      "staat hieronder.",
                      "Standing of each bloc per layer according to the dataset's sources; the notes per layer "
                      "follow below."),
    "cap_foundries": ("Organisaties die zelf, via dochters of via verbanden ten minste {k} van de kolommen {cols} "
                      "dekken; per kolom wat de dataset noemt.",
                      "Organisations covering at least {k} of the columns {cols} themselves, through subsidiaries "
                      "or through ties; per column what the dataset names."),
    "cap_flow": ("Verbanden (kapitaal, samenwerking, handel) tussen organisaties, van de lagen van de ene naar die "
                 "van de andere; een organisatie in k lagen telt 1/k per laag (gewicht).",
                 "Ties (capital, collaboration, trade) between organisations, from the layers of one to those of "
                 "the other; an organisation in k layers counts 1/k per layer (weight)."),
    "cap_curated": ("Synergieën zoals de dataset ze beschrijft (met bron); voorbeelden: genoemde organisaties en "
                    "voorbeelden.",
                    "Synergies as the dataset describes them (with source); examples: the organisations and "
                    "examples it names."),
    "cap_discovered": ("Kandidaten uit de data: sets van 2–4 lagen waaraan beide regio's bijdragen, gerangschikt "
                       "op score met bootstrap-95%-interval; laatste kolom: de overeenkomende synergie uit de dataset.",
                       "Candidates found in the data: sets of 2–4 layers to which both regions contribute, ranked "
                       "by score with a bootstrap 95% interval; last column: the matching curated synergy."),
    "cap_match": ("Voor elke synergie uit de dataset de best gerangschikte gevonden kandidaat met dezelfde lagen "
                  "(gelijkenis ≥ 0,8).",
                  "For every curated synergy the best-ranked discovered candidate with the same layers "
                  "(similarity ≥ 0.8)."),
    "cap_sovereignty": ("Aandeel van de organisaties per laag naar land van zeggenschap (blok).",
                        "Share of the organisations per layer by country of control (bloc)."),
    "cap_indicators": ("Cijfers zoals de bronnen ze geven, met datum of periode en basis.",
                       "Figures as the sources give them, with date or period and baseline."),
    "cap_brokers": ("Organisaties op de meeste kortste paden tussen de twee regio's (genormaliseerd), met Burts "
                    "constraint (laag = makelaar tussen groepen).",
                    "Organisations on the most shortest paths between the two regions (normalised), with Burt's "
                    "constraint (low = broker between groups)."),
    "cap_intros": ("Paren (één per regio, nog niet verbonden) die samen de lagen van de synergie dekken.",
                   "Pairs (one per region, not yet tied) that together cover the synergy's layers."),
    "cap_guests": ("Gekozen op dekking van lagen × regio's × quadruple helix; de gulzige keuze haalt ten minste "
                   "{g} van de best mogelijke dekkingswaarde.",
                   "Picked for coverage of layers × regions × quadruple helix; the greedy choice reaches at least "
                   "{g} of the best possible coverage value."),
    "cap_top_actors": ("Per laag de organisaties met de laag als kernactiviteit eerst, dan naar aantal verbanden.",
                       "Per layer the organisations with the layer as core activity first, then by number of ties."),
    "no_data": ("De dataset bevat hiervoor geen gegevens.", "The dataset holds no data for this."),
    "none_listed": ("–", "–"),
}


class Words:
    """Texts and number formats of one language: ``w("key", **fmt)``, ``w.num(1.5)``, ``w.join([...])``."""

    def __init__(self, lang: str) -> None:
        if lang not in LANGS:
            raise ValueError(f"language must be one of {', '.join(LANGS)}, not {lang!r}")
        self.lang = lang
        self._k = LANGS.index(lang)

    def __call__(self, key: str, **fmt: Any) -> str:
        text = TEXTS[key][self._k]
        return text.format(**fmt) if fmt else text

    def pick(self, nl: str, en: str) -> str:
        return nl if self.lang == "nl" else en

    def name(self, record: dict[str, Any] | None, field: str = "name", default: str = "") -> str:
        """``{field}_{lang}``, else the other language, else ``default``."""
        if not record:
            return default
        other = "en" if self.lang == "nl" else "nl"
        v = record.get(f"{field}_{self.lang}") or record.get(f"{field}_{other}") or record.get(field)
        return str(v) if v else default

    # -- numbers -------------------------------------------------------------------------------------
    def num(self, v: Any, digits: int = 2) -> str:
        """A number with ``digits`` decimals (Dutch: decimal comma, thousands with a dot)."""
        if v is None or (isinstance(v, float) and not math.isfinite(v)):
            return "–"
        if digits == 0 or isinstance(v, int):
            s = f"{round(float(v)):,d}"
        else:
            s = f"{float(v):,.{digits}f}"
        if self.lang == "nl":
            s = s.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
        return s

    def count(self, v: Any) -> str:
        if v is None or (isinstance(v, float) and not math.isfinite(v)):
            return "–"
        f = float(v)
        return self.num(int(f), 0) if f.is_integer() else self.num(f, 1)

    def pct(self, v: Any, digits: int = 0) -> str:
        """A share in [0, 1] as a percentage."""
        if v is None or (isinstance(v, float) and not math.isfinite(v)):
            return "–"
        return f"{self.num(100 * float(v), digits)}%"

    def interval(self, lo: Any, hi: Any, digits: int = 2) -> str:
        return f"{self.num(lo, digits)}–{self.num(hi, digits)}"

    def value(self, v: Any, unit: str | None = None) -> str:
        """An indicator value: whole numbers without decimals (years as they are), else up to two."""
        if v is None or (isinstance(v, float) and not math.isfinite(v)):
            return "–"
        f = float(v)
        if unit == "year" and f.is_integer():
            return str(int(f))
        if f.is_integer():
            return self.num(int(f), 0)
        digits = 2 if abs(f) < 100 else 1
        while digits > 0 and round(f, digits - 1) == round(f, digits):
            digits -= 1
        return self.num(f, digits)

    def join(self, items: Sequence[str]) -> str:
        """``a``, ``a and b``, ``a, b and c`` (Dutch ``en``)."""
        items = [i for i in items if i]
        if not items:
            return ""
        if len(items) == 1:
            return items[0]
        return ", ".join(items[:-1]) + (" en " if self.lang == "nl" else " and ") + items[-1]

    def plural(self, n: int, one: str, many: str) -> str:
        return one if n == 1 else many
