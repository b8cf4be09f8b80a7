"""Proposals and history: ``POST /api/proposals`` (editors), ``GET /api/proposals?status=open`` (any user),
``POST /api/proposals/{id}/approve`` and ``/reject`` (maintainers), ``GET /api/history`` (from git).

Authenticate with ``Authorization: Bearer TOKEN`` (``stackatlas users token NAME``) or the session cookie of
a login (then send the CSRF token in ``x-csrftoken``). Errors use the one envelope: 401 without a valid
login, 403 for a lower role, 409 for a conflict (the record changed since the proposal was made), 400 with
``details`` (``file:line:column: field: message``) when the data would be invalid.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from ...curation import Proposals, User, approve, history, reject
from .._auth import auth_of, need_user, user_of
from ..errors import API_ERRORS, ErrorEnvelope

__all__ = ["ProposalIn", "ReviewIn", "router"]

router = APIRouter(tags=["api"], responses={
    **API_ERRORS, 401: {"model": ErrorEnvelope, "description": "Not logged in"},
    403: {"model": ErrorEnvelope, "description": "The role does not allow this (or the atlas is read-only)"},
    409: {"model": ErrorEnvelope, "description": "Conflict: the record changed since the proposal was made"}})


class ProposalIn(BaseModel):
    """A proposed change of one record, citing at least one source."""

    kind: Literal["actor", "relation", "indicator"]
    op: Literal["create", "update"]
    record: dict[str, Any] = Field(description="The whole record in the dataset's format (YAML keys).")
    sources: list[dict[str, Any]] = Field(
        max_length=20, description='Existing {"source": ID, "locator": ...} or new {"url", "title", "publisher", '
        '"date", "locator"}.')
    comment: str = Field("", max_length=4000)


class ReviewIn(BaseModel):
    comment: str = Field("", max_length=4000)


def _editor(request: Request) -> User:
    return need_user(request, "editor")


def _maintainer(request: Request) -> User:
    return need_user(request, "maintainer")


def _reader(request: Request) -> User:
    return need_user(request, "reader")


# dependencies run before the body is validated: an anonymous call is 401, never a 422 about its body
Editor = Annotated[User, Depends(_editor)]
Maintainer = Annotated[User, Depends(_maintainer)]
Reader = Annotated[User, Depends(_reader)]


def _root(request: Request) -> Any:
    auth = auth_of(request)
    assert auth is not None
    return auth


@router.post("/api/proposals", status_code=201)
async def api_propose(request: Request, user: Editor, body: ProposalIn) -> JSONResponse:
    """Propose a change (editors and maintainers); 201 ``{"id": ...}``."""
    auth = _root(request)
    p = await run_in_threadpool(Proposals(auth.root).submit, author=user, kind=body.kind, op=body.op,
                                record=body.record, sources=body.sources, comment=body.comment)
    return JSONResponse({"id": p.id, "status": p.status}, status_code=201,
                        headers={"location": f"/api/proposals/{p.id}"})


@router.get("/api/proposals")
def api_proposals(request: Request, status: Literal["open", "approved", "rejected"] | None = None,
                  limit: int = Query(100, ge=1, le=500)) -> dict[str, Any]:
    """Proposals, newest first (any logged-in user)."""
    user_of(request, "reader")
    items = Proposals(_root(request).root).find(status=status, limit=limit)
    return {"items": [p.as_json() for p in items], "total": len(items)}


@router.get("/api/proposals/{ident}")
def api_proposal(request: Request, user: Reader, ident: int) -> dict[str, Any]:
    """One proposal."""
    return Proposals(_root(request).root).get(ident).as_json()


@router.post("/api/proposals/{ident}/approve")
async def api_approve(request: Request, user: Maintainer, ident: int, body: ReviewIn | None = None) -> dict[str, Any]:
    """Approve (maintainers): the files are edited, validated, committed and the database rebuilt."""
    auth = _root(request)
    p = await run_in_threadpool(approve, root=auth.root, proposal_id=ident, maintainer=user,
                                comment=body.comment if body else "", db=auth.db)
    return p.as_json()


@router.post("/api/proposals/{ident}/reject")
async def api_reject(request: Request, user: Maintainer, ident: int, body: ReviewIn | None = None) -> dict[str, Any]:
    """Reject (maintainers)."""
    p = await run_in_threadpool(reject, root=_root(request).root, proposal_id=ident, maintainer=user,
                                comment=body.comment if body else "")
    return p.as_json()


@router.get("/api/history")
def api_history(request: Request, record: str | None = Query(None, max_length=120),
                limit: int = Query(50, ge=1, le=500)) -> dict[str, Any]:
    """The changes of the dataset (or of one record), newest first, with their diffs."""
    auth = auth_of(request)
    if auth is None:
        user_of(request, "reader")
    assert auth is not None
    return {"items": [c.as_json() for c in history(auth.root, ident=record, limit=limit)]}
