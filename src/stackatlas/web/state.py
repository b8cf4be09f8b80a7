"""The database behind the web app, reopened safely when the dataset is rebuilt while serving.

``stackatlas build`` replaces the database file atomically (a new file renamed over the old one). A
DuckDB process keeps **one database instance per file path**: connecting again to the same path while a
connection is open returns the old instance, i.e. the old file. So each version of the file (a
*generation*) is opened under a path of its own: a hard link (or, where links are impossible, a copy)
of the file in a private folder. A request takes the current generation, works on a cursor of it and
releases it; when a newer file appears (another inode, mtime or size), new requests get a new
generation while the requests in flight finish on the old one, which is closed (and its link removed)
when the last of them releases it.

Every generation has its own memo: results (query results, analyses, rendered pages) are cached per
generation, so a rebuild never serves stale data and the caches are keyed by the content hash.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import shutil
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import duckdb

from .._sql import literal
from ..atlas import Atlas
from . import _asof

__all__ = ["PAGE_THREADS", "Generation", "Memo", "Store"]

T = TypeVar("T")


class Memo:
    """A bounded, thread-safe LRU cache with one computation per key at a time (no stampede).

    Bounded by ``size`` entries and, when ``max_bytes`` is given, by the sum of ``weigh(key, value)`` over
    its entries (least recently used entries go first; a value heavier than the budget is not kept).
    """

    def __init__(self, size: int = 4096, *, max_bytes: int | None = None,
                 weigh: Callable[[Any, Any], int] | None = None) -> None:
        self.size = size
        self.max_bytes = max_bytes
        self._weigh = weigh if max_bytes is not None else None
        self._weights: dict[Any, int] = {}
        self.bytes = 0
        self._data: OrderedDict[Any, Any] = OrderedDict()
        self._lock = threading.Lock()
        self._key_locks: dict[Any, threading.Lock] = {}
        self.hits = 0
        self.misses = 0

    def get(self, key: Any, compute: Callable[[], T]) -> T:
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                self.hits += 1
                return self._data[key]  # type: ignore[no-any-return]
            klock = self._key_locks.setdefault(key, threading.Lock())
        with klock:
            with self._lock:  # computed by another thread meanwhile?
                if key in self._data:
                    self.hits += 1
                    return self._data[key]  # type: ignore[no-any-return]
            try:
                value = compute()
            except BaseException:
                with self._lock:
                    self._key_locks.pop(key, None)
                raise
            with self._lock:
                self.misses += 1
                self._store(key, value)
                self._key_locks.pop(key, None)
        return value

    def _store(self, key: Any, value: Any) -> None:
        """Insert (under ``_lock``) and evict down to the bounds."""
        if self._weigh is not None:
            w = self._weigh(key, value)
            self.bytes -= self._weights.pop(key, 0)
            if self.max_bytes is not None and w > self.max_bytes:
                self._data.pop(key, None)
                return
            self._weights[key] = w
            self.bytes += w
        self._data[key] = value
        self._data.move_to_end(key)
        while len(self._data) > self.size or (self.max_bytes is not None and self.bytes > self.max_bytes):
            old, _ = self._data.popitem(last=False)
            self.bytes -= self._weights.pop(old, 0)

    def peek(self, key: Any) -> Any:
        """The value of ``key`` or None (without computing anything)."""
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                self.hits += 1
                return self._data[key]
        return None

    def put(self, key: Any, value: Any) -> None:
        with self._lock:
            self._store(key, value)

    def __len__(self) -> int:
        return len(self._data)


#: DuckDB threads for the queries of pages and the JSON API: one. A page runs a few small queries; with a
#: pool of threads each of them pays for waking the pool, and concurrent requests compete for it. With one
#: thread per query the requests run side by side on the cores instead (docs/security.md, "The cold actor
#: page"). The analyses run on an instance of their own with every core (:meth:`Generation.engine`).
PAGE_THREADS = 1


class Generation:
    """One version of the database file, opened read-only under a path of its own."""

    def __init__(self, source: Path, link: Path, identity: tuple[int, int, int], data: Path,
                 number: int, memo_size: int, response_bytes: int = 64 << 20) -> None:
        self.source = source
        self.link = link
        self.identity = identity
        self.data = data
        self.number = number
        self.con = duckdb.connect(str(link), read_only=True)
        # a setting of the instance (a config at connect would refuse other connections to the file without it)
        self.con.execute(f"SET threads = {int(PAGE_THREADS)}")
        self._analysis_con: duckdb.DuckDBPyConnection | None = None
        self.meta: dict[str, str] = dict(self.con.execute("SELECT key, value FROM meta").fetchall())
        self.content_hash = self.meta.get("content_hash", "")
        self.memo = Memo(memo_size)
        # whole responses (see web._middleware.ResponseCache), bounded in entries and in bytes (key + body)
        self.responses = Memo(max(16, memo_size // 4), max_bytes=response_bytes, weigh=_response_weight)
        # few but large intermediate results (the corridor inputs of synergy discovery, per pair of places);
        # fill only while holding ``analysis_lock`` (lock order: analysis_lock, then a key of this memo)
        self.inputs = Memo(8)
        self.analysis_lock = threading.RLock()
        # the web index (see web.index): a DuckDB file of its own next to the link, attached as ``web``
        self.index_path = link.with_name(link.stem + ".web.duckdb")
        self._index_lock = threading.Lock()
        self._index_ready = False
        self._engine: Any = None
        #: the warm-up (:mod:`stackatlas.web._warmup`) has computed the expensive analyses (``/healthz``)
        self.warm = False
        self._users = 0
        self._retired = False
        self._lock = threading.Lock()

    # -- lifetime ------------------------------------------------------------------------------------
    def acquire(self) -> None:
        with self._lock:
            self._users += 1

    def release(self) -> None:
        with self._lock:
            self._users -= 1
            done = self._retired and self._users <= 0
        if done:
            self._close()

    def retire(self) -> None:
        with self._lock:
            self._retired = True
            done = self._users <= 0
        if done:
            self._close()

    def _close(self) -> None:
        with contextlib.suppress(Exception):
            self.con.close()
        if self._analysis_con is not None:
            with contextlib.suppress(Exception):
                self._analysis_con.close()
        with contextlib.suppress(FileNotFoundError):
            self.link.unlink()
        for p in (self.index_path, self.index_path.with_name(self.index_path.name + ".wal")):
            with contextlib.suppress(FileNotFoundError):
                p.unlink()

    # -- access --------------------------------------------------------------------------------------
    def atlas(self) -> Atlas:
        """An :class:`~stackatlas.atlas.Atlas` on a fresh cursor (one per request: cursors are not shared
        between threads)."""
        atlas = Atlas(self.data, self.link)
        atlas._con = self.con.cursor()
        return atlas

    def index(self, build: Callable[[duckdb.DuckDBPyConnection], None]) -> None:
        """Make sure the web index of this generation exists: ``build(cursor)`` runs once (the first caller
        builds it, the others wait), on a file attached to the connection as ``web`` (written once, then
        only read; it is removed with the generation)."""
        if self._index_ready:
            return
        with self._index_lock:
            if self._index_ready:
                return
            for p in (self.index_path, self.index_path.with_name(self.index_path.name + ".wal")):
                with contextlib.suppress(FileNotFoundError):
                    p.unlink()
            cur = self.con.cursor()
            try:
                cur.execute(f"ATTACH {literal(str(self.index_path))} AS web (READ_WRITE)")
                build(cur)
                cur.execute("CHECKPOINT web")
            except BaseException:
                with contextlib.suppress(Exception):
                    cur.execute("DETACH web")
                raise
            finally:
                cur.close()
            self._index_ready = True

    def engine(self) -> Any:
        """The Ibis engine of this generation (one per generation; use under ``analysis_lock``); for a request
        with ``?as_of=`` (:mod:`._asof`) the engine as of that date (one per date, kept in the memo), after
        recording the request's sentence on undated facts."""
        with self.analysis_lock:
            if self._engine is None:
                from ..analysis import duckdb_engine

                # an instance of its own (the file attached read-only): every core, while pages use one each
                con = duckdb.connect(":memory:")
                con.execute(f"ATTACH {literal(str(self.link))} AS atlas (READ_ONLY)")
                con.execute("USE atlas")
                self._analysis_con = con
                self._engine = duckdb_engine(con)
            as_of = _asof.current()
            if as_of is None:
                return self._engine
            dated = self.memo.get(("engine_at", as_of), lambda: self._engine.at(as_of))
            from ..timeframe import undated_note

            _asof.set_note(undated_note(dated.as_of, dated.undated()))
            return dated

    def cached(self, key: Any, compute: Callable[[], T]) -> T:
        return self.memo.get(key, compute)

    def analysis(self, key: Any, compute: Callable[[Any], T]) -> T:
        """Run ``compute(engine)`` once per key (analyses share one Ibis backend, so they run one at a time)."""
        def run() -> T:
            with self.analysis_lock:
                return compute(self.engine())
        as_of = _asof.current()
        if as_of is not None:
            self.engine()  # checks the date and records the request's note even when the result is cached
            return self.memo.get(("analysis", ("as_of", as_of), key), run)
        return self.memo.get(("analysis", key), run)


def _response_weight(key: Any, value: Any) -> int:
    """The bytes a cached response holds: its key (path, query string, language), headers and body, plus a
    fixed allowance for the Python objects around them."""
    path, qs, lang = key
    _status, headers, body = value
    return 400 + len(path) + len(qs) + len(lang) + len(body) + sum(len(k) + len(v) + 64 for k, v in headers)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def _identity(path: Path) -> tuple[int, int, int]:
    st = path.stat()
    return (st.st_ino, st.st_mtime_ns, st.st_size)


class Store:
    """Hands out the current :class:`Generation` of a database file and notices when it is replaced."""

    def __init__(self, db: Path, data: Path, *, memo_size: int = 4096, check_every: float = 0.0,
                 response_bytes: int = 64 << 20) -> None:
        self.db = Path(db).resolve()
        self.data = Path(data).resolve()
        self.memo_size = memo_size
        self.response_bytes = response_bytes
        self.check_every = check_every
        self._counter = itertools.count(1)
        self._lock = threading.Lock()
        self._dir = self._make_dir()
        self._current: Generation | None = None
        self._last_check = 0.0
        self.reloads = 0
        self._current = self._open()

    def _make_dir(self) -> Path:
        """A private folder next to the database (same file system: hard links work), named after this
        process; folders left by processes that died without cleaning up are removed."""
        prefix = f".{self.db.name}.serve-"
        for old in self.db.parent.glob(prefix + "*"):
            pid = old.name[len(prefix):].split("-", 1)[0]
            if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
                shutil.rmtree(old, ignore_errors=True)
        try:
            return Path(tempfile.mkdtemp(prefix=f"{prefix}{os.getpid()}-", dir=self.db.parent))
        except OSError:
            return Path(tempfile.mkdtemp(prefix="stackatlas-serve-"))

    def _open(self) -> Generation:
        """Open the file now at ``db`` under a new path (hard link, or copy of the same open file)."""
        number = next(self._counter)
        link = self._dir / f"g{number}.duckdb"
        try:
            os.link(self.db, link)
        except OSError:
            with open(self.db, "rb") as src, open(link, "wb") as dst:  # one inode, even if replaced meanwhile
                shutil.copyfileobj(src, dst)
        return Generation(self.db, link, _identity(link), self.data, number, self.memo_size,
                          self.response_bytes)

    def _stale(self, gen: Generation) -> bool:
        try:
            return _identity(self.db) != gen.identity
        except FileNotFoundError:  # between builds there is always a file (os.replace); keep serving
            return False

    def current(self) -> Generation:
        """The generation to use for a new request (reopening when the file was replaced)."""
        import time

        gen = self._current
        assert gen is not None
        now = time.monotonic()
        if self.check_every and now - self._last_check < self.check_every:
            return gen
        self._last_check = now
        if not self._stale(gen):
            return gen
        with self._lock:
            gen = self._current
            assert gen is not None
            if self._stale(gen):
                try:
                    new = self._open()
                except (OSError, duckdb.Error):  # a half-visible file cannot happen, but never fail a request
                    return gen
                self._current = new
                self.reloads += 1
                gen.retire()
                gen = new
        return gen

    @contextlib.contextmanager
    def use(self) -> Iterator[Generation]:
        """The current generation, held for the duration of a request."""
        while True:
            gen = self.current()
            gen.acquire()
            if not gen._retired:
                break
            gen.release()  # retired between current() and acquire(): take the new one
        try:
            yield gen
        finally:
            gen.release()

    def close(self) -> None:
        with self._lock:
            if self._current is not None:
                self._current.retire()
                self._current = None
        shutil.rmtree(self._dir, ignore_errors=True)
