"""The Jinja2 environment of the pages (autoescape on, undefined names are errors) and the request's
language and query, shared by the pages (:mod:`stackatlas.web.views`) and the HTML error pages
(:mod:`stackatlas.web.errors`)."""

from __future__ import annotations

from fastapi import Request
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from ..present.i18n import pick_lang

__all__ = ["env", "lang_of", "query_of"]

env = Environment(
    loader=PackageLoader("stackatlas.web", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
env.policies["json.dumps_kwargs"] = {"sort_keys": False, "ensure_ascii": False}


def lang_of(request: Request) -> str:
    """The language of a request: ``?lang=``, else the ``lang`` cookie, else Accept-Language."""
    return pick_lang(request.query_params.get("lang"), request.cookies.get("lang"),
                     request.headers.get("accept-language"))


def query_of(request: Request) -> dict[str, str]:
    """The query parameters of a request without ``lang``."""
    return {k: v for k, v in request.query_params.items() if k != "lang"}
