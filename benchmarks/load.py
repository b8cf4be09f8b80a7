"""A bounded load test of the web atlas: requests/s and latency percentiles per scenario.

Loopback only: the target must be 127.0.0.0/8, localhost or [::1]. Each scenario sends a fixed number of
requests over a fixed number of concurrent connections and stops by itself (and after ``--max-seconds``).

    .venv/bin/python benchmarks/load.py --serve              # start a server on a free port, then measure
    .venv/bin/python benchmarks/load.py --url http://127.0.0.1:8000 --connections 50 --requests 3000

Scenarios: an organisation page (``/actors/{id}``, over every organisation, or ``--actors`` of them spread over
the whole list on a large dataset), the profile API (``/api/profile?place=...``, over the compare pair and its
municipalities) and search (``/api/search``, over names with and without typos: the fixed list below when the
dataset knows them, else names of the served dataset with typos made from them, see ``--search-terms``); with ``--scenario`` also the compare page (``/compare``, the default pair in
both languages) and synergy pages (``/synergies/{id}``, the curated and the best discovered synergies of
the default pair, with introductions and guest list). Every distinct URL is requested once before
measuring (the "cold" line); the measured runs then show the steady state of a server whose caches are warm.

    .venv/bin/python benchmarks/load.py --serve --scenario "compare page" --scenario "synergy page"
    .venv/bin/python benchmarks/load.py --serve --data DATASET --db FILE   # another dataset (e.g. synthetic)
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import ipaddress
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import httpx

SEARCHES = ["asml", "Adyn", "philps", "eindhovn", "booking", "nvidia", "tue", "amsterdam", "chips", "mistral",
            "Brainport", "ahold", "schiphol", "philips", "nxp", "micrsoft", "googel", "universiteit", "imec",
            "ai", "cloud", "haarlemermeer", "almere", "hilversum"]


@dataclass
class Result:
    name: str
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    elapsed: float = 0.0

    def pct(self, q: float) -> float:
        if not self.latencies:
            return float("nan")
        xs = sorted(self.latencies)
        k = min(len(xs) - 1, max(0, round(q / 100 * len(xs) + 0.5) - 1))
        return xs[k] * 1000

    def line(self) -> str:
        n = len(self.latencies)
        rps = n / self.elapsed if self.elapsed else 0.0
        mean = statistics.fmean(self.latencies) * 1000 if n else float("nan")
        return (f"{self.name:<22} {n:>7} {self.errors:>6} {rps:>9.0f} {mean:>8.1f} {self.pct(50):>8.1f} "
                f"{self.pct(90):>8.1f} {self.pct(99):>8.1f} {self.pct(100):>8.1f}")


HEADER = (f"{'scenario':<22} {'requests':>7} {'errors':>6} {'req/s':>9} {'mean ms':>8} {'p50 ms':>8} "
          f"{'p90 ms':>8} {'p99 ms':>8} {'max ms':>8}")


def loopback_only(url: str) -> None:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return
    try:
        if ipaddress.ip_address(host).is_loopback:
            return
    except ValueError:
        pass
    raise SystemExit(f"refusing to load {host!r}: only loopback addresses (127.0.0.0/8, localhost, ::1)")


async def run(clients: list[httpx.AsyncClient], name: str, urls: list[str], total: int, connections: int,
              max_seconds: float) -> Result:
    """``total`` requests over ``connections`` workers, each with a keep-alive connection of its own (one
    client each: a shared pool of 50 costs the load generator more CPU than the server uses)."""
    res = Result(name)
    counter = iter(range(total))
    deadline = time.monotonic() + max_seconds

    async def worker(client: httpx.AsyncClient) -> None:
        for i in counter:
            if time.monotonic() > deadline:
                return
            url = urls[i % len(urls)]
            t0 = time.perf_counter()
            try:
                r = await client.get(url)
                await r.aread()
                ok = r.status_code == 200
                res.statuses[r.status_code] = res.statuses.get(r.status_code, 0) + 1
            except httpx.HTTPError:
                ok = False
            res.latencies.append(time.perf_counter() - t0)
            if not ok:
                res.errors += 1

    gc.collect()
    gc.disable()  # the load generator's own collector pauses would show up as server latency
    t = time.perf_counter()
    try:
        await asyncio.gather(*(worker(clients[i]) for i in range(connections)))
    finally:
        res.elapsed = time.perf_counter() - t
        gc.enable()
    return res


def typo(word: str, rng: random.Random) -> str:
    """``word`` with one typo: a letter dropped, doubled or two neighbours swapped (words of 4+ letters)."""
    if len(word) < 4:
        return word
    i = rng.randrange(1, len(word) - 1)
    kind = rng.randrange(3)
    if kind == 0:
        return word[:i] + word[i + 1:]
    if kind == 1:
        return word[:i] + word[i] + word[i:]
    return word[:i - 1] + word[i] + word[i - 1] + word[i + 1:]


def data_searches(names: list[str], n: int = 48, seed: int = 0) -> list[str]:
    """Search terms made from actor names of the served dataset: a word, a word with a typo, the first two
    words, a name with a typo (lower case, as people type), deterministic for ``seed``."""
    rng = random.Random(seed)
    out: list[str] = []
    pool = [x for x in names if x.strip()]
    while pool and len(out) < n:
        name = rng.choice(pool)
        words = [w for w in name.lower().replace(".", " ").split() if len(w) > 1]
        if not words:
            continue
        w = rng.choice(words)
        out += [w, typo(w, rng), " ".join(words[:2]), " ".join(typo(x, rng) for x in words)]
    return list(dict.fromkeys(out))[:n]


async def actor_sample(client: httpx.AsyncClient, n: int) -> list[dict[str, str]]:
    """``n`` actors: all of a short list, else pages spread evenly over the whole list (by name)."""
    first = (await client.get("/api/actors", params={"limit": min(n, 500)})).json()
    total = int(first["total"])
    if total <= len(first["items"]) or n <= len(first["items"]):
        return list(first["items"])[:n]
    pages = max(1, -(-n // 100))
    out: list[dict[str, str]] = []
    for k in range(pages):
        offset = k * max(1, (total - 100) // pages)
        out += (await client.get("/api/actors", params={"limit": 100, "offset": offset})).json()["items"]
    return out[:n]


async def targets(client: httpx.AsyncClient, args: argparse.Namespace) -> dict[str, list[str]]:
    actors = await actor_sample(client, args.actors)
    health = (await client.get("/healthz")).json()
    a, b = args.pair or health.get("compare") or ("mra", "brainport")
    places = [a, b]
    for region in (a, b):
        places += (await client.get(f"/api/places/{region}")).json().get("municipalities", [])
    searches = SEARCHES
    mode = args.search_terms
    if mode == "auto":  # the fixed list when the dataset knows (at least half of) its names
        known = 0
        for q in SEARCHES:
            items = (await client.get("/api/search", params={"q": q, "limit": 1})).json()["items"]
            known += bool(items) and items[0]["type"] == "actor"
        mode = "fixed" if known >= len(SEARCHES) / 2 else "data"
    if mode == "data":
        searches = data_searches([x["name"] for x in actors])
    print(f"search terms ({mode}): {', '.join(searches[:12])}{' ...' if len(searches) > 12 else ''}")
    return {
        "actor page": [f"/actors/{x['id']}" for x in actors],
        "profile API": [f"/api/profile?place={p}" for p in dict.fromkeys(places)],
        "search API": ["/api/search?" + urlencode({"q": q}) for q in searches],
    }


async def synergy_targets(client: httpx.AsyncClient) -> dict[str, list[str]]:
    body = (await client.get("/api/synergies")).json()
    ids = [s["id"] for s in body["curated"]] + [s["id"] for s in body["discovered"]]
    return {
        "compare page": ["/compare?lang=en", "/compare?lang=nl"],
        "synergy page": [f"/synergies/{i}?lang={lang}" for i in ids for lang in ("en", "nl")],
    }


DEFAULT_SCENARIOS = ("actor page", "profile API", "search API")
SCENARIOS = (*DEFAULT_SCENARIOS, "compare page", "synergy page")


async def main_async(args: argparse.Namespace) -> int:
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    timeout = httpx.Timeout(30.0)
    clients = [httpx.AsyncClient(base_url=args.url, limits=limits, timeout=timeout, trust_env=False)
               for _ in range(args.connections)]
    try:
        client = clients[0]
        health = (await client.get("/healthz")).json()
        print(f"target {args.url}  dataset {health['dataset']} {health['version']}  "
              f"hash {health['content_hash'][:12]}  connections {args.connections}  requests/scenario "
              f"{args.requests}")
        chosen = args.scenario or list(DEFAULT_SCENARIOS)
        urls = await targets(client, args)
        if {"compare page", "synergy page"} & set(chosen):
            urls.update(await synergy_targets(client))
        urls = {name: urls[name] for name in chosen}
        print(HEADER)
        bad = 0
        for name, group in urls.items():
            cold = await run(clients, f"{name} (cold)", group, len(group), min(args.connections, len(group)),
                             args.max_seconds)
            print(cold.line())
            warm = await run(clients, name, group, args.requests, args.connections, args.max_seconds)
            print(warm.line())
            bad += warm.errors + cold.errors
            if warm.statuses.keys() - {200}:
                print(f"  statuses: {warm.statuses}")
        return 1 if bad else 0
    finally:
        for c in clients:
            await c.aclose()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url", default="http://127.0.0.1:8000", help="Base URL of a running server (loopback).")
    ap.add_argument("--connections", type=int, default=50)
    ap.add_argument("--requests", type=int, default=3000, help="Requests per scenario.")
    ap.add_argument("--max-seconds", type=float, default=120.0, help="Stop a scenario after this long.")
    ap.add_argument("--serve", action="store_true", help="Start `stackatlas serve` on a free port first.")
    ap.add_argument("--data", type=Path, help="With --serve: the dataset folder to serve (default: bundled).")
    ap.add_argument("--db", type=Path, help="With --serve: the DuckDB file to serve (default: the dataset's).")
    ap.add_argument("--actors", type=int, default=500, help="Organisation pages to visit (spread over the list).")
    ap.add_argument("--pair", nargs=2, metavar=("A", "B"), help="Places of the profile scenario (default: the "
                    "dataset's compare pair) with their municipalities.")
    ap.add_argument("--search-terms", choices=("auto", "fixed", "data"), default="auto",
                    help="fixed: the list in this file; data: names of the served dataset with typos; auto: "
                    "fixed when the dataset knows most of its names, else data.")
    ap.add_argument("--scenario", action="append", choices=SCENARIOS,
                    help=f"A scenario to run (repeatable; default: {', '.join(DEFAULT_SCENARIOS)}).")
    args = ap.parse_args()
    if not 1 <= args.connections <= 500 or not 1 <= args.requests <= 100_000 or not 1 <= args.actors <= 10_000:
        raise SystemExit("--connections must be 1..500, --requests 1..100000 and --actors 1..10000")
    proc = None
    if args.serve:
        port = free_port()
        args.url = f"http://127.0.0.1:{port}"
        exe = Path(sys.executable).with_name("stackatlas")
        where = [*(["--data", str(args.data)] if args.data else []), *(["--db", str(args.db)] if args.db else [])]
        proc = subprocess.Popen([str(exe), "serve", "--host", "127.0.0.1", "--port", str(port), "--no-access-log",
                                 *where],
                                env={**os.environ}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + float(os.environ.get("LOAD_START_SECONDS", "120"))
        while True:
            try:
                if httpx.get(args.url + "/healthz", timeout=1, trust_env=False).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                raise SystemExit("the server did not start")
            time.sleep(0.2)
        waited = time.monotonic()  # the warm-up (analyses, templates) of a served build; /healthz says when done
        limit = waited + float(os.environ.get("LOAD_WARMUP_SECONDS", "300"))
        while not httpx.get(args.url + "/healthz", timeout=30, trust_env=False).json().get("warm"):
            if time.monotonic() > limit or proc.poll() is not None:
                break
            time.sleep(0.5)
        print(f"server warm-up: {time.monotonic() - waited:.1f} s")
    loopback_only(args.url)
    try:
        try:
            import uvloop  # a faster event loop for the load generator, when installed

            return int(uvloop.run(main_async(args)))
        except ImportError:
            return asyncio.run(main_async(args))
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


if __name__ == "__main__":
    sys.exit(main())
