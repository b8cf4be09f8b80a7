"""From files to a validated dataset: YAML with locations (``yamlio``), the record model (``model``), CSV
tables checked set-wise (``bulk``), the two-pass loader (``loader``) and the way back to files (``export``).

Nothing here knows about the compiled database, the analyses or the web.
"""

from __future__ import annotations

from .loader import Dataset, builtin_taxonomy_path, bundled_path, content_hash, fixture_path, load_dataset

__all__ = ["Dataset", "builtin_taxonomy_path", "bundled_path", "content_hash", "fixture_path", "load_dataset"]
