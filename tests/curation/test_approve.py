"""The approval pipeline: a minimal edit, validated, committed with the right people, rebuilt; conflicts and
invalid data write nothing; hand edits are kept; a kill -9 leaves the old or the new state."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from dulwich import porcelain
from dulwich.repo import Repo

from stackatlas.curation import Conflict, Proposals, approve, history, recover, reject, revert
from stackatlas.curation._errors import Forbidden
from stackatlas.dataset.loader import content_hash
from stackatlas.errors import InvalidData
from stackatlas.store import stored_hash

from .conftest import NEW_SOURCE, Team, new_actor


def _snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*.yaml"))
            if ".git" not in p.parts and ".stackatlas" not in p.parts}


def _head(root: Path) -> tuple[bytes, str, str, str]:
    with Repo(str(root)) as repo:
        c = repo[repo.head()]
        return (repo.head(), c.author.decode(), c.committer.decode(), c.message.decode())  # type: ignore[attr-defined]


def _clean(root: Path) -> bool:
    st = porcelain.status(str(root), untracked_files="all")
    return not (st.unstaged or st.untracked or any(st.staged.values()))


@pytest.mark.slow  # about a second: `make test` runs it, `make test-fast` does not
def test_approve_writes_commits_and_rebuilds(team: Team) -> None:
    before = _snapshot(team.root)
    p = Proposals(team.root).submit(author=team.editor, kind="actor", op="create", record=new_actor(),
                                    sources=[NEW_SOURCE], comment="a new lab")
    assert _snapshot(team.root) == before  # a proposal writes nothing
    done = approve(root=team.root, proposal_id=p.id, maintainer=team.maintainer, comment="ok", db=team.db)
    assert done.status == "approved" and done.reviewer == "max" and done.git_commit
    after = _snapshot(team.root)
    changed = {k for k in after if after[k] != before.get(k)}
    assert changed == {"actors/mra.yaml", "sources.yaml"}
    for k in changed:  # appended only: every old byte in place
        assert after[k].startswith(before[k])
    _sha, author, committer, message = _head(team.root)
    assert author.startswith("eve <") and committer.startswith("max <") and f"Proposal: #{p.id}" in message
    assert _clean(team.root)
    con = duckdb.connect(str(team.db), read_only=True)
    assert con.execute("SELECT name FROM actors WHERE id = 'new-lab'").fetchall() == [("New Lab",)]
    con.close()
    assert stored_hash(team.db) == content_hash(team.root)
    changes = history(team.root, kind="actor", ident="new-lab")
    assert [c.proposal for c in changes] == [p.id] and changes[0].approved_by == "max"


@pytest.mark.slow  # about 3 s or more: `make test` runs it, `make test-fast` does not
def test_a_proposal_must_cite_a_source_and_be_valid(team: Team) -> None:
    props = Proposals(team.root)
    with pytest.raises(InvalidData, match="cite at least one source"):
        props.submit(author=team.editor, kind="actor", op="create", record=new_actor(), sources=[])
    with pytest.raises(InvalidData) as exc:
        props.submit(author=team.editor, kind="actor", op="create", record=new_actor(hq="atlantis"),
                     sources=[{"source": "tech-corridor-2026", "locator": "p. 1"}])
    assert any(p.field == "hq" and "atlantis" in p.message and p.path.endswith(".yaml") and p.line > 0
               for p in exc.value.errors)
    with pytest.raises(InvalidData) as exc:
        props.submit(author=team.editor, kind="actor", op="create", record=new_actor(name=""),
                     sources=[{"source": "tech-corridor-2026", "locator": "p. 1"}])
    assert [p.field for p in exc.value.errors] == ["record.name"]
    with pytest.raises(Forbidden):
        props.submit(author=team.reader, kind="actor", op="create", record=new_actor(), sources=[NEW_SOURCE])
    assert props.find() == []


@pytest.mark.slow  # about 13 s or more: `make test` runs it, `make test-fast` does not
@pytest.mark.parametrize("ident", ["../../x", "../outside", "/etc/passwd", "a/b", "..", "X"])
def test_ids_cannot_point_outside_the_folder(team: Team, ident: str) -> None:
    outside = set(team.root.parent.iterdir())
    with pytest.raises(InvalidData):
        Proposals(team.root).submit(author=team.editor, kind="actor", op="create", record=new_actor(ident),
                                    sources=[NEW_SOURCE])
    with pytest.raises(InvalidData):
        Proposals(team.root).submit(author=team.editor, kind="actor", op="create", record=new_actor(),
                                    sources=[{**NEW_SOURCE, "id": ident}])
    assert set(team.root.parent.iterdir()) == outside


@pytest.mark.slow  # about 2 s or more: `make test` runs it, `make test-fast` does not
def test_conflicting_approvals_overwrite_nothing(team: Team) -> None:
    props = Proposals(team.root)
    asml = {"id": "asml", "name": "ASML", "kind": "company", "hq": "veldhoven",
            "sites": [{"place": "haarlemmermeer", "function": "logistics"}],
            "layers": [{"layer": "chips", "sublayer": "equipment-and-materials", "offering": "EUV lithography machines",
                        "role": "core"}], "domains": ["manufacturing"], "control_country": "NL",
            "website": "https://www.asml.com",
            "description": {"nl": "Enige maker van EUV-lithografiemachines.",
                            "en": "The only maker of EUV lithography machines."},
            "sources": [{"source": "tech-corridor-2026", "locator": "H.2 Laag 2"}]}
    cite = [{"source": "tech-corridor-2026", "locator": "H.2"}]
    a = props.submit(author=team.editor, kind="actor", op="update", record={**asml, "name": "ASML Holding"}, sources=cite)
    b = props.submit(author=team.editor, kind="actor", op="update", record={**asml, "founded": "1984"}, sources=cite)
    approve(root=team.root, proposal_id=a.id, maintainer=team.maintainer, db=team.db)
    snap, head = _snapshot(team.root), _head(team.root)
    with pytest.raises(Conflict, match="changed since the proposal"):
        approve(root=team.root, proposal_id=b.id, maintainer=team.maintainer, db=team.db)
    assert _snapshot(team.root) == snap and _head(team.root) == head
    assert props.get(b.id).status == "open"
    with pytest.raises(Conflict):  # approved already
        approve(root=team.root, proposal_id=a.id, maintainer=team.maintainer, db=team.db)


@pytest.mark.slow  # about 2 s or more: `make test` runs it, `make test-fast` does not
def test_hand_edits_are_kept_and_committed_apart(team: Team) -> None:
    p = Proposals(team.root).submit(author=team.editor, kind="actor", op="create", record=new_actor(),
                                    sources=[NEW_SOURCE])
    f = team.root / "actors" / "mra.yaml"
    f.write_text(f.read_text().replace("name: Adyen", "name: Adyen N.V."), encoding="utf-8")  # by hand, meanwhile
    approve(root=team.root, proposal_id=p.id, maintainer=team.maintainer, db=team.db)
    assert "name: Adyen N.V." in f.read_text() and "id: new-lab" in f.read_text()
    summaries = [c.summary for c in history(team.root)]
    assert summaries[0].startswith("Add actor new-lab") and summaries[1].startswith("Edits made by hand")
    assert _clean(team.root)


@pytest.mark.slow  # about a second: `make test` runs it, `make test-fast` does not
def test_invalid_at_approval_writes_nothing(team: Team) -> None:
    rel = {"id": "mistral-ai-uva-partnership", "type": "partnership", "from": "mistral-ai", "to": "uva"}
    p = Proposals(team.root).submit(author=team.editor, kind="relation", op="create", record=rel,
                                    sources=[{"source": "tech-corridor-2026", "locator": "H.5"}])
    g = team.root / "actors" / "global.yaml"  # meanwhile, by hand: Mistral AI is removed
    text = g.read_text()
    start = text.index("- id: mistral-ai")
    g.write_text(text[:start] + text[text.index("- id: nvidia"):], encoding="utf-8")
    snap, head = _snapshot(team.root), _head(team.root)
    with pytest.raises(InvalidData) as exc:
        approve(root=team.root, proposal_id=p.id, maintainer=team.maintainer, db=team.db)
    assert any(e.path == "relations.yaml" and e.line > 0 and "mistral-ai" in e.message for e in exc.value.errors)
    assert _snapshot(team.root) == snap and _head(team.root) == head
    assert Proposals(team.root).get(p.id).status == "open"


@pytest.mark.slow  # about 4 s or more: `make test` runs it, `make test-fast` does not
def test_reject_and_revert(team: Team) -> None:
    props = Proposals(team.root)
    p = props.submit(author=team.editor, kind="actor", op="create", record=new_actor(), sources=[NEW_SOURCE])
    with pytest.raises(Forbidden):
        reject(root=team.root, proposal_id=p.id, maintainer=team.editor)
    approve(root=team.root, proposal_id=p.id, maintainer=team.maintainer, db=team.db)
    undo = revert(root=team.root, proposal_id=p.id, maintainer=team.maintainer)
    assert undo.op == "delete" and undo.status == "open" and undo.reverts == p.id
    approve(root=team.root, proposal_id=undo.id, maintainer=team.maintainer, db=team.db)
    assert "new-lab" not in (team.root / "actors" / "mra.yaml").read_text()
    q = props.submit(author=team.editor, kind="actor", op="create", record=new_actor("other-lab"), sources=[NEW_SOURCE])
    assert reject(root=team.root, proposal_id=q.id, maintainer=team.maintainer, comment="no").status == "rejected"
    assert "other-lab" not in (team.root / "actors" / "mra.yaml").read_text()


_APPROVE = """
import sys
from pathlib import Path
from stackatlas.curation import Accounts, approve
root = Path(sys.argv[1])
approve(root=root, proposal_id=int(sys.argv[2]), maintainer=Accounts(root).get("max"), db=Path(sys.argv[3]))
"""


@pytest.mark.slow
def test_kill_during_approval_leaves_old_or_new_state(team: Team) -> None:
    """kill -9 at random moments of approvals; after recovery the files, git, the proposal and the database
    agree: either nothing happened or the whole change did."""
    from stackatlas.store import ensure_db

    rng = random.Random(16)
    tmp = team.root.parent / "tmp"
    tmp.mkdir()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path), "TMPDIR": str(tmp)}
    outcomes = []
    for n in range(6):
        ensure_db(team.root, team.db)
        start_head = _head(team.root)[0]
        p = Proposals(team.root).submit(author=team.editor, kind="actor", op="create", record=new_actor(f"lab-{n}"),
                                        sources=[NEW_SOURCE])
        proc = subprocess.Popen([sys.executable, "-c", _APPROVE, str(team.root), str(p.id), str(team.db)], env=env)
        journal = team.root / ".stackatlas" / "journal" / f"p{p.id}"
        if n % 2:  # at a random moment once the approval is decided (files, commit, database being written)
            while proc.poll() is None and not (journal / "journal.json").exists():
                time.sleep(0.002)
            time.sleep(rng.uniform(0.0, 0.4))
        else:  # while the change is validated in a staging copy (before anything is decided)
            while proc.poll() is None and not list(tmp.glob("stackatlas-stage-*")):
                time.sleep(0.002)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        interrupted = (journal / "journal.json").exists()
        recover(root=team.root, db=team.db)
        status = Proposals(team.root).get(p.id).status
        text = (team.root / "actors" / "mra.yaml").read_text()
        head, _, _, message = _head(team.root)
        assert _clean(team.root)  # the files are what git has
        if status == "approved":
            assert f"id: lab-{n}" in text and f"Proposal: #{p.id}" in message
            assert stored_hash(team.db) == content_hash(team.root)
        else:
            assert status == "open" and f"id: lab-{n}" not in text and head == start_head
            assert stored_hash(team.db) == content_hash(team.root)
        outcomes.append("recovered" if interrupted else status)
    assert "open" in outcomes and "recovered" in outcomes, outcomes
    assert not list((team.root / ".stackatlas" / "journal").iterdir())


@pytest.mark.slow  # about 4 s or more: `make test` runs it, `make test-fast` does not
def test_indicator_and_relation_proposals(team: Team) -> None:
    props = Proposals(team.root)
    ind = {"id": "asml-employees-2025", "subject": "asml", "metric": "employees", "value": 44000, "unit": "persons",
           "date": "2025"}
    p = props.submit(author=team.editor, kind="indicator", op="create", record=ind, sources=[NEW_SOURCE])
    approve(root=team.root, proposal_id=p.id, maintainer=team.maintainer, db=team.db)
    assert "id: asml-employees-2025" in (team.root / "indicators.yaml").read_text()
    with pytest.raises(InvalidData, match="only be added"):
        props.submit(author=team.editor, kind="indicator", op="update", record=ind, sources=[NEW_SOURCE])
    rel = {"id": "philips-spin-off-nxp", "type": "spin-off", "from": "philips", "to": "nxp", "date": "2006",
           "status": "completed", "sources": [{"source": "tech-corridor-2026", "locator": "H.3 Brainport"}]}
    q = props.submit(author=team.editor, kind="relation", op="update", record=rel,
                     sources=[{"source": "tech-corridor-2026", "locator": "H.3"}])
    before = (team.root / "relations.yaml").read_text().split("\n")
    approve(root=team.root, proposal_id=q.id, maintainer=team.maintainer, db=team.db)
    after = (team.root / "relations.yaml").read_text().split("\n")
    i = before.index("  sources: [{source: tech-corridor-2026, locator: H.3 Brainport}]")
    assert after == [*before[:i], "  status: completed", "  sources:",
                     "    - {source: tech-corridor-2026, locator: H.3 Brainport}",
                     "    - {source: tech-corridor-2026, locator: H.3}", *before[i + 1:]]
