"""The Jinja2 environment of the pages (autoescape on, undefined names are errors) and the request's
language, path and query, shared by the pages (:mod:`stackatlas.web.views`) and the HTML error pages
(:mod:`stackatlas.web.errors`)."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from starlette.routing import NoMatchFound

from . import _asof
from ._lang import lang_of_scope

__all__ = ["compile_all", "env", "lang_of", "query_of", "route_path"]

env = Environment(
    loader=PackageLoader("stackatlas.web", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
env.policies["json.dumps_kwargs"] = {"sort_keys": False, "ensure_ascii": False}
env.globals["as_of_note"] = _asof.note


def compile_all() -> int:
    """Compile every template into the environment's cache (the warm-up does it at start, so that the first
    request of each page does not pay for it: 80 ms for an actor page); the number compiled."""
    names = env.list_templates()
    for name in names:
        env.get_template(name)
    return len(names)


def lang_of(request: Request) -> str:
    """The language of a request (:func:`stackatlas.web._lang.decide`: ``?lang=``, else the ``lang`` cookie,
    else Accept-Language, else English), the same the response cache keys by."""
    return lang_of_scope(request.scope)


def query_of(request: Request) -> dict[str, str]:
    """The query parameters of a request that its route takes (without ``lang``): the links of a page keep
    its filters, never parameters the route ignores (a 60 kB ``?pad=`` would be copied into every link)."""
    dependant = getattr(request.scope.get("route"), "dependant", None)
    known = None if dependant is None else _query_names(dependant)
    return {k: v for k, v in request.query_params.items()
            if k != "lang" and (known is None or k in known or (k == "as_of" and len(v) <= 10))}


def _query_names(dependant: Any) -> set[str]:
    """The query parameters a route (and its dependencies) declares."""
    names = {p.alias for p in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


def route_path(request: Request) -> str:
    """The path of the route that answered ``request``, rebuilt from the route and its parameters (never the
    raw path: ``//evil.example/x`` must not become a link off the site); ``/`` when no route matched."""
    route = request.scope.get("route")
    name = getattr(route, "name", None)
    if not name:
        return "/"
    try:
        return str(request.app.url_path_for(name, **request.path_params))
    except NoMatchFound:
        return "/"
