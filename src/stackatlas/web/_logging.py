"""The access log of the web atlas, bounded: one line per request with the URL cut to a fixed length and
control characters escaped, so that one client cannot fill a disk with long URLs (60 kB per line) or forge
log lines.

The CLI passes :func:`log_config` to ``uvicorn.run(..., log_config=log_config())``.
"""

from __future__ import annotations

import copy
import logging
from typing import Any

__all__ = ["MAX_LOGGED_URL", "TruncateURL", "log_config"]

#: Characters of a URL written to the access log (the rest is replaced by a note of its length).
MAX_LOGGED_URL = 256


def _clip(url: str, limit: int) -> str:
    r"""``url`` cut to ``limit`` characters, control characters escaped.

    >>> _clip("/a?" + "x" * 20, 8)
    '/a?xxxxx...[+15 chars]'
    >>> _clip("/a\nb", 80)
    '/a\\nb'
    """
    out = url if len(url) <= limit else f"{url[:limit]}...[+{len(url) - limit} chars]"
    if not out.isprintable():
        out = "".join(c if c.isprintable() else repr(c)[1:-1] for c in out)
    return out


class TruncateURL(logging.Filter):
    """A filter of uvicorn's access logger: the URL (third argument of its record) cut to ``max_url``."""

    def __init__(self, max_url: int = MAX_LOGGED_URL) -> None:
        super().__init__()
        self.max_url = max_url

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            record.args = (*args[:2], _clip(args[2], self.max_url), *args[3:])
        return True


def log_config(*, max_url: int = MAX_LOGGED_URL) -> dict[str, Any]:
    """uvicorn's logging configuration with :class:`TruncateURL` on the access log."""
    from uvicorn.config import LOGGING_CONFIG

    cfg = copy.deepcopy(LOGGING_CONFIG)
    cfg.setdefault("filters", {})["truncate_url"] = {"()": TruncateURL, "max_url": max_url}
    cfg["handlers"]["access"]["filters"] = ["truncate_url"]
    return cfg
