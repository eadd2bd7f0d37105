"""Group statistics of the study: mean +- SD tables, Wilcoxon signed-rank tests, Benjamini-Hochberg.

Serves the paper's "Statistical analysis" section and the q-value blocks of Tables 2 and 3
:cite:`kashiwagi2022lumbar`: every value is reported as mean +- SD over the volunteers; the
five image sets are compared pairwise with the two-sided Wilcoxon signed-rank test
:cite:`wilcoxon1945individual`, and the p-values are adjusted with the Benjamini-Hochberg
procedure :cite:`benjamini1995controlling`; q < 0.05 is significant.

The tests come from :func:`scipy.stats.wilcoxon` and the adjustment from
:func:`statsmodels.stats.multitest.multipletests`; this module only arranges the data.

The paper used SPSS, whose signed-rank test reports the asymptotic (normal approximation)
p-value with zero differences dropped, the variance corrected for ties and no continuity
correction. ``method="spss"`` reproduces that; the exact p-value (the permutation
distribution of the signed ranks) is reported beside it, and ``method="exact"`` adjusts that
one instead.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats as sps
from statsmodels.stats.multitest import multipletests

from lumbarlib.core.checks import check_choice, check_range
from lumbarlib.study.design import ALPHA, COMPARISONS, SET_NAMES, comparison_label

WILCOXON_METHODS = ("spss", "exact")
"""Which p-value the q-values adjust: SPSS's asymptotic one, or the exact one."""

BH_FAMILIES = ("group", "all")
"""Benjamini-Hochberg families: the comparisons of one group value (one tissue), or the whole table."""

EXACT_MAX_N = 20
"""Largest number of pairs whose 2**n sign patterns are enumerated for the exact p-value."""


def _require_columns(tidy: pd.DataFrame, columns: Sequence[str]) -> None:
    missing = [c for c in columns if c not in tidy.columns]
    if missing:
        raise ValueError(f"tidy table lacks column(s) {missing}; it has {list(tidy.columns)}")


def _ordered_unique(series: pd.Series) -> list:
    if isinstance(series.dtype, pd.CategoricalDtype):
        present = set(series.dropna())
        return [c for c in series.cat.categories if c in present]
    return list(pd.unique(series.dropna()))


def mean_sd_table(tidy: pd.DataFrame, value: str, row: str, *, set_col: str = "set") -> pd.DataFrame:
    """Mean and standard deviation of ``value`` per row and image set, in the layout of Tables 2 and 3.

    Parameters
    ----------
    tidy : DataFrame
        One line per measurement, with columns ``row``, ``set_col`` and ``value``.
    value : str
        The column summarised (``"SNR"``, ``"CNR"``, a reader score).
    row : str
        The column whose values become the table's rows (``"tissue"``, ``"criterion"``).
    set_col : str
        The column naming the image set; its values become column pairs.

    Returns
    -------
    DataFrame
        Column ``row``, then ``"<set> mean"`` and ``"<set> SD"`` for each set: the paper's
        sets in its order (1)-(5), then any other in order of first appearance (or category
        order). The SD is the sample SD (ddof = 1), as SPSS reports it. Rows keep their order
        of first appearance.
    """
    _require_columns(tidy, (value, row, set_col))
    rows = _ordered_unique(tidy[row])
    present = _ordered_unique(tidy[set_col])
    sets = [name for name in SET_NAMES if name in present] + [name for name in present if name not in SET_NAMES]
    grouped = tidy.groupby([row, set_col], observed=True, sort=False)[value]
    means = grouped.mean()
    sds = grouped.std(ddof=1)
    table: dict[str, list] = {row: rows}
    for name in sets:
        table[f"{name} mean"] = [float(means.get((r, name), np.nan)) for r in rows]
        table[f"{name} SD"] = [float(sds.get((r, name), np.nan)) for r in rows]
    return pd.DataFrame(table)


def format_mean_sd(table: pd.DataFrame, row: str, *, decimals: int = 1) -> pd.DataFrame:
    """Turn a :func:`mean_sd_table` into the paper's printed form, one ``"111.3 ± 44.0"`` cell per set."""
    check_range("decimals", decimals, 0, 6, integer=True)
    out = {row: list(table[row])}
    for column in table.columns:
        if column.endswith(" mean"):
            name = column[: -len(" mean")]
            out[name] = [f"{m:.{decimals}f} ± {s:.{decimals}f}" for m, s in zip(table[column], table[f"{name} SD"])]
    return pd.DataFrame(out)


def _finite_numbers(name: str, values: Sequence[float] | np.ndarray) -> np.ndarray:
    """``values`` as a 1-D float array, or ValueError naming ``name`` if they are not finite numbers."""
    try:
        array = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"parameter {name!r} = {values!r}: must be numbers") from None
    if array.ndim != 1:
        raise ValueError(f"parameter {name!r}: must be one sequence of numbers, got shape {array.shape}")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"parameter {name!r}: holds NaN or infinite values at {np.flatnonzero(~np.isfinite(array))}")
    return array


def _no_differences(d: np.ndarray) -> bool:
    return not np.any(d != 0)


def wilcoxon_spss(differences: np.ndarray) -> tuple[float, float, float]:
    """Two-sided Wilcoxon signed-rank test as SPSS reports it.

    Zero differences are dropped (Wilcoxon's convention), the normal approximation uses
    the tie-corrected variance, and no continuity correction is applied.

    Returns
    -------
    statistic, z, p : float
        The smaller of the signed-rank sums, its z-score and the asymptotic p-value.
        When every difference is zero there is nothing to rank: statistic 0, z 0, p 1.
    """
    d = _finite_numbers("differences", differences)
    if _no_differences(d):
        return 0.0, 0.0, 1.0
    res = sps.wilcoxon(d, zero_method="wilcox", correction=False, method="asymptotic")
    return float(res.statistic), float(res.zstatistic), float(res.pvalue)


def wilcoxon_exact(differences: np.ndarray) -> float:
    """Exact two-sided p-value of the signed-rank statistic (zero differences dropped).

    Without ties this is scipy's exact null distribution of the statistic. With tied
    absolute differences that distribution no longer applies; the p-value then enumerates
    all 2**n sign patterns (:class:`scipy.stats.PermutationMethod`), and beyond
    :data:`EXACT_MAX_N` pairs falls back on scipy's exact distribution, which rounds a tied
    statistic conservatively. All zero -> p = 1.
    """
    d = _finite_numbers("differences", differences)
    if _no_differences(d):
        return 1.0
    d = d[d != 0]
    tied = np.unique(np.abs(d)).size < d.size
    if tied and d.size <= EXACT_MAX_N:
        method = sps.PermutationMethod(n_resamples=2**d.size, batch=2**14)
    else:
        method = "exact"
    return float(sps.wilcoxon(d, zero_method="wilcox", method=method).pvalue)


def bh_qvalues(p: Sequence[float] | np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg q-values (false-discovery-rate adjusted p-values) of one family.

    Raises
    ------
    ValueError
        If ``p`` holds anything but finite p-values in [0, 1].
    """
    p = _finite_numbers("p", p)
    outside = p[(p < 0) | (p > 1)]
    if outside.size:
        raise ValueError(f"parameter 'p': p-values must lie in [0, 1], got {outside.tolist()}")
    if p.size == 0:
        return p.copy()
    return multipletests(p, alpha=ALPHA, method="fdr_bh")[1]


def paired_values(
    tidy: pd.DataFrame, value: str, first: str, second: str, *, subject: str, set_col: str
) -> pd.DataFrame:
    """The values of two sets side by side, one line per subject (columns ``first``, ``second``)."""
    wide = {}
    for name in (first, second):
        part = tidy.loc[tidy[set_col] == name, [subject, value]]
        if part.empty:
            present = _ordered_unique(tidy[set_col])
            raise ValueError(f"set {name!r} has no measurements; sets present: {present}")
        if part[subject].duplicated().any():
            dup = list(part.loc[part[subject].duplicated(), subject].unique())
            raise ValueError(f"set {name!r}: several {value} values for {subject} {dup}; expected one each")
        wide[name] = part.set_index(subject)[value]
    pairs = pd.DataFrame(wide)
    unpaired = pairs.index[pairs.isna().any(axis=1)].tolist()
    if unpaired:
        raise ValueError(
            f"{first!r} vs {second!r}: {subject} {unpaired} lack(s) a {value} value in one of the two sets"
        )
    return pairs


def compare_sets(
    tidy: pd.DataFrame,
    value: str,
    group: str,
    *,
    subject: str = "volunteer",
    set_col: str = "set",
    comparisons: Sequence[tuple[str, str]] = COMPARISONS,
    family: str = "group",
    method: str = "spss",
) -> pd.DataFrame:
    """Wilcoxon signed-rank tests of paired sets followed by Benjamini-Hochberg (Tables 2 and 3, q values).

    Parameters
    ----------
    tidy : DataFrame
        One line per (subject, set, group value) with the measured ``value``.
    value : str
        The column compared (``"SNR"``, ``"CNR"``, a reader score).
    group : str
        The column whose values are analysed separately (``"tissue"``, ``"criterion"``).
    subject : str
        The column pairing the measurements (``"volunteer"``).
    set_col : str
        The column naming the image set.
    comparisons : sequence of (str, str)
        Pairs of set names; the default is the paper's four.
    family : {"group", "all"}
        Benjamini-Hochberg over the comparisons within each group value (the family that
        reproduces the paper's q-values), or over the whole table.
    method : {"spss", "exact"}
        The p-value adjusted into q: SPSS's asymptotic one (default, as in the paper) or
        the exact one.

    Returns
    -------
    DataFrame
        One row per (group value, comparison), columns: ``group`` (named after the
        argument, e.g. ``tissue``), ``comparison`` (``"a vs b"``), ``n`` (pairs), ``n_nonzero`` (pairs
        with a non-zero difference: the ones ranked, zeros being dropped), ``statistic``
        (smaller signed-rank sum), ``p`` (SPSS asymptotic), ``p_exact``, ``q`` and
        ``significant`` (q < 0.05).

    Raises
    ------
    ValueError
        Missing columns, a set without measurements, a subject missing from one set of a
        pair, or fewer than 2 subjects in a comparison; raised before any test runs.
    """
    check_choice("family", family, BH_FAMILIES)
    check_choice("method", method, WILCOXON_METHODS)
    _require_columns(tidy, (value, group, subject, set_col))
    if len(comparisons) == 0:
        raise ValueError("comparisons is empty: give at least one pair of set names")

    groups = _ordered_unique(tidy[group])
    paired: list[tuple[object, str, np.ndarray]] = []
    for g in groups:
        part = tidy[tidy[group] == g]
        for first, second in comparisons:
            pairs = paired_values(part, value, first, second, subject=subject, set_col=set_col)
            if len(pairs) < 2:
                raise ValueError(
                    f"{group} {g!r}, {comparison_label(first, second)}: {len(pairs)} {subject}(s); "
                    "the signed-rank test needs at least 2"
                )
            d = (pairs[second] - pairs[first]).to_numpy(dtype=float)
            paired.append((g, comparison_label(first, second), d))

    rows = []
    for g, label, d in paired:
        statistic, _, p = wilcoxon_spss(d)
        rows.append(
            {
                group: g,
                "comparison": label,
                "n": int(d.size),
                "n_nonzero": int(np.count_nonzero(d)),
                "statistic": statistic,
                "p": p,
                "p_exact": wilcoxon_exact(d),
            }
        )
    out = pd.DataFrame(rows)
    adjusted = out["p"] if method == "spss" else out["p_exact"]
    if family == "all":
        out["q"] = bh_qvalues(adjusted.to_numpy())
    else:
        out["q"] = adjusted.groupby(out[group], sort=False).transform(
            lambda s: pd.Series(bh_qvalues(s.to_numpy()), index=s.index)
        )
    out["significant"] = out["q"] < ALPHA
    return out


def print_q(q: float) -> str:
    """A q-value as the paper prints it: ``"<0.01"`` below 0.01, else two decimals."""
    return "<0.01" if q < 0.01 else f"{q:.2f}"


def q_layout(q_table: pd.DataFrame, group: str, *, keys: Sequence[str] = ()) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The q-values of :func:`compare_sets` in the layout of Tables 2 and 3.

    Parameters
    ----------
    q_table : DataFrame
        Output of :func:`compare_sets` (possibly several stacked, told apart by ``keys``).
    group : str
        Its group column (``"tissue"``).
    keys : sequence of str
        Further leading columns (``("measure",)``).

    Returns
    -------
    text, significant : DataFrame
        One row per (keys, group value) and one column per comparison, in their order of
        appearance: the q-values printed as the paper prints them (:func:`print_q`), and
        whether each is significant (q < 0.05), for bold type.
    """
    index = [*keys, group]
    _require_columns(q_table, (*index, "comparison", "q", "significant"))
    rows = q_table[index].drop_duplicates()
    comparisons = list(pd.unique(q_table["comparison"]))
    lookup = q_table.set_index([*index, "comparison"])
    text = rows.reset_index(drop=True).copy()
    significant = rows.reset_index(drop=True).copy()
    for label in comparisons:
        cells = [tuple(r) + (label,) for r in rows.itertuples(index=False)]
        text[label] = [print_q(float(lookup.loc[c, "q"])) for c in cells]
        significant[label] = [bool(lookup.loc[c, "significant"]) for c in cells]
    for column in index:
        significant[column] = False
    return text, significant
