"""Review and history: the maintainers' queue (``/review``: each open proposal as a diff against the
current record, approve or reject with a comment), a proposal's page (``/proposals/{id}``), and the history
of the dataset (``/history``, ``/actors/{id}/history``: who proposed, who approved, when, the diff and the
sources, from git; a maintainer can revert an approved change, which opens a new proposal)."""

from __future__ import annotations

import difflib
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from ...curation import Proposal, Proposals, approve, edit, history, reject, revert
from ...errors import InvalidData, StackAtlasError
from .._auth import auth_of, csrf_token, login_redirect, need_user, user_of
from ..present import View
from ._common import Gen, Ident, personal_page
from .auth import form_of

__all__ = ["diff_lines", "proposal_diff", "router"]

router = APIRouter(include_in_schema=False)


def diff_lines(old: str, new: str) -> list[tuple[str, str]]:
    """(css class, line) of a unified diff of two texts (``add``, ``del``, ``hunk`` or ``ctx``)."""
    out = []
    for line in difflib.unified_diff(old.splitlines(), new.splitlines(), "current", "proposed", n=3, lineterm=""):
        if line.startswith(("+++", "---")):
            continue
        cls = "hunk" if line.startswith("@@") else "add" if line.startswith("+") else "del" if line.startswith("-") else "ctx"
        out.append((cls, line))
    return out


def git_diff_lines(diff: str) -> list[tuple[str, str]]:
    out = []
    for line in diff.splitlines():
        cls = ("file" if line.startswith(("diff ", "+++", "---", "index ")) else "hunk" if line.startswith("@@")
               else "add" if line.startswith("+") else "del" if line.startswith("-") else "ctx")
        out.append((cls, line))
    return out


def proposal_diff(root: Any, p: Proposal) -> list[tuple[str, str]]:
    """The proposal as a diff: against the record as it is now (open), or as it was before (reviewed)."""
    if p.status == "open":
        found = edit.find(root, p.kind, p.record_id)
        old = edit.as_yaml(found[2] if found else None, p.kind)
    else:
        old = edit.as_yaml(p.before, p.kind)
    lines = diff_lines(old, edit.as_yaml(p.record, p.kind))
    for s in p.new_sources:
        lines += [("hunk", "@@ new source @@"), *(("add", "+" + x) for x in edit.as_yaml(s, "source").splitlines())]
    return lines


def _render(request: Request, gen: Gen, template: str, ctx: dict[str, Any], status: int = 200) -> HTMLResponse:
    def build(v: View) -> dict[str, Any]:
        return {**ctx, "csrf": csrf_token(request)}

    return personal_page(request, gen, template, build, status=status)


def _login_first(request: Request) -> Response | None:
    if auth_of(request) is not None and user_of(request) is None:
        return login_redirect(request.url.path)
    return None


def _queue(request: Request, gen: Gen, *, message: str | None = None, problems: list[str] | None = None,
           status: int = 200) -> HTMLResponse:
    auth = auth_of(request)
    assert auth is not None
    items = [{"p": p, "diff": proposal_diff(auth.root, p)} for p in Proposals(auth.root).find(status="open")]
    return _render(request, gen, "review.html", {"items": items, "message": message, "problems": problems or []},
                   status)


@router.get("/review", response_class=HTMLResponse)
def review_page(request: Request, gen: Gen) -> Response:
    redirect = _login_first(request)
    if redirect is not None:
        return redirect
    user_of(request, "maintainer")
    return _queue(request, gen)


@router.post("/review/{ident}/{action}", response_class=HTMLResponse)
async def review_action(request: Request, gen: Gen, ident: int, action: str) -> Response:
    user = need_user(request, "maintainer")
    auth = auth_of(request)
    assert auth is not None
    form = await form_of(request)
    comment = form.get("comment", "")[:4000]
    try:
        if action == "approve":
            await run_in_threadpool(approve, root=auth.root, proposal_id=ident, maintainer=user, comment=comment,
                                    db=auth.db)
        elif action == "reject":
            await run_in_threadpool(reject, root=auth.root, proposal_id=ident, maintainer=user, comment=comment)
        elif action == "revert":
            p = await run_in_threadpool(revert, root=auth.root, proposal_id=ident, maintainer=user, comment=comment)
            return RedirectResponse(f"/proposals/{p.id}", status_code=303)
        else:
            return _queue(request, gen, message=f"unknown action {action!r}", status=404)
    except InvalidData as exc:
        return _queue(request, gen, message=f"#{ident}: {len(exc.errors)} problem(s) in the data; nothing was "
                      "written", problems=[str(p) for p in exc.errors[:100]], status=400)
    except StackAtlasError as exc:
        return _queue(request, gen, message=f"#{ident}: {exc}", status=exc.status if 400 <= exc.status < 500 else 400)
    return RedirectResponse(f"/proposals/{ident}", status_code=303)


@router.get("/proposals/{ident}", response_class=HTMLResponse)
def proposal_page(request: Request, gen: Gen, ident: int) -> Response:
    redirect = _login_first(request)
    if redirect is not None:
        return redirect
    user_of(request, "reader")
    auth = auth_of(request)
    assert auth is not None
    p = Proposals(auth.root).get(ident)
    return _render(request, gen, "proposal.html", {"p": p, "diff": proposal_diff(auth.root, p)})


def _history(request: Request, gen: Gen, ident: str | None, kind: str | None) -> HTMLResponse:
    auth = auth_of(request)
    if auth is None:
        user_of(request, "reader")  # raises: a read-only atlas has no history
    assert auth is not None
    changes = history(auth.root, kind=kind, ident=ident, limit=100)
    status = {p.id: p for p in Proposals(auth.root).find(status="approved", limit=10_000)}
    reverted = {p.reverts for p in Proposals(auth.root).find(limit=10_000) if p.reverts}
    rows = [{"c": c, "diff": git_diff_lines(c.diff),
             "revertable": c.proposal in status and c.proposal not in reverted} for c in changes]
    return _render(request, gen, "history.html", {"rows": rows, "ident": ident, "kind": kind})


@router.get("/history", response_class=HTMLResponse)
def history_page(request: Request, gen: Gen,
                 record: str | None = Query(None, max_length=120)) -> HTMLResponse:
    return _history(request, gen, record or None, None)


@router.get("/actors/{ident}/history", response_class=HTMLResponse)
def actor_history(request: Request, gen: Gen, ident: Ident) -> HTMLResponse:
    return _history(request, gen, ident, "actor")
