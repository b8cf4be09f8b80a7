"""Warming up a database generation: its expensive analyses computed in a background thread ahead of the first
requests, stopped between steps when the generation is retired or the interpreter exits."""

from __future__ import annotations

import atexit
import gc
import logging
import threading
from collections.abc import Callable
from typing import Any

from ..errors import StackAtlasError
from . import _templates
from . import queries as Q
from .queries import actors, network, places, synergies
from .state import Generation, Store

__all__ = ["on_request", "warm"]

log = logging.getLogger("stackatlas.web")


def _warm_detail(gen: Generation, ident: str, a: str, b: str) -> None:
    if synergies.synergy_ref(gen, ident)["kind"] == "discovered":
        synergies.discovered_detail(gen, ident, a, b)


_STOP = threading.Event()                 # set at interpreter exit: warming threads stop between steps
_WARMERS: set[threading.Thread] = set()
_WARMERS_LOCK = threading.Lock()


class _Stopped(Exception):
    """Warming was asked to stop (the generation was retired or the interpreter is exiting)."""


def _stop_warmers(timeout: float = 300.0) -> None:
    """Ask every warming thread to stop and wait for it to finish the step it is in.

    Registered with :mod:`atexit`: a daemon thread that is still inside DuckDB when the interpreter
    finalises is killed by a forced unwind through C++ frames, which aborts the process
    ("terminate called after throwing an instance of ''")."""
    _STOP.set()
    with _WARMERS_LOCK:
        threads = list(_WARMERS)
    for t in threads:
        t.join(timeout)


atexit.register(_stop_warmers)


def _start_warmer(gen: Generation) -> None:
    def run() -> None:
        try:
            warm(gen)
        finally:
            with _WARMERS_LOCK:
                _WARMERS.discard(threading.current_thread())

    t = threading.Thread(target=run, daemon=True, name=f"warm-{gen.number}")
    with _WARMERS_LOCK:
        _WARMERS.add(t)
    t.start()


def warm(gen: Generation) -> None:
    """Compute the expensive analyses of a generation ahead of the first requests (in a thread).

    Between steps it stops when the generation has been retired (a newer build is served, or the app
    shut down) or the interpreter is exiting."""
    def step(fn: Any, *args: Any) -> Any:
        if gen._retired or _STOP.is_set():
            raise _Stopped
        return fn(*args)

    gen.acquire()
    try:
        step(_templates.compile_all)
        step(Q.ready, gen)  # the web index (a few seconds at a million actors)
        lk = step(Q.lookups, gen)
        a, b = lk.compare
        for level in places.PROFILE_LEVELS:
            step(places.profile_table, gen, level)
        pair = a in lk.place and b in lk.place and a != b
        step(actors.actor_facets, gen, {})
        step(Q.stats, gen)
        if pair:
            step(places.layer_counts, gen, a)
            step(places.layer_counts, gen, b)
            step(network.map_data, gen, a, b)
            step(synergies.synergies, gen, a, b)
            step(network.bridges, gen, a, b)
            # with the full bootstrap: the default pair is never computed on demand
            step(synergies.discovered, gen, a, b)
        step(network.integration, gen)
        step(network.sovereignty, gen)
        if pair and not network.graph_too_large(gen):
            # the synergy pages of the default pair: evidence, introductions, default guest list (on a very
            # large dataset each takes long: they are computed when first asked for instead)
            ids = [s["id"] for s in synergies.curated_list(gen)]
            ids += [c["id"] for c in synergies.discovered(gen, a, b)["items"][:synergies.DISCOVER_TOP]]
            for ident in ids:
                for fn in (_warm_detail, synergies.introductions_for, synergies.guests_for):
                    try:
                        step(fn, gen, ident, a, b)
                    except StackAtlasError:  # e.g. no organisation in a synergy's layers: the page says so
                        pass
        gc.collect()
        gc.freeze()  # the long-lived caches leave the collector's generations: no long pauses under load
        gen.warm = True
    except _Stopped:
        pass
    except Exception:  # pragma: no cover - warming is best effort; requests compute what is missing
        log.exception("warming the caches failed")
    finally:
        gen.release()


def on_request(store: Store) -> Callable[[], None]:
    """The hook the generation dependency calls on every request: it starts warming the generation being
    served the first time it sees it (one thread per generation)."""
    last: dict[str, int] = {"n": 0}
    lock = threading.Lock()

    def hook() -> None:
        gen = store._current
        if gen is None:
            return
        with lock:
            if last["n"] == gen.number:
                return
            last["n"] = gen.number
        _start_warmer(gen)

    return hook
