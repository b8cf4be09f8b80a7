"""Splink candidates for dedupe and linking: the Fellegi–Sunter model finds what the keys and names say."""

from __future__ import annotations

import pytest

from stackatlas.importers.dedupe import splink_candidates
from stackatlas.importers.linkage import link, records_table


def rec(ident: str, name: str, **kw: object) -> dict:
    return {"id": ident, "name": name, **kw}


RECS = [rec("asml", "ASML Holding N.V.", website="https://www.asml.com", hq="veldhoven"),
        rec("cb-asml", "ASML", website="http://asml.com/en", hq="veldhoven"),
        rec("adyen", "Adyen", tags=["kvk-34259528"], hq="amsterdam"),
        rec("adyen-bv", "Payments Co", tags=["kvk-34259528"]),
        rec("q1", "Alpha", wikidata="Q5"), rec("q2", "Omega", wikidata="Q5"),
        rec("mollie", "Mollie B.V.", hq="amsterdam"), rec("mollie-payments", "Mollie Payments", hq="amsterdam"),
        rec("li1", "Alpha Labs", website="https://www.linkedin.com/company/a"),
        rec("li2", "Beta Works", website="https://www.linkedin.com/company/b"),
        *[rec(f"o{i}", f"Org{i} Widgets{i % 50}", hq=f"p{i % 30}") for i in range(300)]]


@pytest.mark.slow  # about 2 s or more: `make test` runs it, `make test-fast` does not
def test_dedupe_pairs_with_evidence() -> None:
    found = {(RECS[i]["id"], RECS[j]["id"]): (s, ev) for i, j, s, ev in splink_candidates(RECS)}
    assert found[("asml", "cb-asml")][0] >= 99 and "same website domain asml.com" in found[("asml", "cb-asml")][1]
    assert "same registry id kvk-34259528" in found[("adyen", "adyen-bv")][1]      # a key outweighs the names
    assert "same wikidata id Q5" in found[("q1", "q2")][1]
    assert ("mollie", "mollie-payments") in found                                  # words within, same city
    assert ("li1", "li2") not in found                                             # a shared host says nothing
    assert not [k for k in found if k[0].startswith("o") and k[1].startswith("o")]  # Org1/Org2: different


@pytest.mark.slow  # about 2 s or more: `make test` runs it, `make test-fast` does not
def test_link_two_sources_only_across() -> None:
    left_recs = RECS[:4] + RECS[10:]
    n = len(left_recs)
    right_recs = [rec("x", "ASML Holding", website="asml.com"), rec("y", "Adyen N.V.", hq="amsterdam"),
                  rec("z", "Zephyr Payments"),
                  *[rec(f"f{i}", f"Firm{i} Gadgets{i % 40}", hq=f"p{i % 30}") for i in range(300)]]
    pairs = {(r["i"], r["j"]) for r in link(records_table(left_recs), records_table(right_recs, offset=n),
                                            min_probability=0.5).to_pylist()}
    assert (0, n) in pairs and (2, n + 1) in pairs
    assert all(i < n <= j for i, j in pairs)      # link_only: never two records of one source
    assert not [p for p in pairs if p[1] == n + 2]
