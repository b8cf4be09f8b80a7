"""The read API: filters, the compare pair and the engine."""

from __future__ import annotations

import pytest

from stackatlas.atlas import Atlas
from stackatlas.errors import AnalysisError, NotFound


@pytest.mark.parametrize("q", ["%", "_", "\\", "%%", "a_s_m_l"])
def test_text_filter_takes_like_wildcards_literally(atlas: Atlas, q: str) -> None:
    assert atlas.actors(q=q).empty


def test_text_filter_still_matches_parts_of_names_ids_and_aliases(atlas: Atlas) -> None:
    ids = set(atlas.actors(q="asm")["id"])
    assert "asml" in ids
    assert set(atlas.actors(q="ASM")["id"]) == ids  # case-insensitive


def test_compare_pair(atlas: Atlas) -> None:
    assert atlas.compare_pair() == ("mra", "brainport")
    assert atlas.compare_pair("amsterdam") == ("amsterdam", "brainport")
    with pytest.raises(NotFound):
        atlas.compare_pair("atlantis")
    with pytest.raises(AnalysisError, match="must differ"):
        atlas.compare_pair("mra", "mra")


def test_engine_is_made_once(atlas: Atlas) -> None:
    assert atlas.engine() is atlas.engine()
    assert atlas.engine().name == "duckdb"
