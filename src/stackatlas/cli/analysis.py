"""Analysis commands: profile, relatedness, synergies, evaluate (synergies, stability), match, guests, scenario.

Profiles and relatedness are chapter 3 of the method; the rest compares two regions and their synergies.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ._app import AsOfOpt, Fmt, FormatOpt, emit, records, state

RoleOpt = Annotated[str, typer.Option(help="Which layers count: all (a secondary layer with --secondary-weight) "
                                           "or core (only layers held in a core role).")]
SecondaryOpt = Annotated[float, typer.Option(help="With --role all: the weight of a layer an organisation holds "
                                                  "only in a secondary role, between 0 and 1.")]
ScopeOpt = Annotated[str | None, typer.Option(help="between: each region leads a layer; corridor: different "
                                                   "municipalities lead the layers, in either region (default: "
                                                   "corridor for the dataset's own pair, else between; "
                                                   "docs/analysis.md).")]
WithinOpt = Annotated[float, typer.Option(help="With --ranking score, 0 to 1: how far a themed (domain) candidate's "
                                               "counts are measured against its domain instead of the whole corridor.")]
RankingOpt = Annotated[str, typer.Option(help="themes: the best candidate of every theme (domain, or none) first, "
                                              "domains weighed by credibility; score: one list by score (the "
                                              "earlier ranking; with --no-theme-coverage as before issue 15).")]
CoverageOpt = Annotated[bool, typer.Option(help="A candidate within a domain needs every one of its layers held "
                                                "by an organisation of the domain.")]

__all__ = ["evaluate_synergies", "guests", "match", "profile", "register", "relatedness", "scenario", "stability",
           "synergies"]


def profile(
    ctx: typer.Context,
    level: Annotated[str, typer.Option(help="municipality, region, province, country or site.")] = "municipality",
    by: Annotated[str, typer.Option(help="layer, sublayer or domain.")] = "layer",
    baseline: Annotated[str | None, typer.Option(
        help="Baseline place, or '*' for every located actor (default: the dataset's baseline when it contains "
             "a place compared, else every located actor; always every located actor for countries).")] = None,
    weight: Annotated[str | None, typer.Option(help="Indicator metric to weight actors by.")] = None,
    fractional: Annotated[bool, typer.Option(help="An actor in k layers counts 1/k in each.")] = False,
    presence: Annotated[str, typer.Option(help="all (head office and sites) or hq.")] = "all",
    place: Annotated[list[str] | None, typer.Option(help="Only these places (repeatable).")] = None,
    summary: Annotated[bool, typer.Option(help="Per place: Krugman, Hoover, HHI, entropy.")] = False,
    role: RoleOpt = "all",
    secondary_weight: SecondaryOpt = 1.0,
    as_of: AsOfOpt = None,
    fmt: FormatOpt = Fmt.table,
) -> None:
    """Where each place stands on the stack: counts, shares, location quotients with 95% intervals."""
    from ..analysis import profile as _profile
    from ..analysis import specialisation as _specialisation

    st = state(ctx)
    eng = st.engine(as_of)
    table = _profile(eng, level=level, by=by, baseline=baseline, weight=weight,
                     fractional=fractional, presence=presence, places=place or None, role=role,
                     secondary_weight=secondary_weight)
    _say_baseline(table.attrs)
    if summary:
        emit(records(_specialisation(table.rename(columns={by: "layer"}))), fmt, title="specialisation")
        return
    if fmt == Fmt.table:
        table = table[table["count"] > 0]
    emit(records(table.round(4)), fmt, title=f"profile by {by} ({level})")


def say_left_out(engine: object) -> None:
    """On stderr: how many actors a place-based analysis left out for having no location."""
    from ..analysis._locate import unplaced
    from ._app import err

    n = unplaced(engine)  # type: ignore[arg-type]
    if n:
        err.print(f"left out: {n:,} actors without a location (no head office or site)")


def _say_baseline(attrs: dict[str, object]) -> None:
    """Which baseline a profile used, and how many actors without a place it left out (on stderr)."""
    from ._app import err

    base = attrs.get("baseline")
    err.print(f"baseline: {'the whole dataset (every located actor)' if base == '*' else base}")
    if attrs.get("left_out"):
        err.print(f"left out: {attrs['left_out']:,} actors without a location (no head office or site)")


def relatedness(
    ctx: typer.Context,
    by: Annotated[str, typer.Option(help="layer, sublayer or domain.")] = "layer",
    method: Annotated[str, typer.Option(help="association, cosine, jaccard or prob.")] = "association",
    with_relations: Annotated[bool, typer.Option(help="Also count co-occurrence across ties.")] = False,
    role: Annotated[str, typer.Option(help="all layers, or only core ones.")] = "all",
    as_of: AsOfOpt = None,
    fmt: FormatOpt = Fmt.table,
) -> None:
    """How layers go together within organisations (and across ties), with z, p and q-values."""
    from ..analysis import relatedness as _relatedness

    st = state(ctx)
    eng = st.engine(as_of)
    table = _relatedness(eng, by=by, method=method, with_relations=with_relations, role=role)
    if fmt == Fmt.table:
        col = f"{by}_a"
        table = table[table[col] < table[f"{by}_b"]].sort_values("z", ascending=False)
    emit(records(table.round(4)), fmt, title=f"relatedness ({method})")


BetweenOpt = Annotated[str | None, typer.Option("--between", help="Region A (default: the dataset's pair).")]
AndOpt = Annotated[str | None, typer.Option("--and", help="Region B (default: the dataset's pair).")]


def synergies(
    ctx: typer.Context,
    between: BetweenOpt = None,
    and_: AndOpt = None,
    curated: Annotated[bool, typer.Option("--curated", help="Only the curated synergies of the dataset.")] = False,
    no_curated: Annotated[bool, typer.Option("--no-curated", help="Only discovered candidates.")] = False,
    top: Annotated[int, typer.Option(help="How many discovered candidates.")] = 15,
    bootstrap: Annotated[int, typer.Option(help="Bootstrap resamples for the score interval.")] = 200,
    seed: Annotated[int, typer.Option(help="Random seed of the bootstrap.")] = 0,
    scope: ScopeOpt = None,
    role: RoleOpt = "all",
    secondary_weight: SecondaryOpt = 1.0,
    within_domain: WithinOpt = 0.0,
    ranking: RankingOpt = "themes",
    theme_coverage: CoverageOpt = True,
    as_of: AsOfOpt = None,
    fmt: FormatOpt = Fmt.table,
) -> None:
    """Synergies between two regions: the curated ones and candidates discovered from the data."""
    from ..analysis.synergy import SynergyConfig, default_scope, discover

    st = state(ctx)
    eng = st.engine(as_of)
    cur = st.synergies()
    out: list[dict] = []
    if not no_curated:
        out += [{"kind": "curated", **r} for r in records(cur)]
    if not curated:
        a, b = st.compare_pair(between, and_)
        scope = default_scope(eng, a=a, b=b, scope=scope)
        found = discover(eng, a=a, b=b, top=top, curated=cur,
                         config=SynergyConfig(bootstrap=bootstrap, seed=seed, scope=scope, role=role,
                                              secondary_weight=secondary_weight, within_domain=within_domain,
                                              ranking=ranking, theme_coverage=theme_coverage))
        say_left_out(eng)
        out += [{"kind": "discovered", **r} for r in records(found.round(3))]
    if fmt == Fmt.table:
        cols = ["kind", "id", "label", "name", "layers", "domains", "places", "score", "score_low", "score_high",
                "curated_match"]
        emit([{k: r.get(k) for k in cols} for r in out], fmt, title="synergies", columns=cols)
    else:
        emit(out, fmt)


def evaluate_synergies(
    ctx: typer.Context,
    between: BetweenOpt = None,
    and_: AndOpt = None,
    sensitivity: Annotated[int, typer.Option(
        help="Also rank under this many random weightings (each weight times a factor in [1/4, 4]) and "
             "report how often each curated synergy is recovered in the top 15 (0: not).")] = 50,
    seed: Annotated[int, typer.Option(help="Random seed of the weightings.")] = 0,
    scope: Annotated[list[str] | None, typer.Option(help="between and/or corridor (default: both, side by "
                                                         "side).")] = None,
    matching: Annotated[str, typer.Option(help="strict (Jaccard >= 0.5, the curated domain, a shared "
                                               "municipality, one to one) or loose (the earlier rule).")] = "strict",
    role: RoleOpt = "all",
    secondary_weight: SecondaryOpt = 1.0,
    within_domain: WithinOpt = 0.0,
    ranking: RankingOpt = "themes",
    theme_coverage: CoverageOpt = True,
    as_of: AsOfOpt = None,
    fmt: FormatOpt = Fmt.table,
) -> None:
    """For every curated synergy: the discovered candidate that recovers it, per scope, and how stable."""
    import pandas as pd

    from ..analysis.synergy import SynergyConfig, corridor_inputs, evaluate

    st = state(ctx)
    eng = st.engine(as_of)
    a, b = st.compare_pair(between, and_)
    scopes = scope or ["between", "corridor"]
    inputs = corridor_inputs(eng, a=a, b=b, role=role, secondary_weight=secondary_weight)
    tables = [evaluate(eng, a=a, b=b, curated=st.synergies(), sensitivity=sensitivity, seed=seed,
                       matching=matching, inputs=inputs,
                       config=SynergyConfig(scope=s, role=role, secondary_weight=secondary_weight,
                                            within_domain=within_domain, ranking=ranking,
                                            theme_coverage=theme_coverage))
              for s in scopes]
    found = [int((t["rank"].fillna(10**9) <= 15).sum()) for t in tables]
    title = "; ".join(f"{s}: {n} of {len(t)} curated synergies recovered in the top 15"
                      for s, n, t in zip(scopes, found, tables, strict=True)) + f" ({matching} matching)"
    if fmt != Fmt.table:
        emit(records(pd.concat(tables, ignore_index=True)), fmt, title=title)
        return
    keep = ["match", "rank", "top_share", "best_rank", "reason"]
    side = tables[0][["curated", "name", "lead", "leading_regions"]]
    for s, t in zip(scopes, tables, strict=True):
        cols = [c for c in keep if c in t]
        side = side.join(t[cols].rename(columns={c: f"{c} ({s})" for c in cols}))
    emit(records(side), fmt, title=title)


def stability(
    ctx: typer.Context,
    between: BetweenOpt = None,
    and_: AndOpt = None,
    samples: Annotated[int, typer.Option(help="Random weightings.")] = 200,
    factor: Annotated[float, typer.Option(help="Each weight is multiplied by a log-uniform factor in "
                                               "[1/FACTOR, FACTOR].")] = 4.0,
    top: Annotated[int, typer.Option(help="The length of the list whose membership is counted.")] = 15,
    seed: Annotated[int, typer.Option(help="Random seed of the weightings.")] = 0,
    scope: ScopeOpt = None,
    as_of: AsOfOpt = None,
    fmt: FormatOpt = Fmt.table,
) -> None:
    """How robust the ranking of discovered synergies is to the weights of the score."""
    from ..analysis.synergy import SynergyConfig, default_scope, rank_stability

    st = state(ctx)
    eng = st.engine(as_of)
    a, b = st.compare_pair(between, and_)
    scope = default_scope(eng, a=a, b=b, scope=scope)
    if samples < 1 or factor < 1:
        raise typer.BadParameter("--samples must be at least 1 and --factor at least 1")
    table = rank_stability(eng, a=a, b=b, samples=samples, factor=factor, top=top, seed=seed,
                           config=SynergyConfig(scope=scope))
    emit(records(table), fmt, title=f"discovered synergies under {samples} weightings: share in the top {top}")


def match(
    ctx: typer.Context,
    synergy: Annotated[str, typer.Option(help="Curated (e.g. C) or discovered (e.g. chips.ai) synergy id.")],
    between: BetweenOpt = None,
    and_: AndOpt = None,
    top: Annotated[int, typer.Option(help="How many introductions.")] = 10,
    scope: ScopeOpt = None,
    as_of: AsOfOpt = None,
    fmt: FormatOpt = Fmt.table,
) -> None:
    """Introductions: who in region A should meet whom in region B for a synergy, and why (corridor scope: any
    two organisations of the corridor in different municipalities)."""
    from ..analysis.introductions import IntroConfig, introductions
    from ..analysis.synergy import default_scope

    st = state(ctx)
    eng = st.engine(as_of)
    a, b = st.compare_pair(between, and_)
    config = IntroConfig(scope=default_scope(eng, a=a, b=b, scope=scope))
    table = introductions(eng, synergy=synergy, a=a, b=b, top=top, config=config)
    cols = ["a", "a_place", "b", "b_place", "score", "reasons"] if fmt == Fmt.table else None
    emit(records(table), fmt, title=f"introductions for {synergy}", columns=cols)


def guests(
    ctx: typer.Context,
    synergy: Annotated[str, typer.Option(help="Curated or discovered synergy id.")],
    size: Annotated[int, typer.Option(help="Number of guests.")] = 12,
    between: BetweenOpt = None,
    and_: AndOpt = None,
    scope: ScopeOpt = None,
    as_of: AsOfOpt = None,
    fmt: FormatOpt = Fmt.table,
) -> None:
    """A balanced guest list (layers × regions, or municipalities in the corridor scope, × quadruple helix),
    picked greedily with its guarantee."""
    from ..analysis.guests import guest_list
    from ..analysis.synergy import default_scope

    st = state(ctx)
    eng = st.engine(as_of)
    a, b = st.compare_pair(between, and_)
    table = guest_list(eng, synergy=synergy, a=a, b=b, size=size,
                       scope=default_scope(eng, a=a, b=b, scope=scope))
    cov = table.attrs["coverage"]
    title = (f"{len(table)} guests cover {cov['cells_covered']} of {cov['cells_possible']} coverable cells "
             f"(greedy: at least {cov['guarantee']:.0%} of the best possible coverage value)")
    cols = ["pick", "actor", "name", "region", "helix", "layers", "gain", "reason"] if fmt == Fmt.table else None
    emit(records(table), fmt, title=title, columns=cols)


def scenario(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="Scenario YAML (see docs/dataset-format.md, Scenarios).")],
    top: Annotated[int, typer.Option(help="Synergies and introductions to compare.")] = 15,
    fmt: FormatOpt = Fmt.table,
) -> None:
    """Apply a change set on top of the dataset and show how profiles, synergies and introductions change."""
    from ..analysis.scenario import load_scenario, run_scenario

    st = state(ctx)
    st.require_duckdb("scenario (it rebuilds the dataset with the change set)")
    atlas = st.atlas()
    result = run_scenario(atlas, load_scenario(file), top=top)
    if fmt == Fmt.json:
        emit({k: records(v) if hasattr(v, "columns") else v for k, v in result.items()}, fmt)
        return
    prof = result["profile"]
    emit(records(prof[prof["count_change"] != 0].round(4)), fmt, title="profile changes")
    emit(records(result["synergies"].round(4)), fmt, title="synergy ranks and scores, before and after")
    if "introductions" in result:
        emit(records(result["introductions"]), fmt, title="introductions after the change (new = not there before)")


def register(app: typer.Typer) -> None:
    """Add the analysis commands and the ``evaluate`` group to ``app``."""
    for command in (profile, relatedness, synergies, match, guests, scenario):
        app.command()(command)
    evaluate_app = typer.Typer(help="Check discovered results against curated ones.", no_args_is_help=True)
    evaluate_app.command("synergies")(evaluate_synergies)
    evaluate_app.command("stability")(stability)
    app.add_typer(evaluate_app, name="evaluate")
