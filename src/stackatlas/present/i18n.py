"""The web atlas's language helpers, kept under this name for the web: the texts and the mechanism live in
:mod:`stackatlas.present.texts` (``TEXTS`` here is its :data:`~stackatlas.present.texts.WEB` table).

>>> translator("en")("home"), pick_lang(None, None, "nl-BE")
('Overview', 'nl')
"""

from __future__ import annotations

from .texts import LANGS, WEB, name, pick_lang, translator

__all__ = ["LANGS", "TEXTS", "name", "pick_lang", "translator"]

TEXTS = WEB
