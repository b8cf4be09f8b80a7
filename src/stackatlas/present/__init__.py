"""The presentation core shared by the web atlas and the briefings: Vega-Lite chart specs, the Dutch/English
text catalogue, number and date formats, and tables as text, JSON or spreadsheet-safe CSV.

It sits above the analyses and below ``web/``, ``report/`` and ``cli/``; it never imports from them.
"""

__all__: list[str] = []
