"""The Parquet exchange: the compiled database as one folder of Parquet files per table.

``stackatlas export parquet -o DIR`` (:func:`export_parquet`) writes every table of
:data:`stackatlas.store.SCHEMA` with DuckDB's ``COPY ... (FORMAT parquet)`` to ``DIR/<table>/part-0.parquet``
(same columns, same order as the database; types in ``docs/database.md``, "The Parquet exchange") and a
manifest ``DIR/_stackatlas.json`` (stackatlas and schema version, dataset, rows per table). Spark reads a
table with ``spark.read.parquet("DIR/<table>")`` and the analyses run there
(:func:`stackatlas.engine.parquet_engine`); any other engine reads the same files.

Writing is atomic: the tables go to a new folder next to ``DIR`` that replaces it only when complete, so
a failed export leaves a previous export as it was. A ``DIR`` that exists but is not an export (no
manifest) is refused rather than replaced.

>>> import tempfile, stackatlas
>>> atlas = stackatlas.open(data=stackatlas.fixture_path())
>>> with tempfile.TemporaryDirectory() as tmp:
...     done = export_parquet(atlas.con, Path(tmp) / "x")
...     done.rows["layers"], (done.path / "actors" / "part-0.parquet").is_file()
(7, True)
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from ._sql import literal
from ._version import __version__
from .errors import StackAtlasError
from .store import SCHEMA

__all__ = ["MANIFEST", "ParquetExport", "export_parquet"]

MANIFEST = "_stackatlas.json"
"""The manifest file of an export (a leading ``_``: Spark and Hive skip it when listing a folder)."""


@dataclass
class ParquetExport:
    """What :func:`export_parquet` wrote: the folder, rows per table and bytes on disk."""

    path: Path
    rows: dict[str, int] = field(default_factory=dict)
    bytes: int = 0


def export_parquet(con: duckdb.DuckDBPyConnection, output: Path | str, *,
                   compression: str = "zstd", row_group_size: int = 122_880) -> ParquetExport:
    """Write every table of the database ``con`` to ``output/<table>/part-0.parquet``, atomically.

    ``compression`` is one of DuckDB's Parquet codecs (zstd, snappy, gzip, uncompressed); ``row_group_size``
    the rows per row group (DuckDB's default; Spark splits work by row group). Raises
    :class:`~stackatlas.errors.StackAtlasError` when ``output`` exists and is not an export.
    """
    if compression not in ("zstd", "snappy", "gzip", "uncompressed"):
        raise StackAtlasError(f"unknown Parquet compression {compression!r}: zstd, snappy, gzip or uncompressed")
    target = Path(output).resolve()
    if target.exists() and (not target.is_dir() or (any(target.iterdir()) and not (target / MANIFEST).is_file())):
        raise StackAtlasError(f"{target}: exists and is not a stackatlas Parquet export; choose another folder")
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".writing", dir=target.parent))
    try:
        done = ParquetExport(target)
        for table in SCHEMA:
            folder = tmp / table
            folder.mkdir()
            dest = literal(str(folder / "part-0.parquet"))
            con.execute(f"COPY \"{table}\" TO {dest} (FORMAT parquet, COMPRESSION {compression}, "
                        f"ROW_GROUP_SIZE {int(row_group_size)})")
            done.rows[table] = int(con.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0])  # type: ignore[index]
        meta = dict(con.execute("SELECT key, value FROM meta").fetchall())
        manifest = {"format": "stackatlas-parquet", "stackatlas": __version__, "schema_version": meta.get("schema_version"),
                    "dataset": meta.get("id"), "content_hash": meta.get("content_hash"), "tables": done.rows}
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        done.bytes = sum(f.stat().st_size for f in tmp.rglob("*") if f.is_file())
        _swap(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return done


def _swap(new: Path, target: Path) -> None:
    """Put the folder ``new`` at ``target``; an old export there is moved aside first and then removed."""
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.{os.getpid()}.old")
        os.replace(target, old)
    try:
        os.replace(new, target)
    except BaseException:
        if old is not None:
            with contextlib.suppress(OSError):
                os.replace(old, target)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
