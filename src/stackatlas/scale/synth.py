"""A synthetic dataset of any size in the normal dataset format, for tests and benchmarks.

``synthesise(folder, actors=N, seed=S)`` writes a dataset folder that :func:`stackatlas.load_dataset`
reads like any other: ``dataset.yaml``, the bundled ``places.yaml`` (the 342 Dutch municipalities with
their coordinates, the regions MRA and Brainport, countries), the sources those places cite plus one
synthetic source, and the bulk tables ``actors/synthetic.csv``, ``relations/synthetic.csv`` and
``indicators/synthetic.csv`` (docs/dataset-format.md, "Large datasets: CSV tables").

What makes it look like a real regional economy:

* head offices follow a Zipf law over the Dutch municipalities (the large tech cities first), plus a
  share of foreign head offices given as a country;
* each actor is in 1–3 layers (Gumbel top-k sampling without replacement) with sublayers from the
  taxonomy, and the layer mix depends on the region: the MRA leans to AI, cloud and applications,
  Brainport to chips and connected devices, so that profiles and location quotients mean something;
  domains lean the same way (finance and media in the MRA, manufacturing and mobility in Brainport);
* control is mostly Dutch, with US, Chinese and other European control; some actors have a parent (an
  earlier, preferably large actor), and the control ties (ownership, acquisition) are exactly these parent
  links, so that control forms a forest as in a company register;
* ties have power-law degrees: every actor has a Pareto "fitness", tie ends are drawn in proportion to
  it (half of them within the same region), with relation types, dates, statuses and amounts; a tie with
  status ``ended`` ends 1 to 4 years after the year it began (``ended``; at the latest 2026), so that
  ``--as-of``, ``timeline`` and ``diff`` have dated facts to work on;
* every record cites the synthetic source (type ``dataset``, locator ``synthetic row N``).

All randomness comes from ``numpy.random.default_rng(seed)``: the same seed gives the same files, byte for
byte. The rows are generated as integer codes with numpy and turned into text and CSV by DuckDB (``COPY``),
so a million actors take seconds, not minutes. :func:`synthesise_parquet` writes the same rows straight as
the Parquet exchange (``stackatlas synth --parquet``), without CSV text or row validation in between.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import numpy as np
import pyarrow as pa
import yaml

from .._sql import literal
from ..dataset.bulk import KINDS
from ..dataset.loader import builtin_taxonomy_path, bundled_path
from ..dataset.model import RELATION_ENDED, RELATION_STATUSES

if TYPE_CHECKING:
    from ..parquet import ParquetExport

__all__ = ["SOURCE_ID", "synthesise", "synthesise_parquet"]

SOURCE_ID = "stackatlas-synthetic"

# the largest Dutch tech municipalities, in rank order (the rest follows in a seeded random order)
_BIG = ["amsterdam", "eindhoven", "rotterdam", "utrecht", "s-gravenhage", "delft", "groningen", "haarlemmermeer",
        "amstelveen", "almere", "enschede", "nijmegen", "leiden", "tilburg", "breda", "s-hertogenbosch",
        "veldhoven", "amersfoort", "arnhem", "zwolle", "helmond", "haarlem", "hilversum", "maastricht", "apeldoorn",
        "wageningen", "best", "son-en-breugel", "zaanstad", "diemen", "ede", "deventer", "zoetermeer", "dordrecht",
        "alkmaar", "leeuwarden", "heerlen", "venlo", "nuenen-gerwen-en-nederwetten", "waalre"]

_LAYER_MIX = {  # relative weight of each layer by region
    "base": {"raw-materials": 0.04, "chips": 0.07, "networks": 0.08, "cloud": 0.10, "ai": 0.18,
             "applications": 0.43, "devices": 0.10},
    "mra": {"raw-materials": 0.02, "chips": 0.03, "networks": 0.09, "cloud": 0.14, "ai": 0.24,
            "applications": 0.44, "devices": 0.04},
    "brainport": {"raw-materials": 0.04, "chips": 0.30, "networks": 0.05, "cloud": 0.04, "ai": 0.14,
                  "applications": 0.15, "devices": 0.28},
}
_DOMAIN_BOOST = {
    "mra": {"finance": 4.0, "media": 4.0, "retail-food": 2.5, "travel": 3.0, "government": 1.5,
            "heritage-culture": 2.0},
    "brainport": {"manufacturing": 5.0, "mobility-logistics": 3.0, "health": 2.5, "energy": 2.0,
                  "materials": 2.0, "aerospace": 1.5, "agriculture": 1.5},
}
_AFFINITY = [("chips", "devices", 3.0), ("chips", "raw-materials", 2.5), ("ai", "cloud", 2.5),
             ("ai", "applications", 2.0), ("cloud", "networks", 3.0), ("devices", "ai", 1.5),
             ("applications", "cloud", 1.5), ("raw-materials", "devices", 1.5)]
_KIND_MIX = {"company": 0.55, "startup": 0.30, "investor": 0.03, "university": 0.002,
             "applied-university": 0.003, "school": 0.003, "research-institute": 0.01, "lab": 0.01,
             "programme": 0.01, "hub": 0.01, "government": 0.01, "association": 0.02, "ngo": 0.01,
             "cultural-institution": 0.006, "event": 0.006}
_FOREIGN_HQ = {"us": 0.35, "de": 0.12, "gb": 0.10, "fr": 0.08, "cn": 0.07, "be": 0.05, "se": 0.03, "ie": 0.03,
               "jp": 0.03, "ch": 0.03, "tw": 0.02, "kr": 0.02, "il": 0.02, "ca": 0.02, "fi": 0.02, "dk": 0.01}
_CONTROL_NL = {"NL": 0.86, "US": 0.06, "DE": 0.02, "GB": 0.015, "FR": 0.01, "CN": 0.015, "JP": 0.005,
               "SE": 0.005, "BE": 0.005, "CH": 0.005}
# ties between any two actors; control ties (ownership, acquisition) only follow the parent forest, so
# that control is a hierarchy (no one controls its own owner) as in real company registers
_RELATION_MIX = {"partnership": 0.33, "supply": 0.28, "investment": 0.14, "membership": 0.10, "joint-lab": 0.05,
                 "grant": 0.05, "spin-off": 0.05}
_CONTROL_MIX = {"ownership": 0.6, "acquisition": 0.4}
_STATUS_MIX = {"completed": 0.65, "active": 0.20, "ended": 0.08, "announced": 0.04, "planned": 0.03}
if set(_STATUS_MIX) != set(RELATION_STATUSES):  # every status of the model needs a share (order: the draws)
    raise RuntimeError(f"_STATUS_MIX names {sorted(_STATUS_MIX)}, the model {sorted(RELATION_STATUSES)}")

_PREFIX = ["Nex", "Vol", "Quan", "Astr", "Lum", "Ver", "Hel", "Opt", "Dyn", "Cor", "Syn", "Zen", "Ter", "Nov",
           "Orb", "Pix", "Flux", "Grid", "Hex", "Kin", "Lyr", "Mir", "Ne", "Omn", "Pol", "Qu", "Rho", "Sol", "Tri",
           "Un", "Vit", "Wav", "Xen", "Yot", "Zet", "Ard", "Bel", "Cel", "Del", "Ev", "Fen", "Gal", "Ion", "Jad",
           "Kal", "Mar", "Nor", "Ost", "Pr", "Riv", "Sca", "Tal", "Ul", "Vor", "Wes", "Ber", "Dor", "Hav", "Lin"]
_MIDDLE = ["a", "ara", "ely", "tec", "gen", "mo", "vi", "sys", "tron", "ica", "on", "ix", "us", "io", "en",
           "ora", "is", "um", "o", "ent"]
_WORDS = {"raw-materials": ["Materials", "Energy", "Minerals"], "chips": ["Semiconductors", "Photonics", "Microsystems"],
          "networks": ["Networks", "Telecom", "Connect"], "cloud": ["Cloud", "Data Centers", "Compute"],
          "ai": ["AI", "Intelligence", "Analytics"], "applications": ["Software", "Apps", "Digital", "Platforms"],
          "devices": ["Robotics", "Devices", "Systems"]}
_FORMS = ["", "", " B.V.", " N.V.", " Group", " Labs"]


def _probs(weights: dict[str, float], keys: list[str], default: float = 0.0) -> np.ndarray:
    w = np.array([weights.get(k, default) for k in keys], dtype=float)
    if w.sum() <= 0:
        w = np.ones(len(keys))
    return w / w.sum()


def _topk(rng: np.random.Generator, logw: np.ndarray, k: np.ndarray) -> np.ndarray:
    """Per row, ``k`` distinct columns drawn with probabilities exp(logw) (Gumbel top-k); -1 pads."""
    n, m = logw.shape
    g = logw - np.log(-np.log(rng.random((n, m))))
    order = np.argsort(-g, axis=1, kind="stable")[:, : max(int(k.max(initial=0)), 1)]
    order = order.astype(np.int16)
    order[np.arange(order.shape[1])[None, :] >= k[:, None]] = -1
    return order


def _sql_list(values: list[str]) -> str:
    return "[" + ", ".join(literal(v) for v in values) + "]"


def _read_yaml(path: Path) -> Any:
    loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(path.read_text(encoding="utf-8"), Loader=loader)


def _copy_reference(src: Path, out: Path) -> dict[str, Any]:
    """Copy places.yaml and write sources.yaml (the sources places cite, and the synthetic one)."""
    shutil.copyfile(src / "places.yaml", out / "places.yaml")
    places = _read_yaml(src / "places.yaml")
    cited = {s["source"] for section in places.values() for rec in section or [] for s in rec.get("sources", [])}
    sources: list[dict[str, Any]] = []
    files = [src / "sources.yaml", *sorted((src / "sources").glob("*.yaml"))]
    for f in files:
        if f.is_file():
            sources.extend(x for x in _read_yaml(f) or [] if isinstance(x, dict) and x.get("id") in cited)
    found = {x["id"] for x in sources}
    missing = sorted(cited - found)
    if missing:
        raise RuntimeError(f"sources cited by {src / 'places.yaml'} not found: {', '.join(missing)}")
    sources.sort(key=lambda x: str(x["id"]))
    for x in sources:  # keep dates as text
        if x.get("date") is not None:
            x["date"] = str(x["date"])
    sources.insert(0, {"id": SOURCE_ID, "title": "stackatlas synthetic dataset (generated, not real organisations)",
                       "publisher": "stackatlas", "date": "2026", "type": "dataset",
                       "note": "Generated by stackatlas.scale.synth; every row is invented."})
    (out / "sources.yaml").write_text(yaml.safe_dump(sources, sort_keys=False, allow_unicode=True, width=120),
                                      encoding="utf-8")
    return places


@dataclass
class _Codes:
    """The taxonomy as code lists: an actor's kind, layer item, domain or relation type is an index into these."""

    kinds: list[str]
    layers: list[str]
    items: list[str]        # "layer" and "layer/sublayer"; a layer's items start at first_item[layer]
    first_item: list[int]
    n_sub: list[int]        # sublayers per layer
    domains: list[str]
    rtypes: list[str]
    control: set[str]       # relation types of the control family

    @classmethod
    def of(cls, tax: dict[str, Any]) -> _Codes:
        """The code lists of a taxonomy read as plain data."""
        items: list[str] = []
        first_item: list[int] = []
        n_sub: list[int] = []
        for x in tax["layers"]:
            first_item.append(len(items))
            items.append(x["id"])
            subs = [s["id"] for s in x.get("sublayers") or []]
            n_sub.append(len(subs))
            items.extend(f"{x['id']}/{s}" for s in subs)
        return cls(kinds=[k["id"] for k in tax["actor_kinds"]], layers=[x["id"] for x in tax["layers"]],
                   items=items, first_item=first_item, n_sub=n_sub,
                   domains=[d["id"] for d in tax.get("domains") or []],
                   rtypes=[t["id"] for t in tax.get("relation_types") or []],
                   control={t["id"] for t in tax.get("relation_types") or [] if t.get("family") == "control"})


@dataclass
class _Geo:
    """Head-office places: the municipalities by rank, then the foreign countries; each actor's place and group."""

    hq_names: list[str]
    n_muni: int
    foreign: list[str]
    countries: dict[str, str]   # country id -> ISO code
    hq: np.ndarray              # per actor: index into hq_names
    group: np.ndarray           # per actor: 0 MRA, 1 Brainport, 2 rest of NL, 3 abroad

    @property
    def codes(self) -> list[str]:
        """The ISO codes of the countries; a control country is an index into this list."""
        return [self.countries[c] for c in self.countries]


@dataclass
class _Actors:
    """The actors as integer codes (one array per column; -1 means none)."""

    kind: np.ndarray
    code: np.ndarray            # n x 3 layer item codes
    secondary: np.ndarray       # n x 3: the layer is a secondary one
    dom: np.ndarray             # n x 2 domain codes
    cc: np.ndarray              # control country code
    fitness: np.ndarray
    parent: np.ndarray
    year: np.ndarray
    month: np.ndarray
    website: np.ndarray
    name: dict[str, np.ndarray]  # p1, p2, word, form: the parts of the generated name
    words: list[str]


@dataclass
class _Ties:
    """The relations as integer codes: the control ties (parent links) first, then the others."""

    frm: np.ndarray
    to: np.ndarray
    type: np.ndarray
    year: np.ndarray
    month: np.ndarray
    day: np.ndarray
    status: np.ndarray
    amount: np.ndarray
    usd: np.ndarray
    stake: np.ndarray


def _write_meta(out: Path, n: int, n_rel: int, seed: int) -> None:
    """Write ``dataset.yaml``."""
    (out / "dataset.yaml").write_text(
        "id: synthetic\n"
        "title: {nl: Synthetische dataset, en: Synthetic dataset}\n"
        'version: "1"\n'
        "licence: CC0-1.0\n"
        "publisher: stackatlas (generated)\n"
        f"description: {{en: 'Generated by stackatlas synth: {n} actors, {n_rel} relations, seed {seed}. "
        "Not real organisations.'}\n"
        "taxonomy: builtin:digital-stack\n"
        "compare: [mra, brainport]\n"
        "baseline: nl\n", encoding="utf-8")


def _head_offices(rng: np.random.Generator, places: dict[str, Any], n: int) -> _Geo:
    """Head offices by a Zipf law over the municipalities (the big tech cities first, the rest in a seeded
    order), 7% abroad; the region group of each."""
    munis = [x["id"] for x in places.get("municipalities") or [] if x.get("province")]
    rest = [x for x in munis if x not in set(_BIG)]
    rest = [rest[i] for i in rng.permutation(len(rest))]
    ranked = [x for x in _BIG if x in set(munis)] + rest
    region_of = {}
    for rg in places.get("regions") or []:
        if rg["id"] in ("mra", "brainport"):
            for mid in rg.get("municipalities") or []:
                region_of[mid] = rg["id"]
    countries = {x["id"]: x["code"] for x in places.get("countries") or []}
    foreign = [c for c in countries if c != "nl"]
    n_muni = len(ranked)
    zipf = 1.0 / np.arange(1, n_muni + 1) ** 1.05
    p_hq = np.concatenate([0.93 * zipf / zipf.sum(), 0.07 * _probs(_FOREIGN_HQ, foreign, 0.004)])
    hq_names = ranked + foreign
    hq = rng.choice(len(hq_names), size=n, p=p_hq).astype(np.int32)
    group_of_place = np.array([0 if region_of.get(x) == "mra" else 1 if region_of.get(x) == "brainport" else 2
                               for x in ranked] + [3] * len(foreign), dtype=np.int8)
    return _Geo(hq_names=hq_names, n_muni=n_muni, foreign=foreign, countries=countries, hq=hq,
                group=group_of_place[hq])


def _layers(rng: np.random.Generator, codes: _Codes, group: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray,
                                                                                           np.ndarray]:
    """1-3 layers per actor (Gumbel top-k by the region's layer mix; further layers lean to the first one's
    neighbours), 85% with a sublayer, later ones mostly secondary: layer indexes, item codes, secondary flags."""
    layers = codes.layers
    mix = np.log(np.stack([_probs(_LAYER_MIX["mra"], layers, 0.05), _probs(_LAYER_MIX["brainport"], layers, 0.05),
                           _probs(_LAYER_MIX["base"], layers, 0.05), _probs(_LAYER_MIX["base"], layers, 0.05)]))
    k_layers = rng.choice(3, size=n, p=[0.55, 0.30, 0.15]).astype(np.int16) + 1
    first = _topk(rng, mix[group], np.ones(n, dtype=np.int16))[:, 0]
    # further layers lean towards the neighbours of the first one (chips with devices, AI with cloud, ...)
    aff = np.ones((len(layers), len(layers)))
    for a, b, w in _AFFINITY:
        if a in layers and b in layers:
            aff[layers.index(a), layers.index(b)] = aff[layers.index(b), layers.index(a)] = w
    logw = mix[group] + np.log(aff)[first]
    logw[np.arange(n), first] = -np.inf
    more = _topk(rng, logw, k_layers - 1)
    lay = np.full((n, 3), -1, dtype=np.int16)  # n x 3 layer indexes, -1 = none
    lay[:, 0] = first
    lay[:, 1 : 1 + more.shape[1]] = more[:, :2]
    nsub = np.array(codes.n_sub)[np.maximum(lay, 0)]
    sub = np.floor(rng.random(lay.shape) * nsub).astype(np.int16)
    with_sub = (rng.random(lay.shape) < 0.85) & (nsub > 0)
    code = np.where(lay >= 0, np.array(codes.first_item)[np.maximum(lay, 0)] + np.where(with_sub, sub + 1, 0), -1)
    secondary = (rng.random(lay.shape) < 0.7) & (np.arange(lay.shape[1])[None, :] > 0)
    return lay, code, secondary


def _domains(rng: np.random.Generator, codes: _Codes, group: np.ndarray) -> np.ndarray:
    """0-2 domains per actor, boosted by region (finance and media in the MRA, manufacturing in Brainport)."""
    dmix = np.ones((4, len(codes.domains)))
    for gi, region in ((0, "mra"), (1, "brainport")):
        for j, d in enumerate(codes.domains):
            dmix[gi, j] = _DOMAIN_BOOST[region].get(d, 1.0)
    k_dom = rng.choice(3, size=len(group), p=[0.3, 0.5, 0.2]).astype(np.int16)
    dom = _topk(rng, np.log(dmix / dmix.sum(axis=1, keepdims=True))[group], k_dom)
    if dom.shape[1] < 2:
        dom = np.pad(dom, ((0, 0), (0, 2 - dom.shape[1])), constant_values=-1)
    return dom


def _control(rng: np.random.Generator, geo: _Geo, n: int) -> np.ndarray:
    """Each actor's control country (a code into ``geo.codes``): mostly Dutch, the head office's country for
    90% of foreign head offices, unknown (-1) for 3%."""
    codes = geo.codes
    cc = rng.choice(len(codes), size=n, p=_probs(_CONTROL_NL, codes, 0.0)).astype(np.int16)
    code_index = {c: i for i, c in enumerate(codes)}
    hq_code = np.array([code_index[geo.countries[x]] for x in geo.foreign], dtype=np.int16)
    own = (geo.group == 3) & (rng.random(n) < 0.9)
    cc[own] = hq_code[geo.hq[own] - geo.n_muni]
    cc[rng.random(n) < 0.03] = -1  # control unknown
    return cc


def _parents(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Pareto fitness (a few hubs, many small actors) and parents: 10% of the actors get an earlier actor,
    drawn by fitness, so that the parent links form a forest."""
    fitness = rng.pareto(1.3, size=n) + 1.0  # heavy-tailed: a few hubs, many small actors
    parent = np.full(n, -1, dtype=np.int64)
    child = np.flatnonzero(rng.random(n) < 0.10)
    cand = rng.choice(n, size=child.size, p=fitness / fitness.sum())
    keep = cand < child  # a parent comes earlier in the table: no cycles
    parent[child[keep]] = cand[keep]
    return fitness, parent


def _actors(rng: np.random.Generator, codes: _Codes, geo: _Geo, n: int) -> _Actors:
    """Kinds, layers, domains, control, parents, founding dates, websites and name parts of the actors."""
    kind = rng.choice(len(codes.kinds), size=n, p=_probs(_KIND_MIX, codes.kinds, 0.001)).astype(np.int16)
    lay, code, secondary = _layers(rng, codes, geo.group, n)
    dom = _domains(rng, codes, geo.group)
    cc = _control(rng, geo, n)
    fitness, parent = _parents(rng, n)
    year = np.clip(2025 - np.floor(rng.exponential(15.0, size=n)), 1900, 2025).astype(np.int16)
    month = np.where(rng.random(n) < 0.6, rng.integers(1, 13, size=n), 0).astype(np.int8)
    website = rng.random(n) < 0.7
    p1 = rng.integers(0, len(_PREFIX), size=n).astype(np.int16)
    p2 = rng.integers(0, len(_MIDDLE), size=n).astype(np.int16)
    first_layer = lay[:, 0]
    words = [w for lay_id in codes.layers for w in _WORDS.get(lay_id, ["Tech"])]
    word_start = np.cumsum([0] + [len(_WORDS.get(x, ["Tech"])) for x in codes.layers])
    word = (word_start[first_layer] + np.floor(rng.random(n) * np.diff(word_start)[first_layer])).astype(np.int16)
    form = rng.integers(0, len(_FORMS), size=n).astype(np.int16)
    return _Actors(kind=kind, code=code, secondary=secondary, dom=dom, cc=cc, fitness=fitness, parent=parent,
                   year=year, month=month, website=website, name={"p1": p1, "p2": p2, "word": word, "form": form},
                   words=words)


def _tie_ends(rng: np.random.Generator, fitness: np.ndarray, group: np.ndarray, m: int) -> tuple[np.ndarray,
                                                                                                np.ndarray]:
    """``m`` tie ends drawn in proportion to fitness, half of them within the region of the first end; no
    self-ties."""
    n = len(fitness)
    prob = fitness / fitness.sum()
    frm = rng.choice(n, size=m, p=prob)
    to = rng.choice(n, size=m, p=prob)
    local = rng.random(m) < 0.5
    for g in range(4):  # half of the ties stay within the region of their first end
        pool = np.flatnonzero(group == g)
        sel = np.flatnonzero(local & (group[frm] == g))
        if pool.size == 0 or sel.size == 0:
            continue
        cdf = np.cumsum(fitness[pool])
        to[sel] = pool[np.minimum(np.searchsorted(cdf, rng.random(sel.size) * cdf[-1]), pool.size - 1)]
    same = frm == to
    to[same] = (to[same] + 1 + rng.integers(0, n - 1, size=int(same.sum()))) % n
    return frm, to


def _ties(rng: np.random.Generator, codes: _Codes, acts: _Actors, group: np.ndarray, n_rel: int) -> _Ties:
    """``n_rel`` relations: a control tie (ownership or acquisition) per parent link, the rest free ties
    (investors mostly invest) with dates, statuses, amounts and stakes."""
    rtypes = codes.rtypes
    n_own = min(int(np.count_nonzero(acts.parent >= 0)), n_rel)
    owned = np.flatnonzero(acts.parent >= 0)[:n_own]
    m = n_rel - n_own
    frm, to = _tie_ends(rng, acts.fitness, group, m)
    free = {t: (0.0 if t in codes.control else _RELATION_MIX.get(t, 0.01)) for t in rtypes}
    rtype = rng.choice(len(rtypes), size=m, p=_probs(free, rtypes)).astype(np.int16)
    if "investment" in rtypes and "investor" in codes.kinds:
        inv = (acts.kind[frm] == codes.kinds.index("investor")) & (rng.random(m) < 0.8)
        rtype[inv] = rtypes.index("investment")
    ctrl_p = _probs({t: _CONTROL_MIX.get(t, 0.0) for t in rtypes}, rtypes)
    own_type = rng.choice(len(rtypes), size=n_own, p=ctrl_p).astype(np.int16)
    rel_type = np.concatenate([own_type, rtype])
    r_year = np.clip(2025 - np.floor(rng.exponential(5.0, size=n_rel)), 1990, 2025).astype(np.int16)
    r_month = np.where(rng.random(n_rel) < 0.7, rng.integers(1, 13, size=n_rel), 0).astype(np.int8)
    r_day = np.where((r_month > 0) & (rng.random(n_rel) < 0.3), rng.integers(1, 29, size=n_rel), 0).astype(np.int8)
    status = rng.choice(len(_STATUS_MIX), size=n_rel, p=_probs(_STATUS_MIX, list(_STATUS_MIX))).astype(np.int8)
    amount, usd, stake = _money(rng, rtypes, rel_type)
    return _Ties(frm=np.concatenate([acts.parent[owned], frm]).astype(np.int64),
                 to=np.concatenate([owned, to]).astype(np.int64), type=rel_type, year=r_year, month=r_month,
                 day=r_day, status=status, amount=amount, usd=usd, stake=stake)


def _money(rng: np.random.Generator, rtypes: list[str], rel_type: np.ndarray) -> tuple[np.ndarray, np.ndarray,
                                                                                          np.ndarray]:
    """Amounts (log-normal, 60% of investments, acquisitions and grants; 15% in USD) and stakes (30% of
    investments 1-49%, 70% of acquisitions 100%)."""
    n_rel = len(rel_type)
    money = np.isin(rel_type, [rtypes.index(t) for t in ("investment", "acquisition", "grant") if t in rtypes])
    has_amount = money & (rng.random(n_rel) < 0.6)
    amount = np.where(has_amount, np.round(rng.lognormal(14.5, 1.5, size=n_rel), -3), np.nan)
    usd = rng.random(n_rel) < 0.15
    stake = np.full(n_rel, np.nan)
    if "investment" in rtypes:
        s_inv = (rel_type == rtypes.index("investment")) & (rng.random(n_rel) < 0.3)
        stake[s_inv] = np.round(rng.uniform(1, 49, size=int(s_inv.sum())), 1)
    if "acquisition" in rtypes:
        s_acq = (rel_type == rtypes.index("acquisition")) & (rng.random(n_rel) < 0.7)
        stake[s_acq] = 100.0
    return amount, usd, stake


def _employees(rng: np.random.Generator, fitness: np.ndarray, share: float) -> tuple[np.ndarray, np.ndarray]:
    """Employee counts of a ``share`` of the actors (Pareto, growing with the square root of fitness)."""
    ind_actor = np.flatnonzero(rng.random(len(fitness)) < share)
    employees = np.round((rng.pareto(1.1, size=ind_actor.size) + 1.0) * 5.0 * fitness[ind_actor] ** 0.5)
    return ind_actor, employees


def _actor_codes(con: duckdb.DuckDBPyConnection, geo: _Geo, acts: _Actors) -> None:
    """Table ``a``: the actor codes with their generated names and ids (the ties refer to it)."""
    n = len(geo.hq)
    code, secondary = acts.code, acts.secondary
    con.register("a_in", pa.table({
        "i": np.arange(n, dtype=np.int64), "hq": geo.hq, "kind": acts.kind, "l1": code[:, 0].astype(np.int16),
        "l2": code[:, 1].astype(np.int16) if code.shape[1] > 1 else np.full(n, -1, np.int16),
        "l3": code[:, 2].astype(np.int16) if code.shape[1] > 2 else np.full(n, -1, np.int16),
        "s2": secondary[:, 1] if code.shape[1] > 1 else np.zeros(n, bool),
        "s3": secondary[:, 2] if code.shape[1] > 2 else np.zeros(n, bool),
        "d1": acts.dom[:, 0], "d2": acts.dom[:, 1], "cc": acts.cc, "parent": acts.parent, "year": acts.year,
        "month": acts.month, "website": acts.website, **acts.name}))
    con.execute(f"""
        CREATE TABLE a AS SELECT *,
            lower(trim(regexp_replace(name, '[^A-Za-z0-9]+', '-', 'g'), '-')) || '-' || CAST(i + 1 AS VARCHAR)
                AS id
        FROM (SELECT *, {_sql_list(_PREFIX)}[p1 + 1] || {_sql_list(_MIDDLE)}[p2 + 1] || ' '
                        || {_sql_list(acts.words)}[word + 1] || {_sql_list(_FORMS)}[form + 1] AS name
              FROM a_in)""")
    con.unregister("a_in")


def _actors_select(codes: _Codes, geo: _Geo, acts: _Actors) -> str:
    """The rows of ``actors/synthetic.csv`` (docs/dataset-format.md), as a query on table ``a``."""

    def item(col: str, sec: str | None) -> str:
        s = f"CASE WHEN {col} < 0 THEN NULL ELSE {_sql_list(codes.items)}[{col} + 1]"
        return s + (f" || CASE WHEN {sec} THEN ':secondary' ELSE '' END END" if sec else " END")

    doms = _sql_list(codes.domains)
    return f"""
        SELECT a.id, a.name, {_sql_list(codes.kinds)}[a.kind + 1] AS kind,
                {_sql_list(geo.hq_names)}[a.hq + 1] AS hq,
                concat_ws(';', {item('a.l1', None)}, {item('a.l2', 'a.s2')}, {item('a.l3', 'a.s3')}) AS layers,
                nullif(concat_ws(';', CASE WHEN a.d1 >= 0 THEN {doms}[a.d1 + 1] END,
                                      CASE WHEN a.d2 >= 0 THEN {doms}[a.d2 + 1] END), '') AS domains,
                CASE WHEN a.cc >= 0 THEN {_sql_list(geo.codes)}[a.cc + 1] END AS control_country,
                p.id AS parent,
                CAST(a.year AS VARCHAR) || CASE WHEN a.month > 0 THEN '-' || lpad(CAST(a.month AS VARCHAR), 2, '0')
                                                ELSE '' END AS founded,
                CASE WHEN a.website THEN 'https://www.' || a.id || '.example' END AS website,
                '{SOURCE_ID}@synthetic row ' || CAST(a.i + 1 AS VARCHAR) AS sources
        FROM a LEFT JOIN a p ON p.i = a.parent ORDER BY a.i"""


def _tie_codes(con: duckdb.DuckDBPyConnection, ties: _Ties) -> None:
    """Table ``r``: the tie codes."""
    con.register("r_in", pa.table({
        "i": np.arange(len(ties.type), dtype=np.int64), "f": ties.frm, "t": ties.to, "type": ties.type,
        "year": ties.year, "month": ties.month, "day": ties.day, "status": ties.status, "amount": ties.amount,
        "usd": ties.usd, "stake": ties.stake}))
    con.execute("CREATE TABLE r AS SELECT * FROM r_in")
    con.unregister("r_in")


def _relations_select(codes: _Codes) -> str:
    """The rows of ``relations/synthetic.csv``, as a query on tables ``r`` and ``a``."""
    rtypes = _sql_list(codes.rtypes)
    return f"""
        SELECT {rtypes}[r.type + 1] || '-' || CAST(r.i + 1 AS VARCHAR) AS id,
                {rtypes}[r.type + 1] AS type, fa.id AS "from", ta.id AS "to",
                CAST(r.year AS VARCHAR)
                  || CASE WHEN r.month > 0 THEN '-' || lpad(CAST(r.month AS VARCHAR), 2, '0') ELSE '' END
                  || CASE WHEN r.day > 0 THEN '-' || lpad(CAST(r.day AS VARCHAR), 2, '0') ELSE '' END AS date,
                {_sql_list(list(_STATUS_MIX))}[r.status + 1] AS status,
                CASE WHEN {_sql_list(list(_STATUS_MIX))}[r.status + 1] = '{RELATION_ENDED}'
                     THEN CAST(least(r.year + 1 + r.i % 4, 2026) AS VARCHAR) END AS ended,
                CASE WHEN isnan(r.amount) THEN NULL ELSE CAST(CAST(r.amount AS BIGINT) AS VARCHAR) END
                  AS amount_value,
                CASE WHEN isnan(r.amount) THEN NULL WHEN r.usd THEN 'USD' ELSE 'EUR' END AS amount_currency,
                CASE WHEN isnan(r.stake) THEN NULL ELSE CAST(r.stake AS VARCHAR) END AS stake_pct,
                '{SOURCE_ID}@synthetic row ' || CAST(r.i + 1 AS VARCHAR) AS sources
        FROM r JOIN a fa ON fa.i = r.f JOIN a ta ON ta.i = r.t ORDER BY r.i"""


def _indicator_codes(con: duckdb.DuckDBPyConnection, ind_actor: np.ndarray, employees: np.ndarray) -> None:
    """Table ``x``: the employee counts by actor code."""
    con.register("i_in", pa.table({"i": np.arange(ind_actor.size, dtype=np.int64),
                                   "actor": ind_actor.astype(np.int64), "value": employees}))
    con.execute("CREATE TABLE x AS SELECT * FROM i_in")
    con.unregister("i_in")


def _indicators_select() -> str:
    """The rows of ``indicators/synthetic.csv`` (employee counts), as a query on tables ``x`` and ``a``."""
    return f"""
        SELECT 'employees-' || a.id AS id, a.id AS subject, 'employees' AS metric,
                'Employees' AS label_en, CAST(CAST(x.value AS BIGINT) AS VARCHAR) AS value, 'people' AS unit,
                '2025' AS date, '{SOURCE_ID}@synthetic row ' || CAST(x.i + 1 AS VARCHAR) AS sources
        FROM x JOIN a ON a.i = x.actor ORDER BY x.i"""


@dataclass
class _Draws:
    """Everything drawn for one dataset, in the order of the draws (a seed gives the same draws)."""

    codes: _Codes
    geo: _Geo
    acts: _Actors
    ties: _Ties
    ind_actor: np.ndarray
    employees: np.ndarray


def _draw(places: dict[str, Any], n: int, n_rel: int, seed: int, indicator_share: float) -> _Draws:
    codes = _Codes.of(_read_yaml(builtin_taxonomy_path("digital-stack")))
    rng = np.random.default_rng(seed)   # the draws below come in a fixed order: the same seed, the same rows
    geo = _head_offices(rng, places, n)
    acts = _actors(rng, codes, geo, n)
    ties = _ties(rng, codes, acts, geo.group, n_rel)
    ind_actor, employees = _employees(rng, acts.fitness, indicator_share)
    return _Draws(codes, geo, acts, ties, ind_actor, employees)


def _stage_codes(con: duckdb.DuckDBPyConnection, d: _Draws) -> dict[str, str]:
    """Tables ``a``, ``r`` and ``x`` on ``con``; the query of each CSV table's rows on them, by kind."""
    con.execute("SET preserve_insertion_order = true")
    _actor_codes(con, d.geo, d.acts)
    _tie_codes(con, d.ties)
    _indicator_codes(con, d.ind_actor, d.employees)
    return {"actors": _actors_select(d.codes, d.geo, d.acts), "relations": _relations_select(d.codes),
            "indicators": _indicators_select()}


def _start(out: Path, n: int, n_rel: int, seed: int, reference: Path | None) -> dict[str, Any]:
    """The YAML part of the dataset in ``out`` (places, sources, dataset.yaml); the places as plain data."""
    places = _copy_reference(reference or bundled_path(), out)
    _write_meta(out, n, n_rel, seed)
    return places


def _sizes(actors: int, relations: int | None) -> tuple[int, int]:
    if actors < 10:
        raise ValueError("at least 10 actors")
    return int(actors), 3 * int(actors) if relations is None else int(relations)


def synthesise(out: Path | str, *, actors: int = 10_000, relations: int | None = None, seed: int = 0,
               indicator_share: float = 0.1, reference: Path | None = None) -> Path:
    """Write a synthetic dataset with ``actors`` actors and ``relations`` ties (default 3 per actor).

    ``reference`` is the dataset whose places and taxonomy are reused (default: the bundled one).
    Returns the folder.
    """
    n, n_rel = _sizes(actors, relations)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    for sub in KINDS:
        (out / sub).mkdir(exist_ok=True)
    draws = _draw(_start(out, n, n_rel, seed, reference), n, n_rel, seed, indicator_share)
    con = duckdb.connect()
    try:
        for kind, select in _stage_codes(con, draws).items():
            con.execute(f"COPY ({select}) TO {literal(str(out / kind / 'synthetic.csv'))} (FORMAT csv, HEADER true)")
    finally:
        con.close()
    return out


def synthesise_parquet(out: Path | str, *, actors: int = 10_000, relations: int | None = None, seed: int = 0,
                       indicator_share: float = 0.1, reference: Path | None = None,
                       compression: str = "zstd", memory_limit: str | None = None) -> ParquetExport:
    """The dataset of :func:`synthesise` (same arguments, same rows for the same seed) written straight as the
    Parquet exchange of ``stackatlas export parquet`` (:func:`stackatlas.parquet.export_parquet`) in ``out``.

    No CSV text is written or parsed and nothing is validated row by row: the generated rows are staged in
    DuckDB as if they were the CSV tables (:meth:`stackatlas.dataset.bulk.Bulk.stage_query`), compiled by
    :func:`stackatlas.store.build` into a temporary database next to ``out`` (the same SQL as any dataset,
    so the tables are those of ``synth`` + ``build`` + ``export parquet``; tests/test_synth.py compares
    them) and exported. The YAML part (places, sources, taxonomy) is loaded and validated as usual.
    ``meta.content_hash`` is the SHA-256 of the YAML part's hash and the arguments; ``meta.data`` is ``out``.
    For sizes whose CSV files and validation take too long (5,000,000 actors: docs/scale.md).

    DuckDB may use 80% of the machine's memory before it spills to disk; ``memory_limit`` (DuckDB's
    setting, e.g. ``"4GB"``) bounds the staging and the compilation, which then spill to the staging folder.
    """
    from ..dataset.bulk import Bulk
    from ..dataset.loader import load_dataset
    from ..parquet import export_parquet
    from ..store import build, connect

    n, n_rel = _sizes(actors, relations)
    target = Path(out).resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f".{target.name}.", suffix=".synth", dir=target.parent) as tmp:
        folder = Path(tmp) / "dataset"
        folder.mkdir()
        draws = _draw(_start(folder, n, n_rel, seed, reference), n, n_rel, seed, indicator_share)
        ds = load_dataset(folder)
        ds.root = target
        ds.hash = hashlib.sha256(json.dumps([ds.hash, n, n_rel, seed, indicator_share]).encode()).hexdigest()
        ds.bulk = Bulk(folder)
        try:
            if memory_limit is not None:
                ds.bulk.con.execute("SET memory_limit = ?", [memory_limit])
                ds.bulk.con.execute("SET temp_directory = ?", [str(Path(tmp) / "spill")])
            for kind, select in _stage_codes(ds.bulk.con, draws).items():
                ds.bulk.stage_query(kind, select, shown=f"synth:{kind}")
            ds.bulk.con.execute("DROP TABLE a; DROP TABLE r; DROP TABLE x")
            db = build(ds, Path(tmp) / "synthetic.duckdb")
        finally:
            ds.close()
        con = connect(db)
        try:
            return export_parquet(con, target, compression=compression)
        finally:
            con.close()
