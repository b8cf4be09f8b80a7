"""The web atlas's language helpers, kept under this name for the web: the texts and the mechanism live in
:mod:`stackatlas.present.texts` (``TEXTS`` here is its :data:`~stackatlas.present.texts.WEB` table).

>>> translator("en")("home"), translator("nl")("home")
('Overview', 'Overzicht')
"""

from __future__ import annotations

from .texts import LANGS, WEB, name, translator

__all__ = ["LANGS", "TEXTS", "name", "translator"]

TEXTS = WEB
