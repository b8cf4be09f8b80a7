import pytest
from pydantic import ValidationError

from stackatlas.dataset import model as m


@pytest.mark.parametrize("text,expected", [("2025", (2025, 1, 1)), ("2025-12", (2025, 12, 1)),
                                           ("2025-12-17", (2025, 12, 17))])
def test_parse_date(text: str, expected: tuple[int, int, int]) -> None:
    assert m.parse_date(text) == expected


@pytest.mark.parametrize("text", ["25", "2025-13", "2025-02-30", "17-12-2025", "2025/12"])
def test_bad_dates(text: str) -> None:
    with pytest.raises(ValueError):
        m.parse_date(text)


def test_text_needs_a_language() -> None:
    with pytest.raises(ValidationError):
        m.Text.model_validate({})
    assert m.Text(nl="hallo").get("en") == "hallo"


def test_actor_rejects_unknown_keys_and_bad_country() -> None:
    base = {"id": "a", "name": "A", "kind": "company", "hq": "x", "layers": [{"layer": "ai"}]}
    with pytest.raises(ValidationError) as exc:
        m.Actor.model_validate({**base, "colour": "red", "control_country": "XX"})
    kinds = {e["type"] for e in exc.value.errors()}
    assert "extra_forbidden" in kinds and "value_error" in kinds


def test_actor_needs_a_layer() -> None:
    with pytest.raises(ValidationError):
        m.Actor.model_validate({"id": "a", "name": "A", "kind": "company", "hq": "x", "layers": []})


def test_relation_ends_differ_and_stakes_ordered() -> None:
    with pytest.raises(ValidationError):
        m.Relation.model_validate({"id": "r", "type": "investment", "from": "a", "to": "a"})
    with pytest.raises(ValidationError):
        m.Relation.model_validate({"id": "r", "type": "investment", "from": "a", "to": "b",
                                   "stake_min": 20, "stake_max": 10})


def test_ids_are_slugs() -> None:
    with pytest.raises(ValidationError):
        m.Source.model_validate({"id": "Not A Slug", "title": "t", "type": "report"})
