"""Numbers, shares, amounts, dates and lists in Dutch and English, the same for the web and the briefings."""

from __future__ import annotations

from typing import Any, cast

import pytest

from stackatlas.present import formats
from stackatlas.present.texts import Words
from stackatlas.web.present import View

SAMPLES: list[Any] = [0, 7, 1234, 1234567, 0.5, 2.5, 3.5, 1234.5678, 0.0049, 99.999, -12.25, 1e9 + 0.5, None,
                      float("nan"), float("inf")]


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_web_and_briefing_write_numbers_alike(lang: str) -> None:
    view, words = View(cast(Any, None), lang), Words(lang)
    for v in SAMPLES:
        for digits in (0, 1, 2, 3):
            assert view.num(v, digits) == words.num(v, digits) == formats.number(v, lang=lang, digits=digits)
        assert view.pct(v if v is None or not isinstance(v, (int, float)) else v / 100) == \
            words.pct(v if v is None or not isinstance(v, (int, float)) else v / 100)
        assert view.value(v) == words.value(v)
        assert view.value(v, "year") == words.value(v, "year")


def test_separators_swap_between_the_languages() -> None:
    assert formats.number(1234567.891, lang="nl") == "1.234.567,89"
    assert formats.number(1234567.891, lang="en") == "1,234,567.89"
    assert formats.number(1234567, lang="nl") == "1.234.567"  # an int never gets decimals
    assert formats.number(1234567.0, lang="nl", digits=0) == "1.234.567"
    assert formats.number(0.125, lang="en", digits=2) == "0.12"  # the binary value of 0.125 rounds to even
    assert formats.percent(0.5, lang="nl", digits=1) == "50,0%"
    assert formats.interval(1.0, 2.345, lang="nl", digits=1) == "1,0–2,3"
    assert formats.count(3.0, lang="en") == "3" and formats.count(2.25, lang="nl") == "2,2"


def test_missing_numbers_are_a_dash_and_missing_amounts_empty() -> None:
    for v in (None, float("nan"), float("-inf")):
        assert formats.number(v, lang="nl") == formats.count(v, lang="en") == formats.DASH
        assert formats.percent(v, lang="en") == formats.indicator_value(v, lang="nl") == formats.DASH
        assert formats.amount(v, lang="nl", currency="EUR") == ""


def test_indicator_values_keep_what_was_given() -> None:
    assert formats.indicator_value(1998.0, lang="nl", unit="year") == "1998"
    assert formats.indicator_value(1998.0, lang="nl") == "1.998"
    assert formats.indicator_value(0.40, lang="nl") == "0,4"
    assert formats.indicator_value(12.345, lang="en") == "12.35"
    assert formats.indicator_value(150.25, lang="en") == "150.2"


def test_amounts_abbreviate_millions_and_billions() -> None:
    assert formats.amount(1.5e9, lang="nl", currency="EUR") == "EUR 1,5 mld"
    assert formats.amount(1.5e9, lang="en", currency="EUR") == "EUR 1.5 bn"
    assert formats.amount(2_340_000, lang="nl", currency="USD") == "USD 2,3 mln"
    assert formats.amount(999_999, lang="en", currency=None) == "999,999"
    view = View(cast(Any, None), "nl")
    assert view.amount({"value": 1.5e9, "currency": "EUR"}) == "EUR 1,5 mld"
    assert view.amount({"value": None, "currency": "EUR"}) == view.amount(None) == ""


def test_dates_of_each_precision() -> None:
    assert formats.date("2023", lang="nl", long=True) == "2023"
    assert formats.date("2023-10", lang="nl", long=True) == "oktober 2023"
    assert formats.date("2023-10-01", lang="en", long=True) == "1 October 2023"
    assert formats.date("2023-10-01", lang="en") == "2023-10-01"
    assert formats.date("Q3 2023", lang="en", long=True) == "Q3 2023"  # not ISO: as it is
    assert formats.period("2020", None, lang="nl") == "2020–"


def test_lists_in_words() -> None:
    assert formats.join(["a"], lang="nl") == "a"
    assert formats.join(["a", "b", "c"], lang="nl") == "a, b en c"
    assert formats.join(["a", "b", "c"], lang="en") == "a, b and c"
