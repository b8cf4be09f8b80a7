"""The interface texts of the web atlas in Dutch and English, and how the language is chosen.

The language comes from ``?lang=`` (which also sets a cookie), else the ``lang`` cookie, else the
browser's Accept-Language, else English.
"""

from __future__ import annotations

from typing import Any

__all__ = ["LANGS", "TEXTS", "name", "pick_lang", "translator"]

LANGS = ("nl", "en")

TEXTS: dict[str, tuple[str, str]] = {
    # key: (nl, en)
    "skip": ("Naar de inhoud", "Skip to content"),
    "home": ("Overzicht", "Overview"),
    "actors": ("Organisaties", "Organisations"),
    "actor": ("Organisatie", "Organisation"),
    "relations": ("Verbanden", "Ties"),
    "places": ("Plaatsen", "Places"),
    "place": ("Plaats", "Place"),
    "layers": ("Lagen", "Layers"),
    "layer": ("Laag", "Layer"),
    "compare": ("Vergelijken", "Compare"),
    "synergies": ("Synergieën", "Synergies"),
    "synergy": ("Synergie", "Synergy"),
    "integration": ("Integratie", "Integration"),
    "sovereignty": ("Soevereiniteit", "Sovereignty"),
    "sources": ("Bronnen", "Sources"),
    "source": ("Bron", "Source"),
    "search": ("Zoeken", "Search"),
    "search_label": ("Zoek een organisatie, plaats, laag of bron", "Search an organisation, place, layer or source"),
    "search_placeholder": ("bijv. ASML, Eindhoven, chips", "e.g. ASML, Eindhoven, chips"),
    "search_results": ("Zoekresultaten", "Search results"),
    "no_results": ("Niets gevonden.", "Nothing found."),
    "api_docs": ("API", "API"),
    "language": ("Taal", "Language"),
    "main_nav": ("Hoofdmenu", "Main menu"),
    "the_stack": ("De stack", "The stack"),
    "stack_intro": ("Aantal organisaties per laag van de Digital Stack, van grondstoffen (onder) tot "
                    "verbonden apparaten (boven). Elk getal leidt naar de organisaties en hun bronnen.",
                    "Number of organisations per layer of the Digital Stack, from raw materials (bottom) to "
                    "connected devices (top). Every number leads to the organisations and their sources."),
    "map": ("Kaart van de corridor", "Map of the corridor"),
    "map_intro": ("Gemeenten als punten (grootte: aantal organisaties met hoofdkantoor of vestiging); lijnen: "
                  "verbanden tussen organisaties in de twee regio's.",
                  "Municipalities as points (size: organisations with a head office or site there); lines: ties "
                  "between organisations of the two regions."),
    "map_table": ("Verbanden tussen de regio's als tabel", "Ties between the regions as a table"),
    "chart_data": ("Gegevens van deze grafiek", "Data behind this chart"),
    "curated_synergies": ("Synergieën uit het rapport", "Synergies from the report"),
    "discovered": ("Gevonden kandidaten", "Discovered candidates"),
    "discovered_intro": ("Combinaties van 2–4 lagen (eventueel binnen één domein) waaraan beide plaatsen organisaties "
                         "bijdragen, afgeleid uit de data. De score telt specialisatie, complementariteit, "
                         "verwantschap van de lagen, steun aan beide kanten, bestaande verbanden en betrokken gemeenten "
                         "op; het 95%-interval komt uit een Poisson-bootstrap over organisaties ({n} herhalingen). "
                         "De volgorde beloont ook variatie (maximal marginal relevance): een kandidaat die het thema "
                         "van een hogere herhaalt, zakt.",
                         "Sets of 2–4 layers (optionally within one domain) to which both places contribute "
                         "organisations, derived from the data. The score adds specialisation, complementarity, "
                         "relatedness of the layers, support on both sides, existing ties and the municipalities "
                         "involved; the 95% interval comes from a Poisson bootstrap over organisations ({n} "
                         "replicates). The order also rewards variety (maximal marginal relevance): a candidate that "
                         "repeats the theme of one above it moves down."),
    "discovered_none": ("Geen kandidaten: geen combinatie van lagen waaraan beide plaatsen bijdragen.",
                        "No candidates: no set of layers to which both places contribute."),
    "discovered_unavailable": ("Voor deze twee plaatsen kunnen geen kandidaten worden afgeleid.",
                               "No candidates can be derived for these two places."),
    "discovered_same_place": ("Kies twee verschillende plaatsen.", "Choose two different places."),
    "discovered_lead": ("Een kandidaat-synergie tussen {a} en {b}, afgeleid uit de data (niet uit het rapport).",
                        "A candidate synergy between {a} and {b}, derived from the data (not from the report)."),
    "candidate": ("Kandidaat", "Candidate"),
    "score": ("Score", "Score"),
    "rank": ("Plaats in de lijst", "Rank"),
    "bootstrap_n": ("bootstrap, {n} herhalingen", "bootstrap, {n} replicates"),
    "not_ranked": ("niet bij de beste {n} kandidaten", "not among the best {n} candidates"),
    "in_report": ("Synergie uit het rapport", "Report synergy"),
    "no_match": ("geen overeenkomende synergie", "no corresponding synergy"),
    "matching_discovered": ("Gevonden kandidaten die hiermee overeenkomen", "Discovered candidates that correspond to it"),
    "other_pair": ("Andere plaatsen vergelijken", "Compare other places"),
    "between": ("Tussen", "Between"),
    "id": ("Code", "Id"),
    "any_domain": ("alle domeinen", "any domain"),
    "for_domain": ("voor", "for"),
    "evidence_intro": ("Organisaties met een vestiging in elke plaats die actief zijn in een laag van de kandidaat "
                       "(en in het domein); meeste lagen en verbanden eerst.",
                       "Organisations located in each place that are active in a layer of the candidate (and in its "
                       "domain); most layers and ties first."),
    "and_more": ("en nog {n}:", "and {n} more:"),
    "existing_bridges": ("Bestaande bruggen", "Existing bridges"),
    "existing_bridges_intro": ("Verbanden die al tussen de twee plaatsen lopen, tussen organisaties van deze kandidaat.",
                               "Ties that already cross between the two places, among organisations of this "
                               "candidate."),
    "introductions": ("Introducties", "Introductions"),
    "introductions_intro": ("Wie zou wie moeten ontmoeten: paren (één aan elke kant, nog niet verbonden) die samen de "
                            "lagen dekken, een domein delen en dicht bij elkaar liggen in het netwerk.",
                            "Who should meet whom: pairs (one on each side, not yet tied) that together cover the "
                            "layers, share a domain and are close in the network of ties."),
    "no_introductions": ("Geen introducties gevonden.", "No introductions found."),
    "why": ("Waarom", "Why"),
    "together_cover": ("Samen dekken zij", "Together they cover"),
    "both_work_in": ("Beide actief in", "Both work in"),
    "common_partner": ("Gemeenschappelijke partner", "Partner in common"),
    "common_partners": ("Gemeenschappelijke partners", "Partners in common"),
    "named_by_synergy": ("Genoemd bij de synergie", "Named by the synergy"),
    "guest_list": ("Gastenlijst", "Guest list"),
    "guests_intro": ("Een gebalanceerde lijst voor een bijeenkomst: elke laag van de synergie, beide plaatsen en "
                     "de vier groepen van de quadruple helix (bedrijven, kennis, overheid, maatschappij) komen aan bod "
                     "voordat iets dubbel gedekt wordt.",
                     "A balanced list for a meeting: every layer of the synergy, both places and the groups of the "
                     "quadruple helix (business, knowledge, government, civil society) get a seat before anything "
                     "is covered twice."),
    "guests_size": ("Aantal gasten (1–{max})", "Number of guests (1–{max})"),
    "coverage_summary": ("{n} gasten dekken {covered} van de {possible} cellen die organisaties van deze plaatsen "
                         "kunnen dekken.",
                         "{n} guests cover {covered} of the {possible} cells that organisations of these places can "
                         "cover."),
    "coverage_cells": ("Een cel is laag × plaats × helixgroep: {layers} × 2 × {helix} = {total} cellen; "
                       "dekkingswaarde {value}.",
                       "A cell is layer × place × helix group: {layers} × 2 × {helix} = {total} cells; coverage "
                       "value {value}."),
    "guarantee": ("Hoe de lijst gekozen is: één gast tegelijk, steeds wie de meeste dekking toevoegt (een gast in "
                  "een lege cel telt volledig, een tweede in dezelfde cel half zo zwaar, enzovoort). Voor zo'n doel "
                  "is bewezen dat deze stapsgewijze keuze altijd minstens {pct} (1 − 1/e) haalt van de dekking van de "
                  "best mogelijke lijst van dezelfde lengte (Nemhauser, Wolsey & Fisher, 1978).",
                  "How the list is picked: one guest at a time, always the one who adds the most coverage (a guest "
                  "in an empty cell counts fully, a second one in the same cell half as much, and so on). For such an "
                  "objective this step-by-step choice is proven to always reach at least {pct} (1 − 1/e) of the "
                  "coverage of the best possible list of the same length (Nemhauser, Wolsey & Fisher, 1978)."),
    "adds": ("Voegt toe", "Adds"),
    "balance": ("versterkt cellen die al gedekt zijn (balans)", "strengthens cells already covered (balance)"),
    "stats": ("In deze dataset", "In this dataset"),
    "name": ("Naam", "Name"),
    "kind": ("Soort", "Kind"),
    "hq": ("Hoofdkantoor", "Head office"),
    "domains": ("Domeinen", "Domains"),
    "domain": ("Domein", "Domain"),
    "control": ("Zeggenschap", "Control"),
    "control_country": ("Land van zeggenschap", "Control country"),
    "parent": ("Moederorganisatie", "Parent"),
    "children": ("Dochters", "Subsidiaries"),
    "founded": ("Opgericht", "Founded"),
    "website": ("Website", "Website"),
    "offering": ("Aanbod", "Offering"),
    "role": ("Rol", "Role"),
    "sublayer": ("Sublaag", "Sublayer"),
    "sites": ("Vestigingen", "Sites"),
    "ties": ("Verbanden", "Ties"),
    "type": ("Type", "Type"),
    "family": ("Familie", "Family"),
    "status": ("Status", "Status"),
    "from": ("Van", "From"),
    "to": ("Naar", "To"),
    "date": ("Datum", "Date"),
    "amount": ("Bedrag", "Amount"),
    "stake": ("Belang", "Stake"),
    "ego_network": ("Netwerk", "Network"),
    "ego_intro": ("Directe verbanden van deze organisatie (en de verbanden tussen die partners).",
                  "Direct ties of this organisation (and the ties among those partners)."),
    "all": ("alle", "all"),
    "filter": ("Filteren", "Filter"),
    "filters": ("Filters", "Filters"),
    "reset": ("Wissen", "Clear"),
    "sort": ("Sorteren", "Sort"),
    "copy_link": ("Link kopiëren", "Copy link"),
    "copied": ("Gekopieerd", "Copied"),
    "export": ("Exporteren", "Export"),
    "results": ("resultaten", "results"),
    "of": ("van", "of"),
    "previous": ("Vorige", "Previous"),
    "next": ("Volgende", "Next"),
    "page": ("Pagina", "Page"),
    "definition": ("Definitie", "Definition"),
    "positions": ("Mondiale positie per blok", "Global position per bloc"),
    "bloc": ("Blok", "Bloc"),
    "standing": ("Positie", "Standing"),
    "note": ("Toelichting", "Note"),
    "actors_per_place": ("Organisaties per plaats", "Organisations per place"),
    "count": ("Aantal", "Count"),
    "profile": ("Profiel op de stack", "Profile on the stack"),
    "profile_intro": ("Locatiequotiënt (LQ) per laag: het aandeel van de laag hier gedeeld door dat in de "
                      "basis ({baseline}); 1 = gemiddeld. De balken zijn 95%-intervallen (exact, Poisson).",
                      "Location quotient (LQ) per layer: the layer's share here divided by its share in the "
                      "baseline ({baseline}); 1 = average. Bars are 95% intervals (exact, Poisson)."),
    "heatmap": ("LQ per gemeente en laag", "LQ per municipality and layer"),
    "share": ("Aandeel", "Share"),
    "expected": ("Verwacht", "Expected"),
    "interval": ("95%-interval", "95% interval"),
    "lq": ("LQ", "LQ"),
    "lq_shrunk": ("LQ (gekrompen)", "LQ (shrunk)"),
    "top_actors": ("Belangrijkste organisaties per laag", "Main organisations per layer"),
    "top_actors_intro": ("Kernactiviteit eerst, dan het aantal verbanden.", "Core activity first, then number of ties."),
    "indicators": ("Cijfers", "Figures"),
    "value": ("Waarde", "Value"),
    "unit": ("Eenheid", "Unit"),
    "baseline": ("Vergelijking", "Baseline"),
    "members": ("Gemeenten", "Municipalities"),
    "within": ("Ligt in", "Within"),
    "description": ("Beschrijving", "Description"),
    "bridges": ("Bruggen tussen de regio's", "Bridges between the regions"),
    "bridges_intro": ("Verbanden binnen en tussen de regio's: E-I-index (−1 alles intern, +1 alles extern), "
                      "dichtheidsverhouding en makelaars (betweenness over paren A–B).",
                      "Ties within and across the regions: E-I index (−1 all internal, +1 all external), density "
                      "ratio and brokers (betweenness over A–B pairs)."),
    "ei_index": ("E-I-index", "E-I index"),
    "density_ratio": ("Dichtheidsverhouding", "Density ratio"),
    "ties_across": ("Verbanden tussen", "Ties across"),
    "ties_within": ("Verbanden binnen", "Ties within"),
    "brokers": ("Makelaars", "Brokers"),
    "betweenness": ("Betweenness", "Betweenness"),
    "constraint": ("Constraint (Burt)", "Constraint (Burt)"),
    "unavailable": ("Deze analyse is (nog) niet beschikbaar.", "This analysis is not available (yet)."),
    "too_large": ("Niet berekend in de webatlas: deze analyse van het hele netwerk van verbanden is te zwaar voor "
                  "{n} organisaties (de grens is {max}). Gebruik de opdrachtregel (stackatlas).",
                  "Not computed in the web atlas: this analysis of the whole tie network is too heavy for {n} "
                  "organisations (the limit is {max}). Use the command line (stackatlas)."),
    "supporting_actors": ("Betrokken organisaties per kant", "Supporting organisations per side"),
    "named_by_source": ("genoemd in de bron", "named by the source"),
    "elsewhere": ("Elders", "Elsewhere"),
    "existing_ties": ("Bestaande verbanden tussen hen", "Existing ties among them"),
    "examples": ("Voorbeelden", "Examples"),
    "none": ("Geen.", "None."),
    "foundries": ("Verticaal geïntegreerde AI-foundries", "Vertically integrated AI foundries"),
    "foundries_intro": ("Per organisatie wat zij zelf, via dochters of via investeringen aanbiedt in chips, cloud, "
                        "AI en applicaties.",
                        "Per organisation what it offers itself, through subsidiaries or investments in chips, "
                        "cloud, AI and applications."),
    "coverage": ("Dekking", "Coverage"),
    "layer_flow": ("Stromen tussen lagen", "Flows between layers"),
    "layer_flow_intro": ("Wie in laag i investeert in, koopt bij of samenwerkt met laag j (gewicht: fractioneel).",
                         "Who in layer i invests in, buys from or partners with layer j (weight: fractional)."),
    "sovereignty_intro": ("Aandeel organisaties per laag naar blok van zeggenschap; de laag met het laagste "
                          "Europese aandeel is gemarkeerd.",
                          "Share of organisations per layer by control bloc; the layer with the lowest European "
                          "share is marked."),
    "eu_share": ("Europees aandeel", "European share"),
    "hhi": ("HHI", "HHI"),
    "weakest": ("zwakste", "weakest"),
    "citations": ("Verwijzingen", "Citations"),
    "cited_by": ("Feiten uit deze bron", "Facts from this source"),
    "title": ("Titel", "Title"),
    "publisher": ("Uitgever", "Publisher"),
    "author": ("Auteur", "Author"),
    "locator": ("Vindplaats", "Locator"),
    "confidence": ("Zekerheid", "Confidence"),
    "subject": ("Onderwerp", "Subject"),
    "not_found": ("Niet gevonden", "Not found"),
    "bad_request": ("Ongeldige aanvraag", "Bad request"),
    "error": ("Fout", "Error"),
    "back_home": ("Terug naar het overzicht", "Back to the overview"),
    "footer": ("Elk getal met bron. Code MIT; data CC-BY-4.0.", "Every number with its source. Code MIT; data CC-BY-4.0."),
    "region_a": ("Regio A", "Region A"),
    "region_b": ("Regio B", "Region B"),
    "show": ("Tonen", "Show"),
    "in_region": ("in {region}", "in {region}"),
    "actors_in_layer": ("Organisaties in deze laag", "Organisations in this layer"),
    "more": ("meer", "more"),
    "helix": ("Helix", "Helix"),
    "unknown": ("onbekend", "unknown"),
    "patterns": ("Integratiepatronen", "Integration patterns"),
    "via_subsidiaries": ("via dochters", "via subsidiaries"),
    "via_ties": ("via verbanden", "via ties"),
    "period": ("Periode", "Period"),
    "nodate": ("geen datum", "no date"),
    "regions": ("Regio's", "Regions"),
    "both": ("beide", "both"),
}


def pick_lang(query: str | None, cookie: str | None, accept: str | None) -> str:
    """The language of a request.

    >>> pick_lang("nl", "en", None), pick_lang(None, "nl", None), pick_lang(None, None, "nl-NL,nl;q=0.9")
    ('nl', 'nl', 'nl')
    >>> pick_lang("xx", None, "fr"), pick_lang(None, None, None)
    ('en', 'en')
    """
    for v in (query, cookie):
        if v in LANGS:
            return v  # type: ignore[return-value]
    if accept:
        for part in accept.split(","):
            tag = part.split(";")[0].strip().lower()[:2]
            if tag in LANGS:
                return tag
    return "en"


def translator(lang: str) -> Any:
    """``t(key, **fmt)``: the text of ``key`` in ``lang`` (the key itself when unknown)."""
    i = 0 if lang == "nl" else 1

    def t(key: str, **fmt: Any) -> str:
        pair = TEXTS.get(key)
        text = key if pair is None else pair[i]
        return text.format(**fmt) if fmt else text

    return t


def name(record: dict[str, Any] | None, lang: str, field: str = "name") -> str:
    """The ``{field}_{lang}`` of a record, falling back on the other language and then on its id."""
    if not record:
        return ""
    other = "en" if lang == "nl" else "nl"
    for key in (f"{field}_{lang}", f"{field}_{other}", field, "id"):
        v = record.get(key)
        if v:
            return str(v)
    return ""
