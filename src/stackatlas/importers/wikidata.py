"""Import the organisations of a municipality from Wikidata.

1. SPARQL finds the municipality's item (by its CBS code, P382, unless a Wikidata id is given) and the
   items located in it (P159 head office or P131 located in, transitively) that are organisations.
2. ``wbgetentities`` fetches those items in batches of 50 (and then the items they refer to: countries for
   their ISO code, locations, industries, reference works).
3. Each item becomes an actor: name and aliases from the labels, kind from P31, head office from P159 /
   P131 / P625, layers and domains from the industry (P452) labels, founded from P571, website from P856,
   LEI (P1278) as a tag, control country from P17; P127 (owned by), P749 (parent organisation) and P355
   (subsidiary) become ownership relations between imported actors (or actors of the target dataset with
   that Wikidata id), P1128 (employees) an indicator.

Statements are read as Wikidata means them: a preferred statement hides the normal ones, deprecated ones
are skipped; an end time (P582) qualifier makes a relation ``ended``, a start time (P580) dates it, a
point in time (P585) dates a number of employees. Each statement's references (stated in, P248;
reference URL, P854) become sources of the facts taken from it, next to the Wikidata item itself.

HTTP goes through :class:`WikidataClient`: a descriptive User-Agent, retries with exponential backoff,
``429``/``503`` answered by waiting ``Retry-After``, and an on-disk cache of every response (so a rerun is
offline and gives the same files). Tests inject an ``httpx.MockTransport``.
"""

from __future__ import annotations

import email.utils
import hashlib
import json
import math
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from .._version import __version__
from ..dataset.loader import bundled_path
from ..errors import StackAtlasError
from .mapping import Categories, CategoryRule, parse_layer_item
from .normalise import fold, norm_url, slugify
from .places import PlaceIndex, read_places
from .records import dump_yaml, read_kind, write_atomic
from .tabular import _read_added, _write_added, lei_ok, load_taxonomy
from .target import ISO_SOURCE, import_date, prepare, read_sources, upsert_sources

__all__ = ["INDUSTRIES", "KINDS", "SPARQL_URL", "USER_AGENT", "WikidataClient", "WikidataResult",
           "import_wikidata"]

SPARQL_URL = "https://query.wikidata.org/sparql"
API_URL = "https://www.wikidata.org/w/api.php"
USER_AGENT = (f"stackatlas/{__version__} (Digital Stack atlas importer; "
              "https://github.com/stackatlas/stackatlas) python-httpx")
BATCH = 50

#: P31 classes -> actor kinds (the first class found decides; unknown classes give --kind or company).
KINDS = {
    "Q4830453": "company", "Q783794": "company", "Q891723": "company", "Q6881511": "company",
    "Q3918": "university", "Q875538": "university", "Q902104": "university",
    "Q31855": "research-institute", "Q1664720": "research-institute",
    "Q163740": "ngo", "Q157031": "ngo", "Q327333": "government", "Q3914": "school",
    "Q33506": "cultural-institution", "Q7075": "cultural-institution",
}

#: Industry (P452) labels -> layers and domains; a mapping file's ``categories`` may extend this.
INDUSTRIES: dict[str, CategoryRule] = {fold(k): CategoryRule.model_validate(v) for k, v in {
    "semiconductor industry": {"layers": ["chips/manufacturing"]},
    "semiconductor device fabrication": {"layers": ["chips/manufacturing"]},
    "integrated circuit design": {"layers": ["chips/design"]},
    "photonics": {"layers": ["chips/photonics"]},
    "software industry": {"layers": ["applications/enterprise-software"]},
    "software": {"layers": ["applications/enterprise-software"]},
    "information technology": {"layers": ["applications:secondary"]},
    "computer hardware": {"layers": ["devices"]},
    "electronics": {"layers": ["devices/consumer-electronics"]},
    "electronics industry": {"layers": ["devices/consumer-electronics"]},
    "consumer electronics": {"layers": ["devices/consumer-electronics"]},
    "telecommunications": {"layers": ["networks/telecom"], "domains": ["telecom"]},
    "telecommunications industry": {"layers": ["networks/telecom"], "domains": ["telecom"]},
    "cloud computing": {"layers": ["cloud/cloud-services"]},
    "data center": {"layers": ["cloud/colocation"]},
    "artificial intelligence": {"layers": ["ai/applied-ai"]},
    "financial services": {"layers": ["applications/fintech:secondary"], "domains": ["finance"]},
    "financial technology": {"layers": ["applications/fintech"], "domains": ["finance"]},
    "e-commerce": {"layers": ["applications/e-commerce"], "domains": ["retail-food"]},
    "video game industry": {"layers": ["applications/media-content"], "domains": ["gaming"]},
    "mass media": {"layers": ["applications/media-content"], "domains": ["media"]},
    "health care": {"domains": ["health"]},
    "medical technology": {"layers": ["devices/medical"], "domains": ["health"]},
    "automotive industry": {"domains": ["mobility-logistics"]},
    "energy industry": {"domains": ["energy"]},
    "higher education": {"domains": ["education"]},
    "research": {"domains": ["science"]},
}.items()}


class WikidataError(StackAtlasError):
    code = "wikidata_error"
    status = 502


def _cache_dir(cache: Path | None) -> Path:
    if cache is not None:
        return cache
    env = os.environ.get("STACKATLAS_CACHE")
    if env:
        return Path(env) / "wikidata"
    import platformdirs

    return Path(platformdirs.user_cache_dir("stackatlas")) / "wikidata"


def _retry_after(value: str | None, default: float) -> float:
    """Seconds to wait from a Retry-After header (seconds or an HTTP date)."""
    if not value:
        return default
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return default
    return max(0.0, when.timestamp() - time.time())


class WikidataClient:
    """GET requests to the Wikidata API and query service with retries, backoff and an on-disk cache."""

    def __init__(self, *, transport: httpx.BaseTransport | None = None, cache: Path | None = None,
                 user_agent: str = USER_AGENT, max_retries: int = 5, backoff: float = 1.0,
                 sleep: Callable[[float], None] = time.sleep, timeout: float = 60.0) -> None:
        self.http = httpx.Client(transport=transport, headers={"User-Agent": user_agent,
                                                               "Accept": "application/json"}, timeout=timeout)
        self.cache = _cache_dir(cache)
        self.max_retries = max_retries
        self.backoff = backoff
        self.sleep = sleep
        self.requests = 0
        self.cached = 0

    def close(self) -> None:
        self.http.close()

    def get(self, url: str, params: dict[str, str]) -> Any:
        key = hashlib.sha256(json.dumps([url, sorted(params.items())]).encode()).hexdigest()
        path = self.cache / key[:2] / f"{key}.json"
        if path.is_file():
            self.cached += 1
            self.requests += 1
            return json.loads(path.read_text(encoding="utf-8"))
        delay = self.backoff
        for attempt in range(self.max_retries + 1):
            self.requests += 1
            try:
                resp = self.http.get(url, params=params)
            except httpx.TransportError as exc:
                if attempt == self.max_retries:
                    raise WikidataError(f"cannot reach {url}: {exc}") from None
                self.sleep(delay)
                delay *= 2
                continue
            if resp.status_code in (429, 503) or resp.status_code >= 500:
                if attempt == self.max_retries:
                    raise WikidataError(f"{url} answered {resp.status_code} {attempt + 1} times; try later")
                wait = _retry_after(resp.headers.get("Retry-After"), delay)
                self.sleep(wait)
                delay *= 2
                continue
            if resp.status_code != 200:
                raise WikidataError(f"{url} answered {resp.status_code}: {resp.text[:200]}")
            data = resp.json()
            path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(path, json.dumps(data, sort_keys=True))
            return data
        raise WikidataError(f"{url}: no answer")  # pragma: no cover

    def sparql(self, query: str) -> list[dict[str, Any]]:
        data = self.get(SPARQL_URL, {"query": query, "format": "json"})
        return [{k: v.get("value") for k, v in b.items()} for b in data.get("results", {}).get("bindings", [])]

    def entities(self, ids: Iterable[str], props: str = "labels|aliases|claims") -> dict[str, Any]:
        out: dict[str, Any] = {}
        todo = sorted(set(ids), key=lambda q: (len(q), q))
        for i in range(0, len(todo), BATCH):
            chunk = todo[i:i + BATCH]
            data = self.get(API_URL, {"action": "wbgetentities", "ids": "|".join(chunk), "props": props,
                                      "languages": "nl|en", "format": "json"})
            if "error" in data:
                raise WikidataError(f"wbgetentities: {data['error'].get('info', data['error'])}")
            for qid, ent in (data.get("entities") or {}).items():
                if "missing" not in ent:
                    out[qid] = ent
        return out


# --- statements ----------------------------------------------------------------------------------------


def _claims(ent: dict[str, Any], pid: str) -> list[dict[str, Any]]:
    """The statements of a property that count: preferred ones if any, else normal; never deprecated."""
    claims = [c for c in (ent.get("claims") or {}).get(pid, []) if c.get("rank") != "deprecated"]
    preferred = [c for c in claims if c.get("rank") == "preferred"]
    return preferred or claims


def _value(claim: dict[str, Any]) -> Any:
    snak = claim.get("mainsnak") or {}
    if snak.get("snaktype") != "value":
        return None
    return (snak.get("datavalue") or {}).get("value")


def _item(v: Any) -> str | None:
    return v.get("id") if isinstance(v, dict) and isinstance(v.get("id"), str) else None


def _time(v: Any) -> str | None:
    """A Wikidata time value as YYYY, YYYY-MM or YYYY-MM-DD, as precise as its precision says."""
    if not isinstance(v, dict) or "time" not in v:
        return None
    t = str(v["time"]).lstrip("+")
    if t.startswith("-"):
        return None
    y, m, d = t[:4], t[5:7], t[8:10]
    prec = int(v.get("precision", 9))
    if prec >= 11 and d != "00":
        return f"{y}-{m}-{d}"
    if prec >= 10 and m != "00":
        return f"{y}-{m}"
    return y if prec >= 9 else None


def _qualifier(claim: dict[str, Any], pid: str) -> Any:
    for q in (claim.get("qualifiers") or {}).get(pid, []):
        if q.get("snaktype") == "value":
            return (q.get("datavalue") or {}).get("value")
    return None


def _label(ent: dict[str, Any] | None, langs: tuple[str, ...] = ("en", "nl")) -> str | None:
    if not ent:
        return None
    labels = ent.get("labels") or {}
    for lang in langs:
        if lang in labels:
            return str(labels[lang]["value"])
    return None


@dataclass
class WikidataResult:
    place: str
    qid: str
    items: int = 0
    actors: int = 0
    relations: int = 0
    indicators: int = 0
    skipped: int = 0
    requests: int = 0
    cached: int = 0
    outputs: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


class _Sources:
    """Source records for Wikidata and the references of its statements."""

    def __init__(self, date: str) -> None:
        self.date = date
        self.records: dict[str, dict[str, Any]] = {
            "wikidata": {"id": "wikidata", "title": "Wikidata", "publisher": "Wikimedia Foundation",
                         "date": date, "url": "https://www.wikidata.org", "type": "dataset", "licence": "CC0-1.0",
                         "note": "items and statements read with `stackatlas import wikidata`"}}
        self.stated_in: set[str] = set()

    def refs(self, claim: dict[str, Any], locator: str) -> list[dict[str, str]]:
        out = []
        for ref in claim.get("references") or []:
            snaks = ref.get("snaks") or {}
            for s in snaks.get("P248", []):
                q = _item((s.get("datavalue") or {}).get("value"))
                if q:
                    sid = f"wikidata-ref-{q.lower()}"
                    self.stated_in.add(q)
                    self.records.setdefault(sid, {"id": sid, "title": f"Wikidata item {q}", "date": None,
                                                  "url": f"https://www.wikidata.org/wiki/{q}", "type": "other",
                                                  "note": "a work a Wikidata statement cites (stated in, P248)"})
                    out.append({"source": sid, "locator": locator, "confidence": "medium"})
            for s in snaks.get("P854", []):
                url = (s.get("datavalue") or {}).get("value")
                if isinstance(url, str) and url.startswith(("http://", "https://")) and " " not in url:
                    sid = "web-" + hashlib.sha256(url.encode()).hexdigest()[:12]
                    self.records.setdefault(sid, {"id": sid, "title": url[:200], "url": url, "type": "web",
                                                  "note": "reference URL (P854) of a Wikidata statement"})
                    out.append({"source": sid, "locator": locator, "confidence": "medium"})
        return out

    def name_stated_in(self, entities: dict[str, Any]) -> None:
        for q in self.stated_in:
            label = _label(entities.get(q))
            if label:
                self.records[f"wikidata-ref-{q.lower()}"]["title"] = label


def _base(into: Path, places: Path | None) -> Path:
    if (into / "dataset.yaml").is_file():
        return places or into
    return places or bundled_path()


def _nearest(munis: list[dict[str, Any]], lat: float, lon: float, km: float = 5.0) -> str | None:
    best, best_d = None, km
    for mu in munis:
        if "lat" not in mu or "lon" not in mu:
            continue
        dlat = math.radians(mu["lat"] - lat)
        dlon = math.radians(mu["lon"] - lon) * math.cos(math.radians(lat))
        d = 6371.0 * math.hypot(dlat, dlon)
        if d < best_d:
            best, best_d = mu["id"], d
    return best


# --- the import, step by step ----------------------------------------------------------------------------

#: Who holds whom in an ownership statement ("in": the other item owns this one), and the role it gives.
_OWNERSHIP = (("P127", "in", "owner"), ("P749", "in", "parent organisation"), ("P355", "out", "parent organisation"))

_Cite = Callable[[dict[str, Any], str], None]


@dataclass
class _Options:
    """The caller's choices, checked: actor kind (None: from P31), default layer, industry rules, taxonomy layers."""

    kind: str | None
    default_layer: str
    rules: dict[str, CategoryRule]
    layers_ok: dict[str, set[str]]


def _check_options(kind: str | None, default_layer: str, categories: Categories | None,
                   date: str | None) -> _Options:
    """Check the date, the actor kind and the default layer before anything is fetched or written; merge the
    mapping's categories into :data:`INDUSTRIES`."""
    if date:
        import_date(date)
    taxonomy = load_taxonomy()
    kinds = {k.id for k in taxonomy.actor_kinds}
    if kind is not None and kind not in kinds:
        raise WikidataError(f"unknown actor kind {kind!r} (kinds: {', '.join(sorted(kinds))})")
    parse_layer_item(default_layer)
    rules = dict(INDUSTRIES)
    if categories is not None:
        rules.update(categories.folded())
    return _Options(kind, default_layer, rules, {lay.id: {s.id for s in lay.sublayers} for lay in taxonomy.layers})


class _Places:
    """The municipalities and countries of the base dataset, found from what Wikidata says of a place."""

    def __init__(self, base: Path) -> None:
        pdata = read_places(base)
        self.munis = {m["id"]: m for m in pdata["municipalities"]}
        self.by_cbs = {m["cbs"]: m["id"] for m in pdata["municipalities"] if m.get("cbs")}
        self.by_name = {fold(str(v)): m["id"] for m in pdata["municipalities"]
                        for v in (m.get("name") or {}).values()}
        self.iso_ids = {c["code"]: c["id"] for c in pdata["countries"]}

    def municipality(self, ent: dict[str, Any] | None) -> str | None:
        """The municipality an item is: by its CBS code (P382, with or without ``GM``), else by its Dutch or
        English label."""
        if not ent:
            return None
        for c in _claims(ent, "P382"):
            v = _value(c)
            if isinstance(v, str):
                code = v if v.startswith("GM") else f"GM{v.zfill(4)}"
                if code in self.by_cbs:
                    return self.by_cbs[code]
        lbl = _label(ent, ("nl", "en"))
        return self.by_name.get(fold(lbl)) if lbl else None

    def nearest(self, v: Any) -> str | None:
        """The municipality within 5 km of a coordinate value (P625), if any."""
        if not isinstance(v, dict) or "latitude" not in v:
            return None
        return _nearest(list(self.munis.values()), float(v["latitude"]), float(v["longitude"]))


def _find_place(place: str, where: _Places, base: Path, client: WikidataClient,
                say: Callable[[str], None]) -> tuple[str, str | None]:
    """The Wikidata item of ``place`` and its municipality id: a Wikidata id is taken as it is (no
    municipality); a municipality id is looked up by its CBS code (P382)."""
    if place.startswith("Q") and place[1:].isdigit():
        return place, None
    if place not in where.munis:
        raise WikidataError(f"{place!r} is not a municipality of {base} (give its id, e.g. eindhoven, "
                            "or a Wikidata id)")
    cbs = where.munis[place].get("cbs")
    if not cbs:
        raise WikidataError(f"{place!r} has no CBS code; give its Wikidata id instead")
    say(f"finding the Wikidata item of {place} ({cbs})")
    found = client.sparql(f'SELECT ?m WHERE {{ VALUES ?code {{ "{cbs}" "{cbs[2:]}" }} ?m wdt:P382 ?code . }}')
    ids = sorted({r["m"].rsplit("/", 1)[-1] for r in found if r.get("m")})
    if not ids:
        raise WikidataError(f"no Wikidata item has CBS code {cbs}")
    return ids[0], place


def _fetch(client: WikidataClient, qid: str, limit: int,
           say: Callable[[str], None]) -> tuple[list[str], dict[str, Any], dict[str, Any]]:
    """The organisations located in ``qid`` (their ids by number), their items, and those items together with
    the items they refer to: countries (ISO code), locations (CBS code), industries (labels)."""
    say(f"finding organisations located in {qid}")
    rows = client.sparql(
        "SELECT DISTINCT ?item WHERE { { ?item wdt:P159 ?loc . } UNION { ?item wdt:P131 ?loc . } "
        f"?loc wdt:P131* wd:{qid} . ?item wdt:P31/wdt:P279* wd:Q43229 . }} ORDER BY ?item LIMIT {int(limit)}")
    qids = sorted({r["item"].rsplit("/", 1)[-1] for r in rows if r.get("item")}, key=lambda q: int(q[1:]))
    say(f"fetching {len(qids)} items")
    ents = client.entities(qids)
    refs: set[str] = set()
    for ent in ents.values():
        for pid in ("P17", "P131", "P159", "P452"):
            refs |= {q for c in _claims(ent, pid) if (q := _item(_value(c)))}
    refd = client.entities(sorted(refs - set(ents)))
    return qids, ents, {**refd, **ents}


def _dated_sources(into: Path, date: str | None) -> _Sources:
    """The source records of this import, dated ``date``, else the date of the previous import into ``into``
    (so that a rerun writes the same files), else today."""
    today = import_date(date)
    prior = {s.get("id"): s for s in read_sources(into)}
    if not date and prior.get("wikidata", {}).get("date"):
        today = str(prior["wikidata"]["date"])
    return _Sources(today)


def _existing(into: Path, own: str) -> tuple[dict[str, str], set[str]]:
    """The actors of ``into`` outside this import's own file ``own``: Wikidata id -> actor id, and all ids."""
    existing_wd: dict[str, str] = {}
    existing_ids: set[str] = set()
    for f in read_kind(into, "actors"):
        if f.path.name == own:
            continue
        for r in f.records:
            existing_ids.add(str(r.get("id")))
            if r.get("wikidata"):
                existing_wd[r["wikidata"]] = r["id"]
    return existing_wd, existing_ids


def _new_id(name: str, q: str, taken: set[str]) -> str:
    """A free id from the name (``slug``, ``slug-2``, ...; the item id if the name gives none); marked taken."""
    ident = slugify(name) or q.lower()
    k = 2
    base_id = ident
    while ident in taken:
        ident = f"{base_id}-{k}"
        k += 1
    taken.add(ident)
    return ident


def _aliases(ent: dict[str, Any], name: str) -> list[str]:
    """The item's labels in every language and its English and Dutch aliases, once each, without ``name``."""
    labels = [str(v["value"]) for v in (ent.get("labels") or {}).values()]
    aliases = [str(a["value"]) for lang in ("en", "nl") for a in (ent.get("aliases") or {}).get(lang, [])]
    return list(dict.fromkeys(x for x in [*labels, *aliases] if x != name))


def _layer_entry(lay: str, sub: str | None, role: str) -> dict[str, Any]:
    """A layer entry of an actor record (sublayer and a non-core role only when given)."""
    return {"layer": lay, **({"sublayer": sub} if sub else {}), **({"role": role} if role != "core" else {})}


def _first(ent: dict[str, Any], pid: str, read: Callable[[Any], Any], cite: _Cite) -> Any:
    """The first statement of ``pid`` whose value ``read`` turns into something: that result (the statement is
    cited), or None."""
    for c in _claims(ent, pid):
        found = read(_value(c))
        if found:
            cite(c, pid)
            return found
    return None


def _url(v: Any) -> str | None:
    """A website value (P856) normalised, or None when it is not a usable URL."""
    try:
        return norm_url(v) if isinstance(v, str) else None
    except ValueError:
        return None


def _lei(v: Any) -> str | None:
    """The ``lei-...`` tag of an LEI value (P1278) whose check digits are right, else None."""
    if isinstance(v, str) and len(v) == 20 and v.isalnum() and lei_ok(v.upper()):
        return f"lei-{v.lower()}"
    return None


class _Items:
    """Turns the fetched items into actor, relation and indicator records; holds what the steps share."""

    def __init__(self, *, opts: _Options, where: _Places, muni: str | None, ents: dict[str, Any],
                 all_ents: dict[str, Any], srcs: _Sources, res: WikidataResult, existing_wd: dict[str, str],
                 taken: set[str]) -> None:
        self.opts, self.where, self.muni, self.srcs, self.res = opts, where, muni, srcs, res
        self.ents, self.all_ents = ents, all_ents
        self.existing_wd, self.taken = existing_wd, taken
        self.id_of: dict[str, str] = {}               # item -> actor id (imported or already in the dataset)
        self.added_countries: dict[str, str] = {}     # ISO code -> country id, for countries places lack
        self.rel_ids: set[str] = set()
        self.parents: dict[str, str] = {}

    # ---- actors -----------------------------------------------------------------------------------------

    def actors(self, qids: list[str]) -> list[dict[str, Any]]:
        """The actor records of the items, in item order (skipped items counted in the result)."""
        out = []
        for q in qids:
            rec = self.actor(q)
            if rec is not None:
                out.append(rec)
        return out

    def actor(self, q: str) -> dict[str, Any] | None:
        """The actor record of item ``q``; None when it is skipped: not fetched, without an English or Dutch
        label, already in the dataset (then linked), or in no municipality of the base dataset."""
        ent = self.ents.get(q)
        if not ent:
            self.res.skipped += 1
            return None
        name = _label(ent)
        if not name:
            self.res.skipped += 1
            self.res.notes.append(f"{q}: no English or Dutch label")
            return None
        if q in self.existing_wd:  # already in the dataset (e.g. curated): not imported again
            self.id_of[q] = self.existing_wd[q]
            self.res.skipped += 1
            return None
        ident = _new_id(name, q, self.taken)
        self.id_of[q] = ident
        sources = [{"source": "wikidata", "locator": q, "confidence": "medium"}]
        cite = self._citer(q, sources)
        rec: dict[str, Any] = {"id": ident, "name": name}
        aliases = _aliases(ent, name)
        if aliases:
            rec["aliases"] = aliases
        rec["kind"] = self.kind_of(ent)
        rec["hq"] = self.head_office(ent, cite) or self.muni or None
        if rec["hq"] is None:
            self.res.skipped += 1
            self.res.notes.append(f"{q}: no municipality of the base dataset")
            return None
        if self.muni and rec["hq"] != self.muni:
            rec["sites"] = [{"place": self.muni}]
        rec["layers"], domains = self.stack(ent, cite)
        if domains:
            rec["domains"] = domains
        self.facts(rec, q, ent, cite)
        rec["sources"] = sources
        return rec

    def _citer(self, q: str, sources: list[dict[str, Any]]) -> _Cite:
        """A function adding the references of a statement of ``q`` to ``sources`` (each once)."""

        def cite(claim: dict[str, Any], pid: str) -> None:
            for s in self.srcs.refs(claim, f"{q} {pid}"):
                if s not in sources:
                    sources.append(s)

        return cite

    def kind_of(self, ent: dict[str, Any]) -> str:
        """The actor kind: the one asked for, else from the first known P31 class, else ``company``."""
        if self.opts.kind is not None:
            return self.opts.kind
        for c in _claims(ent, "P31"):
            cls = _item(_value(c))
            if cls in KINDS:
                return KINDS[cls]
        return "company"

    def head_office(self, ent: dict[str, Any], cite: _Cite) -> str | None:
        """The head office: the municipality of P159, else of P131, else the one nearest to P625."""
        for pid in ("P159", "P131"):
            hq = _first(ent, pid, lambda v: self.where.municipality(self.all_ents.get(_item(v) or "")), cite)
            if hq:
                return str(hq)
        hq = _first(ent, "P625", self.where.nearest, cite)
        return str(hq) if hq else None

    def stack(self, ent: dict[str, Any], cite: _Cite) -> tuple[list[dict[str, Any]], list[str]]:
        """Layers and domains from the labels of the industries (P452) by the rules; the default layer when
        no industry gives one."""
        layers: list[dict[str, Any]] = []
        domains: list[str] = []
        for c in _claims(ent, "P452"):
            label = _label(self.all_ents.get(_item(_value(c)) or ""))
            rule = self.opts.rules.get(fold(label)) if label else None
            if rule is None or rule.ignore:
                continue
            cite(c, "P452")
            for item in rule.layers:
                lay, sub, role = parse_layer_item(item)
                if lay in self.opts.layers_ok and not any(x["layer"] == lay and x.get("sublayer") == sub
                                                          for x in layers):
                    layers.append(_layer_entry(lay, sub, role))
            domains += [d for d in rule.domains if d not in domains]
        if not layers:
            layers = [_layer_entry(*parse_layer_item(self.opts.default_layer))]
        return layers, domains

    def iso_of(self, q: str | None) -> str | None:
        """The ISO 3166-1 alpha-2 code (P297) of the country item ``q``."""
        for c in _claims(self.all_ents.get(q or "") or {}, "P297"):
            v = _value(c)
            if isinstance(v, str) and len(v) == 2:
                return v.upper()
        return None

    def facts(self, rec: dict[str, Any], q: str, ent: dict[str, Any], cite: _Cite) -> None:
        """Add control country (P17), founding date (P571), website (P856), the Wikidata id and LEI tags
        (P1278) to ``rec``; a control country the places lack is noted for ``places/``."""
        iso = _first(ent, "P17", lambda v: self.iso_of(_item(v)), cite)
        if iso:
            rec["control_country"] = iso
            if iso not in self.where.iso_ids:
                self.added_countries[iso] = iso.lower()
        founded = _first(ent, "P571", _time, cite)
        if founded:
            rec["founded"] = founded
        website = _first(ent, "P856", _url, cite)
        if website:
            rec["website"] = website
        rec["wikidata"] = q
        tags = []
        for c in _claims(ent, "P1278"):
            tag = _lei(_value(c))
            if tag:
                tags.append(tag)
                cite(c, "P1278")
        if tags:
            rec["tags"] = tags

    # ---- relations and indicators -----------------------------------------------------------------------

    def ties(self, qids: list[str], actors: list[dict[str, Any]]) -> tuple[list[dict[str, Any]],
                                                                          list[dict[str, Any]]]:
        """Ownership relations (P127, P749, P355) between known actors and employee counts (P1128) of the
        imported and linked items; a current parent organisation (P749) becomes the actor's ``parent``."""
        known = {**self.existing_wd, **self.id_of}
        relations: list[dict[str, Any]] = []
        indicators: list[dict[str, Any]] = []
        for q in qids:
            ent = self.ents.get(q)
            if not ent or q not in self.id_of:
                continue
            relations += self.ownerships(q, ent, known)
            ind = self.employees(q, ent)
            if ind is not None and all(x["id"] != ind["id"] for x in indicators):
                indicators.append(ind)
        for rec in actors:
            if rec["id"] in self.parents:
                rec["parent"] = self.parents[rec["id"]]
        return relations, indicators

    def ownerships(self, q: str, ent: dict[str, Any], known: dict[str, str]) -> list[dict[str, Any]]:
        """The ownership relations of item ``q`` with other known actors (unknown ones counted as skipped)."""
        me = self.id_of[q]
        out = []
        for pid, direction, role in _OWNERSHIP:
            for c in _claims(ent, pid):
                other = _item(_value(c))
                if other is None or other not in known:
                    self.res.skipped += 1
                    continue
                a, b = (known[other], me) if direction == "in" else (me, known[other])
                if a == b:
                    continue
                rel = self.ownership(q, pid, role, c, a, b)
                if rel is None:
                    continue
                out.append(rel)
                if pid == "P749" and rel.get("status") != "ended" and b == me:
                    self.parents.setdefault(me, a)
        return out

    def ownership(self, q: str, pid: str, role: str, c: dict[str, Any], a: str, b: str) -> dict[str, Any] | None:
        """The relation ``a`` owns ``b`` from statement ``c`` (dated by P580, ended by P582); None if made
        already."""
        ended = _qualifier(c, "P582") is not None
        start = _time(_qualifier(c, "P580"))
        rid = slugify(f"{a}-owns-{b}")
        if rid in self.rel_ids:
            return None
        self.rel_ids.add(rid)
        rel: dict[str, Any] = {"id": rid, "type": "ownership", "from": a, "to": b}
        if start:
            rel["date"] = start
        if ended:
            rel["status"] = "ended"
        rel["role"] = role
        rel["sources"] = [{"source": "wikidata", "locator": f"{q} {pid}", "confidence": "medium"},
                          *self.srcs.refs(c, f"{q} {pid}")]
        return rel

    def employees(self, q: str, ent: dict[str, Any]) -> dict[str, Any] | None:
        """The number of employees (P1128, its first quantity statement) as an indicator, dated by P585."""
        me = self.id_of[q]
        for c in _claims(ent, "P1128"):
            v = _value(c)
            if not isinstance(v, dict) or "amount" not in v:
                continue
            amount = float(str(v["amount"]).lstrip("+"))
            when = _time(_qualifier(c, "P585"))
            ind: dict[str, Any] = {"id": slugify(f"{me}-employees" + (f"-{when}" if when else "")),
                                   "subject": me, "metric": "employees",
                                   "label": {"en": "Employees", "nl": "Medewerkers"},
                                   "value": int(amount) if amount.is_integer() else amount, "unit": "people"}
            if when:
                ind["date"] = when
            ind["sources"] = [{"source": "wikidata", "locator": f"{q} P1128", "confidence": "medium"},
                              *self.srcs.refs(c, f"{q} P1128")]
            return ind
        return None


def _write_records(into: Path, place: str, stem: str, records: dict[str, list[dict[str, Any]]]) -> list[Path]:
    """Write ``KIND/STEM.yaml`` for each kind with records (removing one left by an earlier run otherwise);
    return the files written."""
    written = []
    for kind_dir, recs in records.items():
        path = into / kind_dir / f"{stem}.yaml"
        if recs:
            write_atomic(path, f"# Written by `stackatlas import wikidata --place {place}`.\n" + dump_yaml(recs))
            written.append(path)
        else:
            path.unlink(missing_ok=True)
    return written


def _write_sources(into: Path, srcs: _Sources, added_countries: dict[str, str]) -> None:
    """Add the countries the places lacked (``places/``, citing ISO 3166-1) and upsert the source records."""
    records = list(srcs.records.values())
    if added_countries:
        pidx = PlaceIndex()
        for r in _read_added(into):
            pidx.added[r["code"]] = r["id"]
        pidx.added.update({k: v for k, v in added_countries.items() if k not in pidx.added})
        _write_added(into, pidx)
        records.append(ISO_SOURCE)
    upsert_sources(into, [{k: v for k, v in r.items() if v is not None} for r in records])


def import_wikidata(place: str, into: Path, *, kind: str | None = None, places: Path | None = None,
                    cache: Path | None = None, limit: int = 5000, default_layer: str = "applications:secondary",
                    categories: Categories | None = None, date: str | None = None,
                    transport: httpx.BaseTransport | None = None, sleep: Callable[[float], None] = time.sleep,
                    log: Callable[[str], None] | None = None) -> WikidataResult:
    """Import the organisations located in ``place`` (a municipality id of the base dataset, or a Wikidata
    id) into the dataset folder ``into``."""
    into = Path(into)
    opts = _check_options(kind, default_layer, categories, date)
    base = _base(into, places)
    where = _Places(base)
    say = log or (lambda _m: None)

    client = WikidataClient(transport=transport, cache=cache, sleep=sleep)
    try:
        qid, muni = _find_place(place, where, base, client, say)
        res = WikidataResult(place=muni or qid, qid=qid)
        qids, ents, all_ents = _fetch(client, qid, limit, say)
        res.items = len(qids)
        srcs = _dated_sources(into, date)
        prepare(into, places, None)
        existing_wd, existing_ids = _existing(into, f"wikidata-{slugify(res.place)}.yaml")
        taken = {x["id"] for g in read_places(into).values() for x in g} | existing_ids
        items = _Items(opts=opts, where=where, muni=muni, ents=ents, all_ents=all_ents, srcs=srcs, res=res,
                       existing_wd=existing_wd, taken=taken)
        actors = items.actors(qids)
        relations, indicators = items.ties(qids, actors)
        res.actors, res.relations, res.indicators = len(actors), len(relations), len(indicators)
        if srcs.stated_in:
            srcs.name_stated_in(client.entities(sorted(srcs.stated_in), props="labels"))
        res.requests, res.cached = client.requests, client.cached
    finally:
        client.close()

    res.outputs += _write_records(into, place, f"wikidata-{slugify(res.place)}",
                                  {"actors": actors, "relations": relations, "indicators": indicators})
    _write_sources(into, srcs, items.added_countries)
    return res
