"""Small SQL helpers shared by every floor that writes queries (atlas, web)."""

from __future__ import annotations

__all__ = ["like_pattern", "literal"]


def literal(text: str) -> str:
    """``text`` as a SQL string literal, for the statements that take no parameters (``ATTACH``, ``COPY``,
    file names in ``read_csv``/``read_parquet``): quotes doubled.

    >>> literal("it's")
    "'it''s'"
    """
    return "'" + text.replace("'", "''") + "'"


def like_pattern(text: str) -> str:
    r"""A LIKE pattern (for ``LIKE ... ESCAPE '\'``) that matches ``text`` anywhere, its ``%``, ``_`` and ``\``
    taken literally.

    >>> like_pattern("50%_off")
    '%50\\%\\_off%'
    >>> like_pattern("a\\b")
    '%a\\\\b%'
    """
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
