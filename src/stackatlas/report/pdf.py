"""A briefing as PDF: the HTML edition typeset by WeasyPrint (title page, table of contents with page
numbers, page counters), with every resource fetch refused so that nothing leaves the machine.

WeasyPrint needs Pango (and fonts) from the system: ``make system-deps`` installs them on Debian.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import StackAtlasError
from .html import to_html
from .model import Document

__all__ = ["html_to_pdf", "to_pdf"]


def _no_fetch(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    raise ValueError(f"a briefing fetches nothing, refused: {url}")


def _weasyprint() -> Any:
    try:
        import weasyprint
    except (ImportError, OSError) as exc:  # OSError: Pango missing from the system
        raise StackAtlasError(f"PDF output needs WeasyPrint and its system libraries (make system-deps): {exc}") from exc
    return weasyprint


def html_to_pdf(html: str, target: Path | None = None) -> bytes:
    """Typeset an HTML briefing; write it to ``target`` when given and return the PDF bytes."""
    wp = _weasyprint()
    doc = wp.HTML(string=html, base_url=None, url_fetcher=_no_fetch, media_type="print")
    data: bytes = doc.write_pdf()
    if target is not None:
        Path(target).write_bytes(data)
    return data


def to_pdf(doc: Document, target: Path | None = None) -> bytes:
    return html_to_pdf(to_html(doc), target)
