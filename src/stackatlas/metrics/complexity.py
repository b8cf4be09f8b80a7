r"""Economic complexity on any long (tidy) table: RCA, ECI/PCI, proximity, density, COI/COG, fitness.

The three public functions take a long table with one row per (time,) location, activity and a
non-negative value (exports, employment, patents, firms, ...) and compute, per time period:

* :func:`complexity` -- the py-ecomplexity output (``rca, mcp, diversity, ubiquity, eci, pci,
  density, coi, cog``), one row per (time,) location, activity;
* :func:`proximity` -- the product-space proximity of every pair of activities;
* :func:`fitness_complexity` -- the Tacchella et al. (2012) fitness of locations and complexity of
  activities.

By default every number equals the Growth Lab's py-ecomplexity package (``ecomplexity`` on PyPI,
version 0.5.3, itself a port of the Stata ``ecomplexity`` command) to within floating-point rounding;
the conventions where the reference implementations disagree (py-ecomplexity, EconGeo in R, the OEC's
``economic-complexity``, the R ``economiccomplexity`` package) are keyword options, documented below.

Notation: :math:`X_{cp}` is the value of location :math:`c` in activity :math:`p` in one period,
:math:`M_{cp}\in\{0,1\}` the presence matrix, :math:`k_{c,0}=\sum_p M_{cp}` the diversity and
:math:`k_{p,0}=\sum_c M_{cp}` the ubiquity.

References
----------
.. [1] Hidalgo, C. A. & Hausmann, R. (2009). The building blocks of economic complexity. *PNAS* 106(26),
   10570-10575. https://doi.org/10.1073/pnas.0900943106
.. [2] Hidalgo, C. A., Klinger, B., Barabasi, A.-L. & Hausmann, R. (2007). The product space conditions
   the development of nations. *Science* 317(5837), 482-487. https://doi.org/10.1126/science.1144581
.. [3] Hausmann, R., Hidalgo, C. A., Bustos, S., Coscia, M., Simoes, A. & Yildirim, M. A. (2014). *The
   Atlas of Economic Complexity: Mapping Paths to Prosperity*. MIT Press.
   https://doi.org/10.7551/mitpress/9647.001.0001
.. [4] Tacchella, A., Cristelli, M., Caldarelli, G., Gabrielli, A. & Pietronero, L. (2012). A new metrics
   for countries' fitness and products' complexity. *Scientific Reports* 2, 723.
   https://doi.org/10.1038/srep00723
.. [5] Balland, P.-A. (2017). EconGeo: Computing key indicators of the spatial distribution of economic
   activities. R package. https://github.com/PABalland/EconGeo
.. [6] Growth Lab at Harvard (2024). py-ecomplexity 0.5.3. https://github.com/cid-harvard/py-ecomplexity
"""

from __future__ import annotations

import warnings
from typing import Any, Literal, NamedTuple

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.stats

from stackatlas.errors import AnalysisError
from stackatlas.metrics._panel import Duplicates, Panel, Period, build_panel

__all__ = [
    "ConvergenceWarning",
    "FitnessComplexity",
    "complexity",
    "fitness_complexity",
    "proximity",
]

FloatArray = npt.NDArray[np.float64]
Normalization = Literal["ecomplexity", "zscore", "none"]
Sign = Literal["diversity", "ubiquity"]
CogVariant = Literal["ecomplexity", "atlas"]

_OUTPUT = ("rca", "mcp", "diversity", "ubiquity", "eci", "pci", "density", "coi", "cog")


class ConvergenceWarning(UserWarning):
    """The fitness-complexity iteration stopped at ``max_iter`` before reaching ``tol``."""


class FitnessComplexity(NamedTuple):
    """Result of :func:`fitness_complexity`.

    Attributes
    ----------
    fitness : pandas.DataFrame
        One row per (time,) location: the key columns, ``fitness`` and ``diversity``.
    complexity : pandas.DataFrame
        One row per (time,) activity: the key columns, ``complexity`` and ``ubiquity``.
    """

    fitness: pd.DataFrame
    complexity: pd.DataFrame


# --------------------------------------------------------------------------------------------------
# array kernels (one period, dense location x activity matrices)
# --------------------------------------------------------------------------------------------------


def _rca(x: FloatArray, out: FloatArray | None = None) -> FloatArray:
    """Balassa RCA, with py-ecomplexity's exact operation order (so ties at the threshold agree)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.divide(x, x.sum(axis=1)[:, np.newaxis], out=out)
        act_total = x.sum(axis=0)[np.newaxis, :]
        world_total = act_total.sum(axis=1)[:, np.newaxis]
        res: FloatArray = np.divide(share, act_total / world_total, out=share)
    return res


class _Active(NamedTuple):
    rows: npt.NDArray[np.bool_]  # locations with a positive total in the period
    cols: npt.NDArray[np.bool_]  # activities with a positive total in the period
    rca: FloatArray  # on the active block
    m: FloatArray  # presence on the active block
    binary: bool  # m holds only 0 and 1


def _active(
    period: Period,
    rca_threshold: float,
    rca_out: FloatArray | None = None,
    m_out: FloatArray | None = None,
) -> _Active:
    """RCA and presence on the block of locations and activities with a positive total.

    py-ecomplexity drops the locations and activities whose total is 0 before anything else; so
    does this (with a presence column, a positive total presence also keeps a row or column).
    ``rca_out`` / ``m_out`` receive the results when given (only used when nothing is dropped).
    """
    x_full = period.values
    rows = x_full.sum(axis=1) > 0
    cols = x_full.sum(axis=0) > 0
    if period.presence is not None:
        rows |= period.presence.sum(axis=1) > 0
        cols |= period.presence.sum(axis=0) > 0
    whole = bool(rows.all() and cols.all())
    if not whole:
        rca_out = m_out = None
    x = x_full if whole else x_full[np.ix_(rows, cols)]
    rca = _rca(x, rca_out)
    if period.presence is None:
        m = np.empty(x.shape) if m_out is None else m_out
        with np.errstate(invalid="ignore"):
            np.greater_equal(rca, rca_threshold, out=m, casting="unsafe")  # NaN -> 0
        binary = True
    else:
        pres = period.presence if whole else period.presence[np.ix_(rows, cols)]
        m = np.ascontiguousarray(pres) if m_out is None else m_out
        if m_out is not None:
            m_out[...] = pres
        binary = bool(np.isin(m, (0.0, 1.0)).all())
    return _Active(rows, cols, rca, m, binary)


def _cooccurrence(m: FloatArray, binary: bool) -> FloatArray:
    """:math:`M^T M`; for a 0/1 matrix float32 BLAS is exact (integer counts below 2**24)."""
    if binary and m.shape[0] < 2**24:
        m32 = m.astype(np.float32)
        return (m32.T @ m32).astype(np.float64)
    out: FloatArray = m.T @ m
    return out


def _proximity_matrix(m: FloatArray, ubiquity: FloatArray, asymmetric: bool, binary: bool) -> FloatArray:
    """phi[a, b] = min(P(a|b), P(b|a)); asymmetric: phi[a, b] = P(b|a). NaN where a ubiquity is 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        phi = _cooccurrence(m, binary)
        phi /= ubiquity[np.newaxis, :]
    if asymmetric:
        return np.ascontiguousarray(phi.T)
    out: FloatArray = np.minimum(phi, phi.T)  # NaN propagates, as in py-ecomplexity
    return out


def _correlation_sign(kc: FloatArray, kp: FloatArray, diversity: FloatArray, ubiquity: FloatArray, rule: Sign) -> float:
    with np.errstate(divide="ignore", invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if rule == "diversity":
            r = float(np.corrcoef(diversity, kc)[0, 1])
        else:
            r = -float(scipy.stats.spearmanr(ubiquity, kp)[0])
    return float(np.sign(r)) if np.isfinite(r) else 0.0


def _sign(kc: FloatArray, kp: FloatArray, diversity: FloatArray, ubiquity: FloatArray, sign: Sign) -> float:
    """Orientation of the eigenvector: the chosen correlation rule, else the other one, else the
    location with the largest absolute ECI is made positive."""
    other: Sign = "ubiquity" if sign == "diversity" else "diversity"
    for rule in (sign, other):
        s = _correlation_sign(kc, kp, diversity, ubiquity, rule)
        if s != 0.0:
            return s
    return 1.0 if kc[int(np.argmax(np.abs(kc)))] >= 0 else -1.0


def _lanczos_second(gram: FloatArray, tol: float = 1e-13, max_steps: int = 400) -> FloatArray | None:
    """Second eigenvector of a symmetric PSD matrix by Lanczos with full reorthogonalisation.

    Converges in a few dozen matrix-vector products when the leading eigenvalues are separated; the
    Ritz residual bound :math:`|\\beta_j s_{j,k}|` of the top two Ritz pairs must fall below ``tol``
    (relative to the largest). Returns None when it does not (the caller then solves densely). Uses
    numpy's BLAS only: mixing in scipy's LAPACK makes the two OpenBLAS thread pools compete.
    """
    n = gram.shape[0]
    steps = min(n, max_steps)
    q = np.empty((steps + 1, n))
    v = 1.0 + np.arange(n, dtype=np.float64) / n  # deterministic start vector
    q[0] = v / np.linalg.norm(v)
    alpha = np.empty(steps)
    beta = np.empty(steps)
    for j in range(steps):
        w = gram @ q[j]
        alpha[j] = w @ q[j]
        basis = q[: j + 1]
        w -= basis.T @ (basis @ w)  # "twice is enough"
        w -= basis.T @ (basis @ w)
        b = float(np.linalg.norm(w))
        beta[j] = b
        breakdown = b <= 1e-12 * max(1.0, abs(float(alpha[0])))
        if j >= 1 and (j % 4 == 3 or breakdown or j == steps - 1):
            t = np.diag(alpha[: j + 1]) + np.diag(beta[:j], 1) + np.diag(beta[:j], -1)
            theta, s = np.linalg.eigh(t)
            bound = np.abs(b * s[-1, -2:])
            if (bound <= tol * max(1.0, float(theta[-1]))).all() and (not breakdown or j + 1 == n):
                y: FloatArray = basis.T @ s[:, -2]
                return y / np.linalg.norm(y)
            if breakdown:  # invariant subspace that may miss an eigenvector
                return None
        q[j + 1] = w / b
    return None


def _second_eigvec(gram: FloatArray) -> FloatArray | None:
    """Eigenvector of the second largest eigenvalue of a symmetric positive semi-definite matrix."""
    n = gram.shape[0]
    if n > 64:
        u = _lanczos_second(gram)
        if u is not None:
            return u
    try:
        _, vecs = np.linalg.eigh(gram)
    except np.linalg.LinAlgError:
        return None
    res: FloatArray = vecs[:, -2]  # ascending eigenvalues
    return res


def _eci_pci(m: FloatArray, diversity: FloatArray, ubiquity: FloatArray, sign: Sign) -> tuple[FloatArray, FloatArray]:
    r"""Raw (unstandardised) ECI and PCI of a matrix without zero rows or columns.

    ``kp`` is the unit-norm eigenvector of :math:`\tilde M^{P}=D_p^{-1}M^TD_c^{-1}M` for its second
    largest eigenvalue and ``kc = D_c^{-1} M kp`` (so ECI is the mean PCI of a location's activities),
    both multiplied by the orientation sign. Instead of ``numpy.linalg.eig`` of the non-symmetric
    :math:`\tilde M^{P}` (as py-ecomplexity does), the symmetric similar matrix
    :math:`A^TA` or :math:`AA^T`, :math:`A=D_c^{-1/2}MD_p^{-1/2}`, of the *smaller* side is solved
    for its top two eigenpairs only (Lanczos), which is faster and better conditioned; the
    eigenvector is mapped back (:math:`k_p = D_p^{-1/2}u`, or :math:`k_p\propto D_p^{-1}M^TD_c^{-1/2}u`
    from the location side) and normalised.
    """
    n_c, n_p = m.shape
    nan_c, nan_p = np.full(n_c, np.nan), np.full(n_p, np.nan)
    if min(n_c, n_p) < 2:
        return nan_c, nan_p
    rc, rp = 1.0 / np.sqrt(diversity), 1.0 / np.sqrt(ubiquity)
    a = m * rc[:, np.newaxis]
    a *= rp[np.newaxis, :]
    gram = a.T @ a if n_p <= n_c else a @ a.T
    u = _second_eigvec(gram)
    if u is None:
        return nan_c, nan_p
    kp = u * rp if n_p <= n_c else (m.T @ (u * rc)) / ubiquity
    norm = float(np.linalg.norm(kp))
    if not np.isfinite(norm) or norm == 0.0:
        return nan_c, nan_p
    kp = kp / norm
    kc = (m @ kp) / diversity
    s = _sign(kc, kp, diversity, ubiquity, sign)
    return s * kc, s * kp


def _stats(v: FloatArray, ddof: int, floor: float = 0.0) -> tuple[float, float]:
    """Mean and standard deviation of the finite entries; sd is NaN when it is not above ``floor``
    (a vector that is constant up to rounding carries no ranking, and dividing by its rounding
    noise would produce arbitrary numbers)."""
    ok = v[np.isfinite(v)]
    if ok.size <= ddof:
        return np.nan, np.nan
    sd = float(ok.std(ddof=ddof))
    return float(ok.mean()), (sd if sd > floor else np.nan)


def _period_complexity(
    period: Period,
    out: dict[str, FloatArray],
    *,
    rca_threshold: float,
    normalization: Normalization,
    ddof: int,
    sign: Sign,
    density_diagonal: bool,
    cog: CogVariant,
    asymmetric: bool,
) -> None:
    """Write all py-ecomplexity outputs of one period into ``out`` (locations x activities views)."""
    act = _active(period, rca_threshold, out["rca"], out["mcp"])
    m = act.m
    n_c, n_p = m.shape
    whole = out["rca"].shape == (n_c, n_p)
    blk = out if whole else {k: np.empty((n_c, n_p)) for k in out}
    if not whole:
        blk["rca"][...] = act.rca
        blk["mcp"][...] = m
    diversity = m.sum(axis=1)
    ubiquity = m.sum(axis=0)
    vr, vp = diversity > 0, ubiquity > 0

    # ECI / PCI on locations and activities with at least one presence
    m_v = m if (vr.all() and vp.all()) else m[np.ix_(vr, vp)]
    kc_v, kp_v = _eci_pci(m_v, diversity[vr], ubiquity[vp], sign)
    kc = np.full(n_c, np.nan)
    kc[vr] = kc_v
    kp = np.full(n_p, np.nan)
    kp[vp] = kp_v

    # proximity, density, COI, COG on the activities with a presence (all locations of the block)
    coi = np.full(n_c, np.nan)
    density, cog_m = blk["density"], blk["cog"]
    if not vp.all():
        density.fill(np.nan)
        cog_m.fill(np.nan)
    if vp.any():
        m_p = m if vp.all() else np.ascontiguousarray(m[:, vp])
        phi = _proximity_matrix(m_p, ubiquity[vp], asymmetric, act.binary)
        if not density_diagonal:
            np.fill_diagonal(phi, 0.0)
        k = phi.shape[0]
        with np.errstate(divide="ignore", invalid="ignore"):
            row_sum = phi.sum(axis=1)
            weights = np.empty((k, 2 * k))
            np.divide(phi.T, row_sum[np.newaxis, :], out=weights[:, :k])
            np.multiply(phi, (kp_v / row_sum)[:, np.newaxis], out=weights[:, k:])
            # density and the COG sum in one matrix product; (1 - M) @ W = 1 @ W - M @ W
            prod = m_p @ weights
            dens = prod[:, :k]
            inner = np.subtract(weights[:, k:].sum(axis=0)[np.newaxis, :], prod[:, k:], out=prod[:, k:])
            if cog == "atlas":
                inner -= dens * kp_v[np.newaxis, :]
            absent = 1.0 - m_p
            inner *= absent
            inner += 0.0  # no negative zeros where the activity is present
            coi = np.einsum("cp,cp,p->c", dens, absent, kp_v)
        if vp.all():
            density[...] = dens
            cog_m[...] = inner
        else:
            density[:, vp] = dens
            cog_m[:, vp] = inner

    # standardisation; kp has unit norm, so ECI with a spread below 1e-10 / sqrt(n) is rounding noise
    floor = 1e-10 / np.sqrt(max(int(vp.sum()), 1))
    with np.errstate(divide="ignore", invalid="ignore"):
        if normalization == "ecomplexity":
            mu, sd = _stats(kc, ddof, floor)
            eci, pci = (kc - mu) / sd, (kp - mu) / sd
            cog_m /= sd
        elif normalization == "zscore":
            mu_c, sd_c = _stats(kc, ddof, floor)
            mu_p, sd_p = _stats(kp, ddof, floor)
            eci, pci = (kc - mu_c) / sd_c, (kp - mu_p) / sd_p
            cog_m /= sd_p
        else:
            eci, pci = kc, kp
        if normalization != "none":
            mu_o, sd_o = _stats(coi, ddof)
            coi = (coi - mu_o) / sd_o

    blk["diversity"][...] = diversity[:, np.newaxis]
    blk["ubiquity"][...] = ubiquity[np.newaxis, :]
    blk["eci"][...] = eci[:, np.newaxis]
    blk["pci"][...] = pci[np.newaxis, :]
    blk["coi"][...] = coi[:, np.newaxis]
    if not whole:
        idx = np.ix_(act.rows, act.cols)
        for key, v in blk.items():
            out[key].fill(np.nan)
            out[key][idx] = v


def _fitness(m: FloatArray, max_iter: int, tol: float) -> tuple[FloatArray, FloatArray, int, bool]:
    """Tacchella et al. (2012) map on a matrix without zero rows / columns."""
    n_c, n_p = m.shape
    f = np.ones(n_c)
    q = np.ones(n_p)
    mt = np.ascontiguousarray(m.T)
    tiny = np.finfo(np.float64).tiny
    for it in range(1, max_iter + 1):
        f_new = m @ q
        q_new = 1.0 / (mt @ (1.0 / f))
        f_new /= f_new.mean()
        q_new /= q_new.mean()
        np.maximum(f_new, tiny, out=f_new)  # keep strictly positive (slow decay to 0 can underflow)
        np.maximum(q_new, tiny, out=q_new)
        delta = max(float(np.abs(f_new - f).max()), float(np.abs(q_new - q).max()))
        f, q = f_new, q_new
        if delta < tol:
            return f, q, it, True
    return f, q, max_iter, False


# --------------------------------------------------------------------------------------------------
# table helpers
# --------------------------------------------------------------------------------------------------


def _check_options(rca_threshold: float, **choices: tuple[Any, tuple[Any, ...]]) -> None:
    if not isinstance(rca_threshold, (int, float)) or isinstance(rca_threshold, bool):
        raise AnalysisError(f"rca_threshold must be a number, not {rca_threshold!r}")
    if not (np.isfinite(rca_threshold) and rca_threshold > 0):
        raise AnalysisError(f"rca_threshold must be a positive finite number, not {rca_threshold!r}")
    for name, (given, allowed) in choices.items():
        if given not in allowed:
            raise AnalysisError(f"{name} must be one of {', '.join(map(repr, allowed))}; got {given!r}")


def _key_frame(
    panel: Panel,
    time: str | None,
    sizes: list[int],
    key_codes: list[tuple[npt.NDArray[np.intp], ...]],
    names: tuple[str, ...],
    labels: tuple[pd.Index, ...],
) -> dict[str, Any]:
    """Key columns of an output table: the period label repeated, then labels taken by code."""
    cols: dict[str, Any] = {}
    if time is not None:
        periods = pd.Index([p.label for p in panel.periods])
        cols[time] = periods.take(np.repeat(np.arange(len(periods)), sizes))
    for j, (name, lab) in enumerate(zip(names, labels, strict=True)):
        cols[name] = lab.take(np.concatenate([kc[j] for kc in key_codes]))
    return cols


# --------------------------------------------------------------------------------------------------
# public API
# --------------------------------------------------------------------------------------------------


def complexity(
    df: pd.DataFrame,
    *,
    location: str,
    activity: str,
    value: str,
    time: str | None = None,
    rca_threshold: float = 1.0,
    presence: str | None = None,
    normalization: Normalization = "ecomplexity",
    ddof: int = 0,
    sign: Sign = "diversity",
    density_diagonal: bool = True,
    cog: CogVariant = "ecomplexity",
    asymmetric: bool = False,
    duplicates: Duplicates = "first",
) -> pd.DataFrame:
    r"""Economic complexity indicators of a long table, as py-ecomplexity computes them.

    For every time period separately (all rows when ``time`` is None):

    1. **Values.** The table is pivoted to :math:`X_{cp}`; a missing cell or a NaN value is 0.
       Locations and activities whose total is 0 in the period are left out of every computation
       (their rows come back with NaN metrics).
    2. **RCA** (Balassa): :math:`RCA_{cp} = \dfrac{X_{cp}/\sum_{p'} X_{cp'}}
       {\sum_{c'} X_{c'p}/\sum_{c'p'} X_{c'p'}}`.
    3. **Presence** :math:`M_{cp} = [RCA_{cp} \ge` ``rca_threshold`` :math:`]`, or the ``presence``
       column taken as given (py-ecomplexity's ``presence_test="manual"``).
    4. **Diversity** :math:`k_{c,0}=\sum_p M_{cp}`, **ubiquity** :math:`k_{p,0}=\sum_c M_{cp}`.
    5. **ECI / PCI** (Hidalgo & Hausmann 2009 [1]_; Atlas [3]_): :math:`\vec k_p` is the unit-norm
       eigenvector of :math:`\tilde M^P_{pp'}=\sum_c M_{cp}M_{cp'}/(k_{c,0}k_{p,0})` for the second
       largest eigenvalue and :math:`k_c=\sum_p M_{cp}k_p/k_{c,0}`, so that ECI is the mean PCI of a
       location's activities. The sign is chosen so that :math:`k_c` correlates positively
       (Pearson) with diversity. Standardisation (``normalization="ecomplexity"``, as the Stata
       package): :math:`ECI=(k_c-\langle k_c\rangle)/\sigma(k_c)`,
       :math:`PCI=(k_p-\langle k_c\rangle)/\sigma(k_c)` -- PCI is shifted and scaled by the mean and
       standard deviation *of ECI*, which keeps :math:`ECI_c=\mathrm{mean}_{p:M_{cp}=1}PCI_p` exactly.
    6. **Proximity** (Hidalgo et al. 2007 [2]_): :math:`\phi_{pp'}=\dfrac{\sum_c M_{cp}M_{cp'}}
       {\max(k_{p,0},k_{p',0})}`, i.e. the minimum of the two conditional probabilities; the diagonal
       is 1.
    7. **Density** :math:`\omega_{cp}=\sum_{p'}M_{cp'}\phi_{pp'}/\sum_{p'}\phi_{pp'}` -- with the
       diagonal, so an activity counts towards its own density.
    8. **COI** (complexity outlook index): :math:`\sum_p\omega_{cp}(1-M_{cp})k_p`, computed with the
       raw eigenvector :math:`k_p` and then standardised across locations.
    9. **COG** (complexity outlook gain): :math:`(1-M_{cp})\sum_{p'}(1-M_{cp'})
       \dfrac{\phi_{pp'}}{\sum_{p''}\phi_{p'p''}}k_{p'}`, divided by :math:`\sigma(k_c)`, i.e.
       expressed in units of standardised PCI but not shifted by its mean.

    Standard deviations use ``ddof`` (0, numpy's and py-ecomplexity's default). Every step is
    vectorised: pivoting with numpy indexing, matrix products in BLAS (density and COG share one),
    and instead of a full non-symmetric eigendecomposition (py-ecomplexity's ``numpy.linalg.eig``)
    a Lanczos iteration for the top two eigenpairs of the symmetric matrix similar to
    :math:`\tilde M` on the smaller side of the location x activity matrix.

    Parameters
    ----------
    df : pandas.DataFrame
        Long table, one row per (time,) location, activity.
    location, activity, value : str
        Column names. ``value`` must be non-negative (NaN counts as 0).
    time : str, optional
        Column of time periods; each period is computed on its own. None: the table is one period.
    rca_threshold : float, default 1.0
        :math:`M_{cp}=1` where :math:`RCA_{cp}\ge` this threshold (must be positive).
    presence : str, optional
        Column with a precomputed presence matrix :math:`M_{cp}` (usually 0/1; non-negative values are
        used as given). ``rca`` is still computed from ``value``; py-ecomplexity's "manual" mode
        instead reports the presence column as ``rca``.
    normalization : {"ecomplexity", "zscore", "none"}, default "ecomplexity"
        ``"ecomplexity"``: as above (Stata / py-ecomplexity; ECI = mean PCI of a location's
        activities). ``"zscore"``: ECI and PCI each standardised by their own mean and standard
        deviation (the Atlas data releases, the OEC's ``economic-complexity``, R's
        ``economiccomplexity``); COG is then divided by :math:`\sigma(k_p)`. ``"none"``: the raw
        eigenvectors (:math:`\lVert k_p\rVert=1`), raw COI and COG. EconGeo's ``kci``/``tci`` instead
        divide each eigenvector by its sum, which is undefined when that sum is near 0; use "none" and
        rescale if that is needed.
    ddof : {0, 1}, default 0
        Delta degrees of freedom of the standard deviations (R's ``sd`` and pandas use 1).
    sign : {"diversity", "ubiquity"}, default "diversity"
        Orientation of the eigenvector. ``"diversity"``: ECI correlates positively with diversity
        (Pearson; py-ecomplexity, Stata). ``"ubiquity"``: PCI correlates negatively with ubiquity
        (Spearman; EconGeo's ``tci`` [4]_). When that correlation is 0 or undefined (e.g. every
        location has the same diversity) the other rule decides, and failing both the location with
        the largest absolute ECI is made positive; py-ecomplexity returns NaN in that case.
    density_diagonal : bool, default True
        Whether :math:`\phi_{pp}=1` enters density, COI and COG (py-ecomplexity [5]_, Stata,
        Atlas). EconGeo (``co_occurrence``/``relatedness`` set the diagonal to 0 before
        ``relatedness_density``) and the OEC's package (``proximity`` fills the diagonal with 0) use
        ``False``.
    cog : {"ecomplexity", "atlas"}, default "ecomplexity"
        ``"ecomplexity"``: the formula above (py-ecomplexity, Stata and R ``economiccomplexity``).
        ``"atlas"``: the Atlas [3]_ opportunity gain, which also subtracts the product's own
        contribution to the outlook, :math:`\omega_{cp}k_p` (:math:`(1-d_{cp})PCI_p` in the Atlas,
        :math:`d` being distance), before the same scaling. The OEC's ``opportunity_gain`` subtracts
        the same term but normalises proximities by the target activity's column sum and does not
        mask present activities.
    asymmetric : bool, default False
        Use the conditional probability :math:`\phi_{pp'}=P(M_{cp'}=1\mid M_{cp}=1)` instead of the
        symmetric minimum (py-ecomplexity's ``asymmetric=True``).
    duplicates : {"first", "sum", "raise"}, default "first"
        Several rows for the same (time,) location, activity: keep the first, with a warning
        (py-ecomplexity); add them up (EconGeo's ``get_matrix``); or raise
        :class:`~stackatlas.errors.AnalysisError`.

    Returns
    -------
    pandas.DataFrame
        One row per (time,) location, activity -- the full grid of the locations and activities seen
        in each period, sorted by the key columns -- with the key columns, ``value`` (the pivoted
        value, 0 where the table has no row) and ``rca, mcp, diversity, ubiquity, eci, pci, density,
        coi, cog`` (float; NaN for locations or activities with a zero total in the period, and ECI /
        PCI NaN for those with zero diversity / ubiquity).

    Raises
    ------
    stackatlas.errors.AnalysisError
        A missing column, an empty table, missing keys, non-numeric, negative or infinite values, no
        positive value, an invalid option, or duplicate keys with ``duplicates="raise"``.

    Notes
    -----
    Differences from py-ecomplexity 0.5.3, all in cases where it gives no answer:

    * with ``rca_threshold > 1`` (or a presence column) some location or activity can have zero
      diversity / ubiquity; py-ecomplexity then returns NaN for every ECI, PCI, COI and COG of the
      period (and fails internally, caught, when exactly one is zero), while here only those
      locations / activities get NaN and the rest is computed without them;
    * the orientation fallback described under ``sign``;
    * when ECI is constant up to rounding (say every location holds the same activities) ECI and
      PCI are NaN rather than rounding noise divided by a standard deviation of ~1e-17;
    * rows of locations with a zero total come back as the whole grid of the period (NaN metrics),
      not only the rows the input listed, and discarded duplicate rows are not appended again.

    When the location-activity network is disconnected the eigenvalue 1 is repeated, the "second"
    eigenvector is any vector of its eigenspace, and ECI is not unique in any implementation. The
    log-supermodularity diagnostic and the ``knn`` / ``continuous`` proximity variants of
    py-ecomplexity are not offered.

    References
    ----------
    .. [1] Hidalgo, C. A. & Hausmann, R. (2009). The building blocks of economic complexity. *PNAS*
       106(26), 10570-10575.
    .. [2] Hidalgo, C. A., Klinger, B., Barabasi, A.-L. & Hausmann, R. (2007). The product space
       conditions the development of nations. *Science* 317(5837), 482-487.
    .. [3] Hausmann, R., Hidalgo, C. A., Bustos, S., Coscia, M., Simoes, A. & Yildirim, M. A. (2014).
       *The Atlas of Economic Complexity: Mapping Paths to Prosperity*. MIT Press (technical box 5.4:
       distance, opportunity value and opportunity gain).
    .. [4] Balland, P.-A. (2017). EconGeo: Computing key indicators of the spatial distribution of
       economic activities (R package): ``rca``, ``kci``, ``tci``, ``co_occurrence``,
       ``relatedness``, ``relatedness_density``.
    .. [5] Growth Lab at Harvard. py-ecomplexity 0.5.3 (PyPI ``ecomplexity``), port of the Stata
       ``ecomplexity`` command.

    Examples
    --------
    >>> import pandas as pd
    >>> from stackatlas.metrics import complexity
    >>> df = pd.DataFrame({
    ...     "region": ["north"] * 4 + ["east"] * 4 + ["south"] * 4 + ["west"] * 4,
    ...     "sector": ["farming", "logistics", "chemicals", "software"] * 4,
    ...     "jobs": [10, 0, 5, 20, 0, 40, 0, 5, 5, 40, 0, 10, 0, 20, 5, 0],
    ... })
    >>> out = complexity(df, location="region", activity="sector", value="jobs")
    >>> cols = ["region", "sector", "jobs", "rca", "mcp", "density", "cog"]
    >>> out.loc[out.region == "north", cols].round(2)
      region     sector  jobs   rca  mcp  density   cog
    4  north  chemicals   5.0  2.29  1.0     0.86  0.00
    5  north    farming  10.0  3.05  1.0     1.00  0.00
    6  north  logistics   0.0  0.00  0.0     0.25 -0.98
    7  north   software  20.0  2.61  1.0     1.00  0.00
    >>> out.drop_duplicates("region")[["region", "diversity", "eci", "coi"]].round(2)
       region  diversity   eci   coi
    0    east        1.0 -0.83 -0.10
    4   north        3.0  1.61 -1.31
    8   south        1.0 -0.83 -0.10
    12   west        2.0  0.05  1.51
    >>> out.drop_duplicates("sector")[["sector", "ubiquity", "pci"]].round(2)
          sector  ubiquity   pci
    0  chemicals       2.0  0.94
    1    farming       1.0  1.95
    2  logistics       3.0 -0.83
    3   software       1.0  1.95

    ECI is the mean PCI of a location's activities (py-ecomplexity's normalisation):

    >>> north = out[(out.region == "north") & (out.mcp == 1)]
    >>> bool(abs(north.pci.mean() - north.eci.iloc[0]) < 1e-12)
    True
    """
    _check_options(
        rca_threshold,
        normalization=(normalization, ("ecomplexity", "zscore", "none")),
        sign=(sign, ("diversity", "ubiquity")),
        cog=(cog, ("ecomplexity", "atlas")),
        ddof=(ddof, (0, 1)),
    )
    panel = build_panel(
        df,
        location=location,
        activity=activity,
        value=value,
        time=time,
        presence=presence,
        duplicates=duplicates,
    )
    sizes = [p.values.size for p in panel.periods]
    # one (columns x rows) buffer that becomes the frame's float block without a copy
    buf = np.empty((1 + len(_OUTPUT), sum(sizes)))
    codes: list[tuple[npt.NDArray[np.intp], ...]] = []
    offset = 0
    for period, size in zip(panel.periods, sizes, strict=True):
        n_c, n_p = period.values.shape
        views = {k: buf[1 + j, offset : offset + size].reshape(n_c, n_p) for j, k in enumerate(_OUTPUT)}
        buf[0, offset : offset + size] = period.values.ravel()
        _period_complexity(
            period,
            views,
            rca_threshold=float(rca_threshold),
            normalization=normalization,
            ddof=ddof,
            sign=sign,
            density_diagonal=density_diagonal,
            cog=cog,
            asymmetric=asymmetric,
        )
        codes.append((np.repeat(period.locations, n_p), np.tile(period.activities, n_c)))
        offset += size
    keys = _key_frame(panel, time, sizes, codes, (location, activity), (panel.location_labels, panel.activity_labels))
    out = pd.DataFrame(buf.T, columns=[value, *_OUTPUT], copy=False)
    for pos, (name, col) in enumerate(keys.items()):
        out.insert(pos, name, col)
    return out


def proximity(
    df: pd.DataFrame,
    *,
    location: str,
    activity: str,
    value: str,
    time: str | None = None,
    rca_threshold: float = 1.0,
    presence: str | None = None,
    asymmetric: bool = False,
    diagonal: bool = True,
    duplicates: Duplicates = "first",
) -> pd.DataFrame:
    r"""Proximity between every pair of activities (Hidalgo et al. 2007 [1]_), as a long table.

    With the presence matrix :math:`M_{cp}` of :func:`complexity` (RCA at or above
    ``rca_threshold``, or the ``presence`` column) and ubiquity :math:`k_{p,0}=\sum_c M_{cp}`,

    .. math::

        \phi_{ab} = \min\{P(M_{ca}=1\mid M_{cb}=1),\,P(M_{cb}=1\mid M_{ca}=1)\}
                  = \frac{\sum_c M_{ca}M_{cb}}{\max(k_{a,0},k_{b,0})}

    computed per period on the activities with a positive total in that period (as py-ecomplexity's
    ``proximity`` [2]_). Values lie in [0, 1], the matrix is symmetric and the diagonal is 1; an activity
    with zero ubiquity (possible only with ``rca_threshold > 1`` or a presence column) has NaN
    proximities.

    Parameters
    ----------
    df : pandas.DataFrame
        Long table, one row per (time,) location, activity.
    location, activity, value, time, rca_threshold, presence, duplicates
        As in :func:`complexity`.
    asymmetric : bool, default False
        Return :math:`\phi_{ab}=P(M_{cb}=1\mid M_{ca}=1)=\sum_c M_{ca}M_{cb}/k_{a,0}` instead
        (py-ecomplexity's ``asymmetric=True``).
    diagonal : bool, default True
        Include the pairs (a, a) (py-ecomplexity includes them with proximity 1; EconGeo [3]_ and
        the OEC's package set the diagonal to 0, which is ``diagonal=False`` here).

    Returns
    -------
    pandas.DataFrame
        Columns ``[time,] activity_a, activity_b, proximity``, one row per ordered pair of
        activities, sorted.

    Raises
    ------
    stackatlas.errors.AnalysisError
        As :func:`complexity`.

    References
    ----------
    .. [1] Hidalgo, C. A., Klinger, B., Barabasi, A.-L. & Hausmann, R. (2007). The product space
       conditions the development of nations. *Science* 317(5837), 482-487.
    .. [2] Growth Lab at Harvard. py-ecomplexity 0.5.3 (PyPI ``ecomplexity``): ``proximity``.
    .. [3] Balland, P.-A. (2017). EconGeo (R package): ``co_occurrence``, ``relatedness``.

    Examples
    --------
    >>> import pandas as pd
    >>> from stackatlas.metrics import proximity
    >>> df = pd.DataFrame({
    ...     "region": ["a", "a", "b", "b", "c"],
    ...     "sector": ["x", "y", "x", "z", "y"],
    ...     "jobs": [1, 1, 1, 1, 1],
    ... })
    >>> proximity(df, location="region", activity="sector", value="jobs", diagonal=False)
      activity_a activity_b  proximity
    0          x          y        0.5
    1          x          z        0.5
    2          y          x        0.5
    3          y          z        0.0
    4          z          x        0.5
    5          z          y        0.0
    """
    _check_options(rca_threshold)
    panel = build_panel(
        df,
        location=location,
        activity=activity,
        value=value,
        time=time,
        presence=presence,
        duplicates=duplicates,
    )
    sizes: list[int] = []
    codes: list[tuple[npt.NDArray[np.intp], ...]] = []
    vals: list[FloatArray] = []
    for period in panel.periods:
        act = _active(period, float(rca_threshold))
        phi = _proximity_matrix(act.m, act.m.sum(axis=0), asymmetric, act.binary)
        acts = period.activities[act.cols]
        n = len(acts)
        a_idx, b_idx = np.repeat(acts, n), np.tile(acts, n)
        flat = phi.ravel()
        if not diagonal:
            keep = ~np.eye(n, dtype=bool).ravel()
            a_idx, b_idx, flat = a_idx[keep], b_idx[keep], flat[keep]
        sizes.append(len(flat))
        codes.append((a_idx, b_idx))
        vals.append(flat)
    cols = _key_frame(
        panel,
        time,
        sizes,
        codes,
        ("activity_a", "activity_b"),
        (panel.activity_labels, panel.activity_labels),
    )
    cols["proximity"] = np.concatenate(vals)
    return pd.DataFrame(cols)


def fitness_complexity(
    df: pd.DataFrame,
    *,
    location: str,
    activity: str,
    value: str,
    time: str | None = None,
    rca_threshold: float = 1.0,
    presence: str | None = None,
    max_iter: int = 1000,
    tol: float = 1e-10,
    duplicates: Duplicates = "first",
) -> FitnessComplexity:
    r"""Fitness of locations and complexity of activities (Tacchella et al. 2012 [1]_).

    Starting from :math:`F_c^{(0)}=Q_p^{(0)}=1` the non-linear map

    .. math::

        \tilde F_c^{(n)} = \sum_p M_{cp}\,Q_p^{(n-1)}, \qquad
        \tilde Q_p^{(n)} = \frac{1}{\sum_c M_{cp}\,/\,F_c^{(n-1)}}, \qquad
        F_c^{(n)} = \frac{\tilde F_c^{(n)}}{\langle \tilde F^{(n)}\rangle_c}, \qquad
        Q_p^{(n)} = \frac{\tilde Q_p^{(n)}}{\langle \tilde Q^{(n)}\rangle_p}

    is iterated (both updates from the previous step, normalised to mean 1 at every step) until the
    largest absolute change of any :math:`F` or :math:`Q` is below ``tol``, or ``max_iter`` steps
    (then a :class:`ConvergenceWarning` is issued). The presence matrix is the one of
    :func:`complexity`; locations with zero diversity and activities with zero ubiquity are left out
    (NaN). On matrices that are not perfectly nested some fitnesses decay towards 0 only slowly
    (Pugliese et al. 2016 [2]_); they are kept strictly positive.

    Parameters
    ----------
    df : pandas.DataFrame
        Long table, one row per (time,) location, activity.
    location, activity, value, time, rca_threshold, presence, duplicates
        As in :func:`complexity`.
    max_iter : int, default 1000
        Maximum number of iterations per period.
    tol : float, default 1e-10
        Convergence threshold on the largest absolute change between two iterations.

    Returns
    -------
    FitnessComplexity
        Named tuple ``(fitness, complexity)`` of DataFrames: ``[time,] location, fitness, diversity``
        and ``[time,] activity, complexity, ubiquity``, sorted by the key columns.

    Raises
    ------
    stackatlas.errors.AnalysisError
        As :func:`complexity`, or for a non-positive ``max_iter`` / ``tol``.

    References
    ----------
    .. [1] Tacchella, A., Cristelli, M., Caldarelli, G., Gabrielli, A. & Pietronero, L. (2012). A new
       metrics for countries' fitness and products' complexity. *Scientific Reports* 2, 723.
    .. [2] Pugliese, E., Zaccaria, A. & Pietronero, L. (2016). On the convergence of the
       Fitness-Complexity algorithm. *The European Physical Journal Special Topics* 225, 1893-1911.

    Examples
    --------
    A presence table (every listed pair is present):

    >>> import pandas as pd
    >>> from stackatlas.metrics import fitness_complexity
    >>> df = pd.DataFrame({
    ...     "region": ["north"] * 3 + ["east"] * 4 + ["south"] * 3 + ["west"] * 2,
    ...     "sector": ["farming", "logistics", "software",
    ...                "farming", "logistics", "chemicals", "software",
    ...                "logistics", "chemicals", "software",
    ...                "farming", "logistics"],
    ...     "present": 1,
    ... })
    >>> res = fitness_complexity(df, location="region", activity="sector", value="present",
    ...                          presence="present")
    >>> res.fitness.round(3)
      region  fitness  diversity
    0   east    1.493        4.0
    1  north    0.812        3.0
    2  south    1.253        3.0
    3   west    0.441        2.0
    >>> res.complexity.round(3)
          sector  complexity  ubiquity
    0  chemicals       1.825       2.0
    1    farming       0.643       3.0
    2  logistics       0.540       4.0
    3   software       0.992       3.0
    """
    _check_options(rca_threshold)
    if not isinstance(max_iter, int) or max_iter < 1:
        raise AnalysisError(f"max_iter must be a positive integer, not {max_iter!r}")
    if not (isinstance(tol, (int, float)) and tol > 0):
        raise AnalysisError(f"tol must be a positive number, not {tol!r}")
    panel = build_panel(
        df,
        location=location,
        activity=activity,
        value=value,
        time=time,
        presence=presence,
        duplicates=duplicates,
    )
    loc_sizes: list[int] = []
    act_sizes: list[int] = []
    loc_codes: list[tuple[npt.NDArray[np.intp], ...]] = []
    act_codes: list[tuple[npt.NDArray[np.intp], ...]] = []
    fit: list[FloatArray] = []
    cpx: list[FloatArray] = []
    div: list[FloatArray] = []
    ubi: list[FloatArray] = []
    for period in panel.periods:
        act = _active(period, float(rca_threshold))
        n_c, n_p = period.values.shape
        diversity = np.full(n_c, np.nan)
        ubiquity = np.full(n_p, np.nan)
        diversity[act.rows] = act.m.sum(axis=1)
        ubiquity[act.cols] = act.m.sum(axis=0)
        f_full = np.full(n_c, np.nan)
        q_full = np.full(n_p, np.nan)
        vr, vp = diversity > 0, ubiquity > 0  # NaN compares False
        if vr.any() and vp.any():
            block = np.zeros((n_c, n_p))
            block[np.ix_(act.rows, act.cols)] = act.m
            m_v = np.ascontiguousarray(block[np.ix_(vr, vp)])
            f, q, _, ok = _fitness(m_v, max_iter, float(tol))
            if not ok:
                where = "" if period.label is None else f" in period {period.label!r}"
                warnings.warn(
                    f"fitness-complexity did not converge to tol={tol}{where} in {max_iter} iterations",
                    ConvergenceWarning,
                    stacklevel=2,
                )
            f_full[vr] = f
            q_full[vp] = q
        loc_sizes.append(n_c)
        act_sizes.append(n_p)
        loc_codes.append((period.locations,))
        act_codes.append((period.activities,))
        fit.append(f_full)
        cpx.append(q_full)
        div.append(diversity)
        ubi.append(ubiquity)
    fcols = _key_frame(panel, time, loc_sizes, loc_codes, (location,), (panel.location_labels,))
    fcols["fitness"] = np.concatenate(fit)
    fcols["diversity"] = np.concatenate(div)
    qcols = _key_frame(panel, time, act_sizes, act_codes, (activity,), (panel.activity_labels,))
    qcols["complexity"] = np.concatenate(cpx)
    qcols["ubiquity"] = np.concatenate(ubi)
    return FitnessComplexity(pd.DataFrame(fcols), pd.DataFrame(qcols))
