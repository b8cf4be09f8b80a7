"""The Dutch/English catalogue: complete pairs with the same fields, one look-up mechanism."""

from __future__ import annotations

import string

import pytest

from stackatlas.present import i18n, texts
from stackatlas.web._lang import decide


def _fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


@pytest.mark.parametrize("table", [texts.WEB, texts.REPORT], ids=["web", "report"])
def test_every_text_has_both_languages_with_the_same_fields(table: dict[str, tuple[str, str]]) -> None:
    assert len(table) > 100
    for key, (nl, en) in table.items():
        assert nl.strip() and en.strip(), key
        assert _fields(nl) == _fields(en), key


def test_translator_looks_up_and_fills_in() -> None:
    nl, en = texts.translator("nl"), texts.translator("en")
    assert nl("home") == "Overzicht" and en("home") == "Overview"
    assert en("and_more", n=3) == "and 3 more:"
    assert en("unknown-key") == "unknown-key"
    strict = texts.translator("nl", texts.REPORT, strict=True)
    assert strict("sec_summary") == "Samenvatting"
    with pytest.raises(KeyError):
        strict("home")


def test_the_web_keeps_its_names() -> None:
    assert i18n.translator is texts.translator and i18n.name is texts.name and i18n.TEXTS is texts.WEB
    assert decide(b"", "lang=nl", "en") == "nl"  # the one language decision (web._lang)


def test_words_of_the_briefing() -> None:
    w = texts.Words("nl")
    assert w("place_title", p="Brainport") == "Brainport op de Digitale Stack"
    assert w.pick("ja", "yes") == "ja" and w.plural(1, "laag", "lagen") == "laag"
    with pytest.raises(KeyError):
        w("home")  # a web text, not a briefing's
    with pytest.raises(ValueError):
        texts.Words("de")


def test_names_fall_back_on_the_other_language_then_the_id() -> None:
    rec = {"id": "ai", "name_nl": "AI-modellen", "name_en": None, "note_en": "only English"}
    assert texts.name(rec, "en") == "AI-modellen"
    assert texts.name({"id": "ai"}, "nl") == "ai"
    assert texts.name({"id": "ai"}, "nl", default="–") == "–"  # a default replaces the id
    assert texts.Words("nl").name(rec, "note") == "only English"
    assert texts.Words("nl").name({"id": "ai"}, "note") == ""
