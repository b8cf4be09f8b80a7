"""Team curation: an editable dataset folder (a git repository), accounts and roles, proposals that cite
their sources, review and approval (a minimal YAML edit, validated, committed, rebuilt), and history.

- :mod:`.folder`: ``init_dataset`` (a copy of a dataset as a git repository) and where the team's state
  lives (``DIR/.stackatlas/``, never in git).
- :mod:`.accounts`: users with roles (reader, editor, maintainer), argon2 password hashes (pwdlib), hashed
  revocable API tokens, login throttling; a small SQLite file next to the dataset.
- :mod:`.proposals`: proposals (create or change an actor or relation, add an indicator) with their sources.
- :mod:`.edit`: the minimal YAML edit of one record (ruamel.yaml round trip of that record's lines only).
- :mod:`.approve`: the approval pipeline (lock, conflict check, staging validation, journal, atomic file
  replace, git commit, database rebuild) and the recovery of an interrupted approval.
- :mod:`.history`: the change history read from git.
"""

from __future__ import annotations

from .accounts import ROLES, Accounts, User
from .approve import Conflict, approve, recover, reject, revert
from .folder import curation_dir, init_dataset, is_curated
from .history import Change, history
from .proposals import Proposal, Proposals

__all__ = ["ROLES", "Accounts", "Change", "Conflict", "Proposal", "Proposals", "User", "approve", "curation_dir",
           "history", "init_dataset", "is_curated", "recover", "reject", "revert"]
