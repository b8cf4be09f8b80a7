"""Team curation on the command line: ``init`` (an editable copy of a dataset, a git repository),
``users`` (add, list, remove, token, revoke), ``proposals`` (list, approve, reject, revert) and ``history``.

The team's state lives next to the dataset (``DIR/.stackatlas/``); the bundled datasets are never edited.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ._app import Fmt, FormatOpt, emit, err, state

if TYPE_CHECKING:
    from ..curation import User

__all__ = ["register"]

users_app = typer.Typer(help="Accounts of the team that curates the dataset (--data DIR).", no_args_is_help=True)
proposals_app = typer.Typer(help="Proposed changes: list, approve, reject, revert (--data DIR).",
                            no_args_is_help=True)


def _root(ctx: typer.Context) -> Path:
    from ..curation import is_curated
    from ..errors import StackAtlasError

    root = state(ctx).data
    if not is_curated(root):
        raise StackAtlasError(f"{root} is not an editable dataset folder: make one with `stackatlas init DIR` "
                              "and pass --data DIR")
    return root


def init(
    folder: Annotated[Path, typer.Argument(help="The new dataset folder (must not exist or be empty).")],
    origin: Annotated[str, typer.Option("--from", help="corridor, fixture or a dataset folder.")] = "corridor",
) -> None:
    """Create an editable dataset folder: a copy of a dataset, as a git repository with a first commit."""
    from ..curation import init_dataset

    target = init_dataset(target=folder, origin=origin)
    err.print(f"stackatlas: created {target} (a git repository); next: stackatlas --data {target} users add NAME "
              f"--role maintainer, then stackatlas serve --data {target}")


@users_app.command("add")
def users_add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="User name (letters, digits, _ . -).")],
    role: Annotated[str, typer.Option(help="reader, editor or maintainer.")] = "editor",
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from standard "
                                                 "input (first line).")] = False,
) -> None:
    """Add a user (or change the role and password of one); asks for a password unless --password-stdin."""
    from ..curation import Accounts

    root = _root(ctx)
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    user = Accounts(root).add(name=name, role=role, password=password)
    err.print(f"stackatlas: user {user.name} ({user.role})")


@users_app.command("list")
def users_list(ctx: typer.Context, fmt: FormatOpt = Fmt.table) -> None:
    """The users and their roles (never a password hash or a token)."""
    from ..curation import Accounts

    acc = Accounts(_root(ctx))
    emit([{"name": u.name, "role": u.role, "created": u.created,
           "tokens": sum(1 for t in acc.tokens(name=u.name) if not t["revoked"])} for u in acc.users()], fmt)


@users_app.command("remove")
def users_remove(ctx: typer.Context, name: Annotated[str, typer.Argument()]) -> None:
    """Remove a user (their tokens are revoked; their proposals and history stay)."""
    from ..curation import Accounts

    Accounts(_root(ctx)).remove(name=name)
    err.print(f"stackatlas: removed {name}")


@users_app.command("token")
def users_token(ctx: typer.Context, name: Annotated[str, typer.Argument()]) -> None:
    """Print a new API token for NAME (shown once; only its hash is kept). Use: Authorization: Bearer TOKEN."""
    from ..curation import Accounts

    sys.stdout.write(Accounts(_root(ctx)).new_token(name=name) + "\n")


@users_app.command("revoke")
def users_revoke(ctx: typer.Context, token_id: Annotated[str, typer.Argument(help="The id of the token "
                                                                                  "(sat_<id>_...).")]) -> None:
    """Revoke an API token."""
    from ..curation import Accounts

    Accounts(_root(ctx)).revoke(token_id=token_id.removeprefix("sat_").split("_", 1)[0])
    err.print("stackatlas: token revoked")


def _maintainer(root: Path, name: str) -> User:
    from ..curation import Accounts
    from ..errors import StackAtlasError

    user = Accounts(root).get(name)
    if user is None:
        raise StackAtlasError(f"no user {name!r}")
    return user


AsOpt = Annotated[str, typer.Option("--as", help="The maintainer who reviews (a user name).")]


@proposals_app.command("list")
def proposals_list(ctx: typer.Context, status: Annotated[str | None, typer.Option(help="open, approved or "
                                                                                 "rejected.")] = "open",
                   fmt: FormatOpt = Fmt.table) -> None:
    """The proposals (newest first)."""
    from ..curation import Proposals

    emit([{"id": p.id, "status": p.status, "kind": p.kind, "op": p.op, "record": p.record_id, "author": p.author,
           "created": p.created, "reviewer": p.reviewer, "comment": p.comment}
          for p in Proposals(_root(ctx)).find(status=status)], fmt)


@proposals_app.command("approve")
def proposals_approve(ctx: typer.Context, ident: Annotated[int, typer.Argument()], who: AsOpt,
                      comment: Annotated[str, typer.Option(help="Review comment.")] = "") -> None:
    """Approve a proposal: edit the files, validate, commit, rebuild the database."""
    from ..curation import approve

    root = _root(ctx)
    p = approve(root=root, proposal_id=ident, maintainer=_maintainer(root, who), comment=comment, db=state(ctx).db)
    err.print(f"stackatlas: proposal #{p.id} approved" + (f" (commit {p.git_commit[:12]})" if p.git_commit else ""))


@proposals_app.command("reject")
def proposals_reject(ctx: typer.Context, ident: Annotated[int, typer.Argument()], who: AsOpt,
                     comment: Annotated[str, typer.Option(help="Review comment.")] = "") -> None:
    """Reject a proposal (nothing in the dataset changes)."""
    from ..curation import reject

    root = _root(ctx)
    reject(root=root, proposal_id=ident, maintainer=_maintainer(root, who), comment=comment)
    err.print(f"stackatlas: proposal #{ident} rejected")


@proposals_app.command("revert")
def proposals_revert(ctx: typer.Context, ident: Annotated[int, typer.Argument()], who: AsOpt) -> None:
    """Propose to undo an approved proposal (a new proposal, reviewed like any other)."""
    from ..curation import revert

    root = _root(ctx)
    p = revert(root=root, proposal_id=ident, maintainer=_maintainer(root, who))
    err.print(f"stackatlas: proposal #{p.id} reverts #{ident}; approve it to apply")


def history(
    ctx: typer.Context,
    ident: Annotated[str | None, typer.Argument(help="A record id (actor, relation, indicator, source).")] = None,
    limit: Annotated[int, typer.Option(help="At most this many changes.", min=1)] = 50,
    diff: Annotated[bool, typer.Option(help="Print the diff of each change.")] = True,
    fmt: FormatOpt = Fmt.table,
) -> None:
    """Who proposed, who approved, when, the sources and the diff of each change (from git)."""
    from ..curation import history as changes
    found = changes(_root(ctx), ident=ident, limit=limit)
    if fmt != Fmt.table:
        emit([c.as_json() for c in found], fmt)
        return
    for c in found:
        who = f"proposed by {c.proposed_by}, approved by {c.approved_by}" if c.proposal else f"by {c.author}"
        sys.stdout.write(f"{c.commit[:12]}  {c.date}  {c.summary}\n    {who}"
                         + (f" (proposal #{c.proposal})" if c.proposal else "") + "\n")
        for s in c.sources:
            sys.stdout.write(f"    source: {s}\n")
        if diff:
            sys.stdout.write("".join(f"    {line}\n" for line in c.diff.splitlines()))
        sys.stdout.write("\n")


def register(app: typer.Typer) -> None:
    """Add ``init``, ``users``, ``proposals`` and ``history`` to ``app``."""
    app.command()(init)
    app.add_typer(users_app, name="users")
    app.add_typer(proposals_app, name="proposals")
    app.command()(history)
