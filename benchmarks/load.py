"""A bounded load test of the web atlas: requests/s and latency percentiles per scenario.

Loopback only: the target must be 127.0.0.0/8, localhost or [::1]. Each scenario sends a fixed number of
requests over a fixed number of concurrent connections and stops by itself (and after ``--max-seconds``).

    .venv/bin/python benchmarks/load.py --serve              # start a server on a free port, then measure
    .venv/bin/python benchmarks/load.py --url http://127.0.0.1:8000 --connections 50 --requests 3000

Scenarios (on the bundled dataset): an organisation page (``/actors/{id}``, over every organisation), the
profile API (``/api/profile?place=...``, over regions and municipalities) and search (``/api/search``, over
names with and without typos); with ``--scenario`` also the compare page (``/compare``, the default pair in
both languages) and synergy pages (``/synergies/{id}``, the curated and the best discovered synergies of
the default pair, with introductions and guest list). Every distinct URL is requested once before
measuring (the "cold" line); the measured runs then show the steady state of a server whose caches are warm.

    .venv/bin/python benchmarks/load.py --serve --scenario "compare page" --scenario "synergy page"
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import ipaddress
import os
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

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


async def targets(client: httpx.AsyncClient) -> dict[str, list[str]]:
    actors = (await client.get("/api/actors", params={"limit": 500})).json()["items"]
    a, b = "mra", "brainport"
    places = [a, b]
    for region in (a, b):
        places += (await client.get(f"/api/places/{region}")).json()["municipalities"]
    return {
        "actor page": [f"/actors/{x['id']}" for x in actors],
        "profile API": [f"/api/profile?place={p}" for p in dict.fromkeys(places)],
        "search API": [f"/api/search?q={q}" for q in SEARCHES],
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
        urls = await targets(client)
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
    ap.add_argument("--scenario", action="append", choices=SCENARIOS,
                    help=f"A scenario to run (repeatable; default: {', '.join(DEFAULT_SCENARIOS)}).")
    args = ap.parse_args()
    if not 1 <= args.connections <= 500 or not 1 <= args.requests <= 100_000:
        raise SystemExit("--connections must be 1..500 and --requests 1..100000")
    proc = None
    if args.serve:
        port = free_port()
        args.url = f"http://127.0.0.1:{port}"
        exe = Path(sys.executable).with_name("stackatlas")
        proc = subprocess.Popen([str(exe), "serve", "--host", "127.0.0.1", "--port", str(port), "--no-access-log"],
                                env={**os.environ}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 120
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
        time.sleep(float(os.environ.get("LOAD_WARMUP_SECONDS", "5")))  # let the analyses precompute
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
