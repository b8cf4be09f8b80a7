"""Proposing a change in the browser: "Add organisation" (``/actors/new``), "Suggest a change" on an
organisation (``/actors/{id}/edit``) or a tie (``/relations/{id}/edit``, ``/relations/new``). The form is
checked with the same model and the same whole-dataset validation as the API (:mod:`stackatlas.curation`);
problems are shown next to their fields, and nothing is stored until the proposal is valid.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from ...curation import Proposals, edit
from ...dataset.model import RELATION_STATUSES
from ...errors import InvalidData, NotFound, StackAtlasError
from .._auth import auth_of, csrf_token, login_redirect, need_user, user_of
from ..present import View
from ._common import Gen, Ident, personal_page
from .auth import form_of

__all__ = ["Field", "record_from_form", "router"]

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class Field:
    """One input of a proposal form: ``key`` (the form field), label key, kind (text, textarea, select,
    lines, list), hint key and the record field it fills."""

    key: str
    label: str
    kind: str = "text"
    hint: str | None = None
    required: bool = False


ACTOR_FIELDS = (
    Field("id", "id", required=True), Field("name", "name", required=True), Field("aliases", "aliases", "list", "comma_hint"),
    Field("kind", "kind", "select", required=True), Field("hq", "hq", "select", required=True),
    Field("sites", "sites", "lines", "sites_hint"), Field("layers", "layers", "lines", "layers_hint", True),
    Field("domains", "domains", "list", "comma_hint"), Field("parent", "parent"), Field("website", "website"),
    Field("description_nl", "description_nl", "textarea"), Field("description_en", "description_en", "textarea"),
)
RELATION_FIELDS = (
    Field("id", "id", required=True), Field("type", "type", "select", required=True),
    Field("from", "from", required=True), Field("to", "to", required=True), Field("date", "date"),
    Field("status", "status", "select"), Field("role", "role"),
    Field("description_nl", "description_nl", "textarea"), Field("description_en", "description_en", "textarea"),
)
_HINTS = {"sites_hint": "place | function | status", "layers_hint": "layer | sublayer | role (core, secondary) | offering"}


def _split(text: str, sep: str = ",") -> list[str]:
    return [x.strip() for x in text.split(sep) if x.strip()]


def _lines(text: str, keys: tuple[str, ...]) -> list[dict[str, str]]:
    out = []
    for line in text.splitlines():
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|")]
        out.append({k: p for k, p in zip(keys, parts, strict=False) if p})
    return out


def record_from_form(kind: str, form: dict[str, str], current: dict[str, Any] | None) -> dict[str, Any]:
    """The record a form describes, on top of the current record (fields the form lacks are kept)."""
    rec: dict[str, Any] = dict(current or {})
    desc = {k: form.get(f"description_{k}", "").strip() for k in ("nl", "en")}
    rec["description"] = {k: v for k, v in desc.items() if v} or None
    if kind == "actor":
        rec.update(id=form.get("id", "").strip(), name=form.get("name", "").strip(),
                   aliases=_split(form.get("aliases", "")), kind=form.get("kind", "").strip(),
                   hq=form.get("hq", "").strip(), domains=_split(form.get("domains", "")),
                   parent=form.get("parent", "").strip() or None, website=form.get("website", "").strip() or None,
                   sites=_lines(form.get("sites", ""), ("place", "function", "status")),
                   layers=_lines(form.get("layers", ""), ("layer", "sublayer", "role", "offering")))
    else:
        rec.update({"id": form.get("id", "").strip(), "type": form.get("type", "").strip(),
                    "from": form.get("from", "").strip(), "to": form.get("to", "").strip(),
                    "date": form.get("date", "").strip() or None, "status": form.get("status", "").strip() or None,
                    "role": form.get("role", "").strip() or None})
    return edit.plain(rec)


def _form_values(kind: str, rec: dict[str, Any]) -> dict[str, str]:
    """A record as the values of its form."""
    desc = rec.get("description") or {}
    vals = {"description_nl": desc.get("nl", ""), "description_en": desc.get("en", "")}
    for key in ("id", "name", "kind", "hq", "parent", "website", "type", "from", "to", "date", "status", "role"):
        if rec.get(key) is not None:
            vals[key] = str(rec[key])
    vals["aliases"] = ", ".join(rec.get("aliases") or [])
    vals["domains"] = ", ".join(rec.get("domains") or [])
    vals["sites"] = "\n".join(" | ".join(str(s.get(k) or "") for k in ("place", "function", "status")).rstrip(" |")
                              for s in (rec.get("sites") or []) if isinstance(s, dict))
    vals["layers"] = "\n".join(" | ".join(str(x.get(k) or "") for k in ("layer", "sublayer", "role", "offering"))
                               .rstrip(" |") for x in (rec.get("layers") or []))
    return vals


def _sources_from_form(form: dict[str, str]) -> list[dict[str, Any]]:
    """The cited source: an existing one (``source_id``) or a new one (``source_url`` ...); both allowed."""
    out: list[dict[str, Any]] = []
    locator = form.get("locator", "").strip()
    if form.get("source_id", "").strip():
        out.append({"source": form["source_id"].strip(), "locator": locator})
    if any(form.get(f"source_{k}", "").strip() for k in ("url", "title", "publisher")):
        out.append({"url": form.get("source_url", "").strip(), "title": form.get("source_title", "").strip(),
                    "publisher": form.get("source_publisher", "").strip() or None,
                    "date": form.get("source_date", "").strip() or None, "locator": locator})
    return out


def _errors(exc: InvalidData) -> tuple[dict[str, list[str]], list[str]]:
    """Problems by form field (``record.name`` → ``name``; ``sources...`` → ``source``), and the others as
    ``file:line: field: message``."""
    by_field: dict[str, list[str]] = {}
    other: list[str] = []
    for p in exc.errors:
        f = p.field.removeprefix("record.")
        head = f.split(".", 1)[0]
        key = "source" if head in ("sources", "url", "locator") else head
        if p.path == "proposal" or p.line:
            by_field.setdefault(key, []).append(p.message if p.path == "proposal" else f"{p.message} ({p.path}:{p.line})")
        else:
            other.append(str(p))
    return by_field, other


def _current(request: Request, kind: str, ident: str | None) -> dict[str, Any] | None:
    auth = auth_of(request)
    if ident is None or auth is None:
        return None
    found = edit.find(auth.root, kind, ident)
    if found is None:
        raise NotFound(kind, ident)
    return found[2]


def _form(request: Request, gen: Gen, kind: str, ident: str | None, *, values: dict[str, str],
          errors: dict[str, list[str]] | None = None, other: list[str] | None = None, status: int = 200) -> HTMLResponse:
    def build(v: View) -> dict[str, Any]:
        lk = v.lk
        options = {"kind": sorted((k, v.kind(k)) for k in lk.kind),
                   "hq": sorted(((p, v.place(p)) for p in lk.place), key=lambda x: x[1].lower()),
                   "type": sorted((t, v.rtype(t)) for t in lk.rtype),
                   "status": [("", "–")] + [(s, s) for s in RELATION_STATUSES]}
        return {"kind": kind, "ident": ident, "fields": ACTOR_FIELDS if kind == "actor" else RELATION_FIELDS,
                "values": values, "errors": errors or {}, "other": other or [], "options": options,
                "hints": _HINTS, "csrf": csrf_token(request),
                "sources_list": sorted((s, v.source(s)) for s in lk.source)}

    return personal_page(request, gen, "propose.html", build, status=status)


def _need_editor(request: Request) -> Response | None:
    if auth_of(request) is not None and user_of(request) is None:
        return login_redirect(request.url.path)
    user_of(request, "editor")
    return None


@router.get("/actors/new", response_class=HTMLResponse)
def new_actor(request: Request, gen: Gen) -> Response:
    return _need_editor(request) or _form(request, gen, "actor", None, values={"layers": ""})


@router.get("/actors/{ident}/edit", response_class=HTMLResponse)
def edit_actor(request: Request, gen: Gen, ident: Ident) -> Response:
    return _need_editor(request) or _form(request, gen, "actor", ident,
                                          values=_form_values("actor", _current(request, "actor", ident) or {}))


@router.get("/relations/new", response_class=HTMLResponse)
def new_relation(request: Request, gen: Gen) -> Response:
    vals = {k: request.query_params.get(k, "")[:120] for k in ("from", "to")}
    return _need_editor(request) or _form(request, gen, "relation", None, values=vals)


@router.get("/relations/{ident}/edit", response_class=HTMLResponse)
def edit_relation(request: Request, gen: Gen, ident: Ident) -> Response:
    return _need_editor(request) or _form(request, gen, "relation", ident,
                                          values=_form_values("relation", _current(request, "relation", ident) or {}))


@router.post("/propose/{kind}", response_class=HTMLResponse)
async def propose(request: Request, gen: Gen, kind: str) -> Response:
    if kind not in ("actor", "relation"):
        raise NotFound("form", kind)
    user = need_user(request, "editor")
    auth = auth_of(request)
    assert auth is not None
    form = await form_of(request)
    ident = form.get("current") or None
    current = await run_in_threadpool(_current, request, kind, ident)
    record = record_from_form(kind, form, current)
    try:
        p = await run_in_threadpool(Proposals(auth.root).submit, author=user, kind=kind,
                                    op="update" if ident else "create", record=record,
                                    sources=_sources_from_form(form), comment=form.get("comment", "")[:4000])
    except InvalidData as exc:
        by_field, other = _errors(exc)
        return _form(request, gen, kind, ident, values=form, errors=by_field, other=other, status=422)
    except StackAtlasError as exc:
        return _form(request, gen, kind, ident, values=form, errors={}, other=[str(exc)], status=exc.status
                     if 400 <= exc.status < 500 else 400)
    return RedirectResponse(f"/proposals/{p.id}", status_code=303)
