"""The Dutch and English texts of stackatlas, and how they are looked up.

Two tables, one mechanism: :data:`WEB` holds the interface texts of the web atlas, :data:`REPORT` the words
of the briefings (some keys exist in both with different contents, e.g. ``page`` is a button in one and a
word inside a sentence in the other). Each maps a key to its ``(nl, en)`` pair; :func:`translator` looks
keys up in one language, :class:`Words` adds names, lists and numbers (:mod:`.formats`) in that language.

The web chooses the language of a request in one place, :func:`stackatlas.web._lang.decide`.

>>> t = translator("nl")
>>> t("actors"), t("in_region", region="Brainport"), t("no-such-key")
('Organisaties', 'in Brainport', 'no-such-key')
>>> w = Words("en")
>>> w("corridor_title", a="MRA", b="Brainport"), w.num(1234.5), w.join(["chips", "AI"])
('MRA and Brainport on the Digital Stack', '1,234.50', 'chips and AI')
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from . import formats

__all__ = ["LANGS", "MONITOR", "REPORT", "WEB", "Words", "name", "translator"]

LANGS = ("nl", "en")

Table = Mapping[str, tuple[str, str]]

WEB: dict[str, tuple[str, str]] = {
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
    "scope": ("Eenheid van aanvulling", "Unit of complementarity"),
    "scope_between": ("tussen de twee regio's", "between the two regions"),
    "scope_corridor": ("tussen gemeenten in de hele corridor", "between municipalities across the corridor"),
    "discovered_intro_between": (
        "Combinaties van 2–4 lagen (eventueel binnen één domein) waaraan beide plaatsen organisaties bijdragen, "
        "afgeleid uit de data. De score telt specialisatie, complementariteit (elke plaats leidt een laag), "
        "verwantschap van de lagen, steun aan beide kanten, bestaande verbanden tussen de plaatsen en betrokken "
        "gemeenten op; het 95%-interval komt uit een Poisson-bootstrap over organisaties ({n} herhalingen). "
        "De lijst begint met de beste kandidaat van elk thema (elk domein, en geen domein), binnen het eigen domein "
        "gemeten en de thema's gewogen naar hun omvang; daarna volgen de overige, waarbij variatie telt (maximal "
        "marginal relevance): een kandidaat die het thema van een hogere herhaalt, zakt.",
        "Sets of 2–4 layers (optionally within one domain) to which both places contribute organisations, derived "
        "from the data. The score adds specialisation, complementarity (each place leads a layer), relatedness of "
        "the layers, support on both sides, existing ties between the places and the municipalities involved; the "
        "95% interval comes from a Poisson bootstrap over organisations ({n} replicates). The list opens with the "
        "best candidate of every theme (each domain, and no domain), measured within its own domain, the themes "
        "weighed by their size; the others follow, with variety rewarded (maximal marginal relevance): a "
        "candidate that repeats the theme of one above it moves down."),
    "discovered_intro_corridor": (
        "Combinaties van 2–4 lagen (eventueel binnen één domein) waaraan organisaties in verschillende gemeenten "
        "van de corridor bijdragen, afgeleid uit de data; de gemeenten van beide plaatsen tellen samen, dus een "
        "kandidaat kan ook binnen één regio liggen. De score telt specialisatie, complementariteit (verschillende "
        "gemeenten leiden de lagen), verwantschap van de lagen, steun in de sterkste gemeente en daarbuiten, "
        "bestaande verbanden tussen gemeenten en betrokken gemeenten op; het 95%-interval komt uit een "
        "Poisson-bootstrap over organisaties ({n} herhalingen). De lijst begint met de beste kandidaat van elk thema "
        "(elk domein, en geen domein), binnen het eigen domein gemeten en de thema's gewogen naar hun omvang; "
        "daarna volgen de overige, waarbij variatie telt (maximal marginal relevance): een kandidaat die het thema "
        "van een hogere herhaalt, zakt.",
        "Sets of 2–4 layers (optionally within one domain) to which organisations in different municipalities of "
        "the corridor contribute, derived from the data; the municipalities of both places count together, so a "
        "candidate may also lie within one region. The score adds specialisation, complementarity (different "
        "municipalities lead the layers), relatedness of the layers, support in the strongest municipality and "
        "beyond it, existing ties between municipalities and the municipalities involved; the 95% interval comes "
        "from a Poisson bootstrap over organisations ({n} replicates). The list opens with the best candidate of "
        "every theme (each domain, and no domain), measured within its own domain, the themes weighed by their "
        "size; the others follow, with variety rewarded (maximal marginal relevance): a candidate that repeats "
        "the theme of one above it moves down."),
    "discovered_none_between": ("Geen kandidaten: geen combinatie van lagen waaraan beide plaatsen bijdragen.",
                                "No candidates: no set of layers to which both places contribute."),
    "discovered_none_corridor": ("Geen kandidaten: geen combinatie van lagen waaraan gemeenten van de corridor "
                                 "bijdragen.",
                                 "No candidates: no set of layers to which municipalities of the corridor "
                                 "contribute."),
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
    "existing_bridges_intro_corridor": ("Verbanden die al bestaan tussen organisaties van deze kandidaat in "
                                        "verschillende gemeenten van de corridor (de verbanden die de score telt).",
                                        "Ties that already join organisations of this candidate in different "
                                        "municipalities of the corridor (the ties the score counts)."),
    "introductions": ("Introducties", "Introductions"),
    "introductions_intro": ("Wie zou wie moeten ontmoeten: paren (één aan elke kant, nog niet verbonden) die samen de "
                            "lagen dekken, een domein delen en dicht bij elkaar liggen in het netwerk.",
                            "Who should meet whom: pairs (one on each side, not yet tied) that together cover the "
                            "layers, share a domain and are close in the network of ties."),
    "introductions_intro_corridor": ("Wie zou wie moeten ontmoeten: paren (twee organisaties van de corridor in "
                                     "verschillende gemeenten, nog niet verbonden) die samen de lagen dekken, een "
                                     "domein delen en dicht bij elkaar liggen in het netwerk.",
                                     "Who should meet whom: pairs (two organisations of the corridor in different "
                                     "municipalities, not yet tied) that together cover the layers, share a domain "
                                     "and are close in the network of ties."),
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
    "guests_intro_corridor": ("Een gebalanceerde lijst voor een bijeenkomst: elke laag van de synergie, de gemeenten "
                              "van de corridor en de vier groepen van de quadruple helix (bedrijven, kennis, overheid, "
                              "maatschappij) komen aan bod voordat iets dubbel gedekt wordt.",
                              "A balanced list for a meeting: every layer of the synergy, the municipalities of the "
                              "corridor and the groups of the quadruple helix (business, knowledge, government, civil "
                              "society) get a seat before anything is covered twice."),
    "guests_size": ("Aantal gasten (1–{max})", "Number of guests (1–{max})"),
    "coverage_summary": ("{n} gasten dekken {covered} van de {possible} cellen die organisaties van deze plaatsen "
                         "kunnen dekken.",
                         "{n} guests cover {covered} of the {possible} cells that organisations of these places can "
                         "cover."),
    "coverage_cells": ("Een cel is laag × plaats × helixgroep: {layers} × {places} × {helix} = {total} cellen; "
                       "dekkingswaarde {value}.",
                       "A cell is layer × place × helix group: {layers} × {places} × {helix} = {total} cells; coverage "
                       "value {value}."),
    "coverage_cells_corridor": ("Een cel is laag × gemeente × helixgroep: {layers} × {places} × {helix} = {total} "
                                "cellen; dekkingswaarde {value}.",
                                "A cell is layer × municipality × helix group: {layers} × {places} × {helix} = "
                                "{total} cells; coverage value {value}."),
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
    # team curation (web/views/auth.py, propose.py, review.py, history.py)
    "login": ("Inloggen", "Log in"),
    "logout": ("Uitloggen", "Log out"),
    "username": ("Gebruikersnaam", "User name"),
    "password": ("Wachtwoord", "Password"),
    "login_failed": ("Onbekende gebruiker of verkeerd wachtwoord.", "Unknown user or wrong password."),
    "suggest_change": ("Wijziging voorstellen", "Suggest a change"),
    "add_organisation": ("Organisatie toevoegen", "Add organisation"),
    "add_relation": ("Verband toevoegen", "Add tie"),
    "review": ("Beoordelen", "Review"),
    "history": ("Geschiedenis", "History"),
    "proposal": ("Voorstel", "Proposal"),
    "proposals": ("Voorstellen", "Proposals"),
    "propose": ("Voorstel indienen", "Submit proposal"),
    "approve": ("Goedkeuren", "Approve"),
    "reject": ("Afwijzen", "Reject"),
    "revert": ("Terugdraaien", "Revert"),
    "comment": ("Toelichting", "Comment"),
    "review_comment": ("Commentaar bij de beoordeling", "Review comment"),
    "cite_source": ("Bron (verplicht)", "Source (required)"),
    "source_existing": ("Bestaande bron", "Existing source"),
    "source_new": ("of een nieuwe bron", "or a new source"),
    "url": ("URL", "URL"),
    "no_open_proposals": ("Geen openstaande voorstellen.", "No open proposals."),
    "proposed_by": ("voorgesteld door", "proposed by"),
    "approved_by": ("goedgekeurd door", "approved by"),
    "reviewed_by": ("beoordeeld door", "reviewed by"),
    "new_sources": ("Nieuwe bronnen", "New sources"),
    "fix_errors": ("Het voorstel is niet opgeslagen; verbeter de velden hieronder.",
                   "The proposal was not saved; correct the fields below."),
    "conflict": ("Conflict", "Conflict"),
    "no_history": ("Nog geen wijzigingen.", "No changes yet."),
    "lines_hint": ("één per regel", "one per line"),
    "comma_hint": ("gescheiden door komma's", "separated by commas"),
    "logged_in_as": ("Ingelogd als", "Logged in as"),
    "aliases": ("Andere namen", "Other names"),
    # the corridor over time (web/views/timeline.py)
    "timeline": ("Tijdlijn", "Timeline"),
    "dissolved": ("Opgeheven", "Dissolved"),
    "tl_intro": ("Per periode: nieuwe verbanden binnen elke regio en over de corridor heen, nieuwe organisaties "
                 "per laag en regio, beëindigde verbanden. Alleen feiten met een datum tellen mee.",
                 "Per period: new ties within each region and across the corridor, new organisations per layer "
                 "and region, ties that ended. Only dated facts are counted."),
    "tl_undated": ("Zonder datum (in geen periode geteld): {relations} verbanden en {actors} organisaties.",
                   "Without a date (counted in no period): {relations} ties and {actors} organisations."),
    "tl_across": ("Nieuwe verbanden over de corridor, naar soort", "New ties across the corridor, by type"),
    "tl_new_orgs": ("Nieuwe organisaties per laag", "New organisations per layer"),
    "tl_series": ("Indicatoren door de tijd", "Indicators over time"),
    "tl_no_series": ("Geen indicator heeft twee of meer gedateerde waarden.",
                     "No indicator has two or more dated values."),
    "tl_count": ("Aantal", "Count"),
    "tl_measure": ("Maat", "Measure"),
    "tl_by": ("Per", "By"),
    "tl_year": ("jaar", "year"),
    "tl_quarter": ("kwartaal", "quarter"),
    "changes": ("Wat veranderde", "What changed"),
    "ch_title": ("Wat veranderde sinds {since}", "What changed since {since}"),
    "ch_intro": ("De kerncijfers zoals ze op {since} stonden, naast die van nu, en de gedateerde feiten sindsdien. "
                 "Feiten zonder datum tellen aan beide kanten mee.",
                 "The headline figures as they stood on {since} next to those of now, and the dated facts since. "
                 "Facts without a date count on both sides."),
    "ch_since": ("Sinds", "Since"),
    "ch_figures": ("Kerncijfers", "Headline figures"),
    "ch_counts": ("Organisaties per laag en regio", "Organisations per layer and region"),
    "ch_lq": ("Locatiequotiënten die 1 passeerden (95%-interval)", "Location quotients that crossed 1 (95% interval)"),
    "ch_ties": ("Verbanden binnen en over de corridor", "Ties within and across the corridor"),
    "ch_brokers": ("Makelaars in of uit de top 10", "Brokers into or out of the top 10"),
    "ch_synergies": ("Synergieën waarvan het bewijs groeide of kromp", "Synergies whose evidence grew or shrank"),
    "ch_facts": ("Gedateerde feiten sindsdien", "Dated facts since"),
    "ch_old": ("Toen", "Then"),
    "ch_new": ("Nu", "Now"),
    "ch_change": ("Verschil", "Change"),
    "ch_none": ("Geen verandering.", "No change."),
    "ch_no_graph": ("Makelaars en synergiebewijs worden boven {n} organisaties niet berekend.",
                    "Brokers and synergy evidence are not computed above {n} organisations."),
}

REPORT: dict[str, tuple[str, str]] = {
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
    "cap_discovered": ("Kandidaten uit de data: sets van 2–4 lagen, de beste van elk thema (domein) eerst, met "
                       "score en bootstrap-95%-interval; laatste kolom: de overeenkomende synergie uit de dataset.",
                       "Candidates found in the data: sets of 2–4 layers, the best of every theme (domain) first, "
                       "with score and bootstrap 95% interval; last column: the matching curated synergy."),
    "cap_match": ("Voor elke synergie uit de dataset de gevonden kandidaat die haar terugvindt: Jaccard-index van "
                  "de lagen ≥ 0,5, het domein van de synergie waar die er een heeft, een van haar gemeenten, en elke "
                  "kandidaat voor hoogstens één synergie (optimale toewijzing); laatste kolom: de Jaccard-index.",
                  "For every curated synergy the discovered candidate that recovers it: layer Jaccard index ≥ 0.5, "
                  "the synergy's domain where it has one, one of its municipalities, and each candidate for at "
                  "most one synergy (optimal assignment); last column: the Jaccard index."),
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


#: The yearly monitor (report/monitor.py: ``report --monitor --since DATE``).
MONITOR: dict[str, tuple[str, str]] = {
    "title": ("Monitor van de corridor sinds {since}", "Monitor of the corridor since {since}"),
    "intro": ("Wat veranderde tussen {since} en nu, per hoofdstuk van het rapport. 'Toen' is de dataset zoals die "
              "op {since} stond: feiten zonder datum tellen aan beide kanten mee.",
              "What changed between {since} and now, per chapter of the report. 'Then' is the dataset as it "
              "stood on {since}: facts without a date count on both sides."),
    "h3": ("Posities (H.3)", "Positions (H.3)"),
    "h4": ("Integratie (H.4)", "Integration (H.4)"),
    "h5": ("Synergieën (H.5)", "Synergies (H.5)"),
    "h6": ("Aanbevelingen (H.6)", "Recommendations (H.6)"),
    "place": ("Plaats", "Place"), "layer": ("Laag", "Layer"), "then": ("Toen", "Then"), "now": ("Nu", "Now"),
    "change": ("Verschil", "Change"), "measure": ("Maat", "Measure"),
    "counts_cap": ("Organisaties per laag en regio die veranderden", "Organisations per layer and region that changed"),
    "lq_cap": ("Locatiequotiënten die 1 passeerden (95%-interval)", "Location quotients that crossed 1 (95% interval)"),
    "no_change": ("Geen verandering.", "No change."),
    "orgs_chart": ("Nieuwe organisaties per laag per jaar", "New organisations per layer per year"),
    "ties_chart": ("Nieuwe verbanden over de corridor per jaar, naar soort", "New ties across the corridor per year, by type"),
    "count": ("Aantal", "Count"),
    "external": ("verbanden over de corridor", "ties across the corridor"),
    "internal": ("verbanden binnen de regio's", "ties within the regions"),
    "ei_index": ("E-I-index", "E-I index"),
    "syn_new": ("{name}: {n} nieuwe organisaties en {t} nieuwe verbanden over de corridor in het bewijs",
                "{name}: {n} new organisations and {t} new ties across the corridor in its evidence"),
    "syn_skip": ("Synergiebewijs wordt boven {n} organisaties niet berekend.",
                 "Synergy evidence is not computed above {n} organisations."),
    "rec_tags": ("Organisaties met {tags} in de corridor: {old} toen, {new} nu", "Organisations tagged {tags} in the "
                 "corridor: {old} then, {new} now"),
    "rec_new": ("nieuw: {names}", "new: {names}"),
    "rec_ties": ("Verbanden ({types}) over de corridor: {old} toen, {new} nu",
                 "Ties ({types}) across the corridor: {old} then, {new} now"),
    "rec_metric": ("{metric}: {points}", "{metric}: {points}"),
    "rec_none": ("Deze aanbeveling noemt nog niets om haar te volgen (track in recommendations.yaml).",
                 "This recommendation names nothing to track it yet (track in recommendations.yaml)."),
}

def translator(lang: str, table: Table = WEB, *, strict: bool = False) -> Callable[..., str]:
    """``t(key, **fmt)``: the text of ``key`` in ``lang`` from ``table`` (default: the web's), its ``{fields}``
    filled from ``fmt``. An unknown key gives the key itself, or a KeyError when ``strict``.

    >>> translator("en", REPORT, strict=True)("sec_method")
    'Method'
    """
    i = 0 if lang == "nl" else 1

    def t(key: str, **fmt: Any) -> str:
        pair = table[key] if strict else table.get(key)
        text = key if pair is None else pair[i]
        return text.format(**fmt) if fmt else text

    return t


def name(record: Mapping[str, Any] | None, lang: str, field: str = "name", *, default: str | None = None) -> str:
    """The ``{field}_{lang}`` of a record, falling back on the other language and on ``field`` itself; then on
    ``default`` when given, else on the record's id.

    >>> rec = {"id": "ai", "name_nl": "AI-modellen", "name_en": "AI models"}
    >>> name(rec, "nl"), name(rec, "en"), name({"id": "x", "name_nl": "X"}, "en"), name({"id": "x"}, "en")
    ('AI-modellen', 'AI models', 'X', 'x')
    >>> name({"id": "x"}, "en", "note", default=""), name(None, "nl")
    ('', '')
    """
    if not record:
        return default or ""
    other = "en" if lang == "nl" else "nl"
    keys = (f"{field}_{lang}", f"{field}_{other}", field) + (("id",) if default is None else ())
    for key in keys:
        v = record.get(key)
        if v:
            return str(v)
    return default or ""


class Words:
    """The briefing's words and numbers in one language: ``w("key", **fmt)`` (a :data:`REPORT` text; an
    unknown key is a KeyError), ``w.name(record)``, ``w.num(1.5)``, ``w.join([...])``."""

    def __init__(self, lang: str, table: Table = REPORT) -> None:
        if lang not in LANGS:
            raise ValueError(f"language must be one of {', '.join(LANGS)}, not {lang!r}")
        self.lang = lang
        self._t = translator(lang, table, strict=True)

    def __call__(self, key: str, **fmt: Any) -> str:
        return self._t(key, **fmt)

    def pick(self, nl: str, en: str) -> str:
        return nl if self.lang == "nl" else en

    def name(self, record: Mapping[str, Any] | None, field: str = "name", default: str = "") -> str:
        """``{field}_{lang}``, else the other language, else ``field``, else ``default``."""
        return name(record, self.lang, field, default=default)

    # -- numbers (see :mod:`.formats`) ----------------------------------------------------------------
    def num(self, v: Any, digits: int = 2) -> str:
        return formats.number(v, lang=self.lang, digits=digits)

    def count(self, v: Any) -> str:
        return formats.count(v, lang=self.lang)

    def pct(self, v: Any, digits: int = 0) -> str:
        return formats.percent(v, lang=self.lang, digits=digits)

    def interval(self, lo: Any, hi: Any, digits: int = 2) -> str:
        return formats.interval(lo, hi, lang=self.lang, digits=digits)

    def value(self, v: Any, unit: str | None = None) -> str:
        return formats.indicator_value(v, lang=self.lang, unit=unit)

    def join(self, items: Sequence[str]) -> str:
        return formats.join(items, lang=self.lang)

    def plural(self, n: int, one: str, many: str) -> str:
        return one if n == 1 else many
