"""Normalisers of imported values, with tricky inputs."""

from __future__ import annotations

import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from stackatlas.importers.normalise import (
    apply_unique,
    country_code,
    domain_of,
    fold,
    name_key,
    norm_date,
    norm_percent,
    norm_url,
    parse_amount,
    slugify,
    slugify_array,
)


@pytest.mark.parametrize(("text", "order", "expected"), [
    ("2021", "dmy", "2021"), ("2021.0", "dmy", "2021"), (" 2021-03 ", "dmy", "2021-03"),
    ("2021-3-5", "dmy", "2021-03-05"), ("2021/03/05", "dmy", "2021-03-05"), ("2021.03.05", "dmy", "2021-03-05"),
    ("2021-03-05T23:59:59+02:00", "dmy", "2021-03-05"), ("2021-03-05 00:00:00", "dmy", "2021-03-05"),
    ("05-03-2021", "dmy", "2021-03-05"), ("05/03/2021", "mdy", "2021-05-03"),
    ("25/12/2020", "mdy", "2020-12-25"),   # a day above 12 settles the order
    ("12/25/2020", "dmy", "2020-12-25"),
    ("3/2021", "dmy", "2021-03"), ("20210305", "dmy", "2021-03-05"),
    ("March 2021", "dmy", "2021-03"), ("mrt 2021", "dmy", "2021-03"), ("5 maart 2021", "dmy", "2021-03-05"),
    ("Mar 5th, 2021", "dmy", "2021-03-05"), ("1 Oktober 1999", "dmy", "1999-10-01"),
    ("Q4 2019", "dmy", "2019"), ("2019-H2", "dmy", "2019"), ("ca. 1890", "dmy", "1890"), ("circa 1890", "dmy", "1890"),
])
def test_dates(text: str, order: str, expected: str) -> None:
    assert norm_date(text, order) == expected


@pytest.mark.parametrize("text", ["", "  ", "n/a", "N.A.", "unknown", "Onbekend", "-"])
def test_missing_dates(text: str) -> None:
    assert norm_date(text) is None


@pytest.mark.parametrize(("text", "message"), [
    ("2021-02-30", "not a valid date"), ("2021-13", "month 13"), ("31/31/2021", "month 31"),
    ("0999", "out of range"), ("yesterday", "not a date"), ("2021-03-05-01", "not a date"),
    ("March 5 2021 2022", "not a date"),
])
def test_bad_dates(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        norm_date(text)


@pytest.mark.parametrize(("text", "default", "expected"), [
    ("$1.2M", None, (1_200_000.0, "USD")), ("US$ 1.2 million", None, (1_200_000.0, "USD")),
    ("EUR 3,5 mln", None, (3_500_000.0, "EUR")), ("€3,5 miljoen", None, (3_500_000.0, "EUR")),
    ("3,5 miljoen euro", None, (3_500_000.0, "EUR")), ("€ 2.500.000", None, (2_500_000.0, "EUR")),
    ("2,500,000 USD", None, (2_500_000.0, "USD")), ("1.234.567,89 EUR", None, (1_234_567.89, "EUR")),
    ("1,234,567.89", "USD", (1_234_567.89, "USD")), ("1,250", "EUR", (1250.0, "EUR")),
    ("1.250", "EUR", (1250.0, "EUR")), ("1.25", "EUR", (1.25, "EUR")), ("1.250M", "EUR", (1_250_000.0, "EUR")),
    ("£300k", None, (300_000.0, "GBP")), ("1.5bn", "USD", (1_500_000_000.0, "USD")),
    ("EUR 2 mld", None, (2_000_000_000.0, "EUR")), ("CHF 12m", None, (12_000_000.0, "CHF")),
    ("¥100M", None, (100_000_000.0, "JPY")), ("HK$10m", None, (10_000_000.0, "HKD")),
    ("10 000 000 SEK", None, (10_000_000.0, "SEK")), ("500", None, (500.0, None)),
    ("1’000’000 CHF".replace("’", "'"), None, (1_000_000.0, "CHF")),
])
def test_amounts(text: str, default: str | None, expected: tuple[float, str | None]) -> None:
    assert parse_amount(text, default) == expected


def test_amount_decimal_mark_can_be_forced() -> None:
    assert parse_amount("1.250", "EUR", decimal=".") == (1.25, "EUR")
    assert parse_amount("1,250", "EUR", decimal=",") == (1.25, "EUR")


@pytest.mark.parametrize("text", ["undisclosed", "n/a", "", "Not disclosed", "-"])
def test_missing_amounts(text: str) -> None:
    assert parse_amount(text, "EUR") is None


@pytest.mark.parametrize("text", ["-5M", "1-5M", "lots", "EUR 5 zillion", "1.2.3,4,5"])
def test_bad_amounts(text: str) -> None:
    with pytest.raises(ValueError):
        parse_amount(text, "EUR")


@pytest.mark.parametrize(("text", "code"), [
    ("NL", "NL"), ("nl", "NL"), ("NLD", "NL"), ("Netherlands", "NL"), ("the Netherlands", "NL"),
    ("The Netherlands", "NL"), ("Holland", "NL"), ("Nederland", "NL"), ("België", "BE"), ("BELGIUM", "BE"),
    ("Deutschland", "DE"), ("Germany", "DE"), ("DEU", "DE"), ("UK", "GB"), ("United Kingdom", "GB"),
    ("England", "GB"), ("U.S.A.", "US"), ("United States of America", "US"), ("Verenigde Staten", "US"),
    ("Côte d'Ivoire", "CI"), ("Cote d’Ivoire", "CI"), ("Ivory Coast", "CI"), ("Türkiye", "TR"), ("Turkey", "TR"),
    ("Korea, Republic of", "KR"), ("South Korea", "KR"), ("Czech Republic", "CZ"), ("Zürich", None),
])
def test_countries(text: str, code: str | None) -> None:
    if code is None:
        with pytest.raises(ValueError, match="unknown country"):
            country_code(text)
    else:
        assert country_code(text) == code


def test_country_extra_names_and_missing() -> None:
    assert country_code("Nederlandje", {"nederlandje": "NL"}) == "NL"
    assert country_code("n/a") is None
    with pytest.raises(ValueError):
        country_code("XX")


def test_names_and_slugs() -> None:
    assert name_key("ASML Holding N.V.") == name_key("asml") == "asml"
    assert name_key("Philips Electronics Nederland B.V.") == "philips electronics nederland"
    assert name_key("Société Générale S.A.") == "societe generale"
    assert name_key("Acme GmbH & Co. KG") == "acme"
    assert name_key("B.V.") == "b v"           # nothing but a legal form: kept
    assert fold("  Zoë  & Zürich ") == "zoe zurich"
    assert slugify("'s-Hertogenbosch") == "s-hertogenbosch"
    assert slugify("株式会社") == ""
    assert len(slugify("x" * 500)) == 80


@given(st.lists(st.one_of(st.none(), st.text(max_size=40)), max_size=30))
def test_slugify_array_equals_slugify(values: list[str | None]) -> None:
    arr = pa.array(values, pa.string())
    assert slugify_array(arr).to_pylist() == [None if v is None else slugify(v) for v in values]


def test_urls_and_domains() -> None:
    assert norm_url("mollie.com") == "https://mollie.com"
    assert norm_url("HTTPS://www.Adyen.com/en/") == "https://www.Adyen.com/en/"
    with pytest.raises(ValueError):
        norm_url("ftp://x.nl")
    with pytest.raises(ValueError):
        norm_url("not a website")
    with pytest.raises(ValueError):
        norm_url("localhost")
    assert domain_of("https://www.asml.com/en") == "asml.com"
    assert domain_of("asml.com") == "asml.com"
    assert norm_percent("12.5 %") == 12.5 and norm_percent("0,25", "fraction") == 25.0
    with pytest.raises(ValueError):
        norm_percent("120%")


def test_apply_unique_calls_once_per_distinct_value() -> None:
    calls: list[str] = []

    def fn(v: str) -> str:
        calls.append(v)
        if v == "bad":
            raise ValueError("bad value")
        return v.upper()

    vals, errs = apply_unique(pa.array(["a", "b", "a", None, "bad", "a"]), fn, pa.string())
    assert vals.to_pylist() == ["A", "B", "A", None, None, "A"]
    assert errs.to_pylist() == [None, None, None, None, "bad value", None]
    assert sorted(calls) == ["a", "b", "bad"]
