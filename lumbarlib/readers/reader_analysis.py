"""Analysis of a reader score table: Table 3, its q-values, Fig. 4 and the paper side by side.

Serves the paper's "Qualitative analysis" results, Table 3 and Fig. 4
:cite:`kashiwagi2022lumbar`, for any score table (virtual readers or people): the median
of the readers' scores per volunteer, set and criterion is what the paper analysed; its
mean +- SD over volunteers is Table 3; the four comparisons use the same two-sided
Wilcoxon signed-rank tests and Benjamini-Hochberg q-values as the quantitative chapter
(:func:`lumbarlib.analysis.stats.compare_sets`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from lumbarlib.analysis.stats import compare_sets, format_mean_sd, mean_sd_table
from lumbarlib.readers.scores import CRITERIA, CRITERION_LABELS, SCALE, validate_scores
from lumbarlib.study.design import (
    COMPARISONS,
    SET_COLOURS,
    SET_LABELS,
    SET_NAMES,
    comparison_label,
)
from lumbarlib.study.paper import PublishedTable, significance_agreement

EQUAL_WITHIN = 0.05
"""Mean differences smaller than this count as "equal": Table 3 prints one decimal."""


def median_scores(scores: pd.DataFrame) -> pd.DataFrame:
    """Median over readers per volunteer, set and criterion (what the paper tested).

    Parameters
    ----------
    scores : DataFrame
        A score table (:mod:`lumbarlib.readers.scores`), checked first.

    Returns
    -------
    DataFrame
        Columns ``volunteer``, ``set`` and ``criterion`` (ordered categoricals: the sets of
        :data:`~lumbarlib.study.design.SET_NAMES`, the criteria as Table 3 prints them),
        ``score`` (float: the median of an even number of readers can end in .5) and
        ``n_readers``.
    """
    scores = validate_scores(scores)
    grouped = scores.groupby(["volunteer", "set", "criterion"], sort=False)["score"]
    out = grouped.agg(score="median", n_readers="size").reset_index()
    out["score"] = out["score"].astype(float)
    out["set"] = pd.Categorical(out["set"], categories=list(SET_NAMES), ordered=True)
    labels = [CRITERION_LABELS[c] for c in CRITERIA]
    out["criterion"] = pd.Categorical(out["criterion"].map(CRITERION_LABELS), categories=labels, ordered=True)
    return out.sort_values(["criterion", "set", "volunteer"]).reset_index(drop=True)


def score_summary(medians: pd.DataFrame) -> pd.DataFrame:
    """Table 3: mean and SD (ddof 1) of the median scores over volunteers, per criterion and set."""
    return mean_sd_table(medians, "score", "criterion")


def published_summary(published: PublishedTable) -> pd.DataFrame:
    """The published Table 3 in the layout of :func:`score_summary` (criterion, then mean and SD per set)."""
    values = published.values
    out = pd.DataFrame({"criterion": list(dict.fromkeys(values["criterion"]))})
    table = values.set_index(["criterion", "set"])
    for name in SET_NAMES:
        out[f"{name} mean"] = [float(table.loc[(c, name), "mean"]) for c in out["criterion"]]
        out[f"{name} SD"] = [float(table.loc[(c, name), "sd"]) for c in out["criterion"]]
    return out


def table3_printed(summary: pd.DataFrame, published: PublishedTable) -> pd.DataFrame:
    """Table 3 as printed (``"3.1 ± 0.3"``), each criterion's published row above the simulated one.

    Columns ``criterion``, ``source`` (``paper``, ``simulated``) and one per set, headed by
    :data:`SET_LABELS`.
    """
    paper = published_summary(published)
    rows = []
    for source, table in (("paper", paper), ("simulated", summary)):
        printed = format_mean_sd(table, "criterion")
        printed.insert(1, "source", source)
        rows.append(printed.assign(_order=[list(paper["criterion"]).index(str(c)) for c in printed["criterion"]]))
    out = pd.concat(rows, ignore_index=True).sort_values("_order", kind="stable").drop(columns="_order")
    out["criterion"] = out["criterion"].astype(str)
    return out.rename(columns=SET_LABELS).reset_index(drop=True)


def compare_scores(medians: pd.DataFrame, *, family: str = "group", method: str = "spss") -> pd.DataFrame:
    """Table 3's q-values: the paper's four comparisons per criterion.

    The tests are those of :func:`lumbarlib.analysis.stats.compare_sets`.
    """
    return compare_sets(medians, "score", "criterion", family=family, method=method)


def _direction(difference: float) -> str:
    if not np.isfinite(difference):
        return "n/a"
    if abs(difference) < EQUAL_WITHIN:
        return "equal"
    return "higher" if difference > 0 else "lower"


def summary_long(summary: pd.DataFrame) -> pd.DataFrame:
    """A :func:`score_summary` table as one line per (criterion, set) with ``mean`` and ``sd``."""
    rows = []
    for _, line in summary.iterrows():
        for name in SET_NAMES:
            if f"{name} mean" in summary.columns:
                rows.append(
                    {
                        "criterion": line["criterion"],
                        "set": name,
                        "mean": float(line[f"{name} mean"]),
                        "sd": float(line[f"{name} SD"]),
                    }
                )
    return pd.DataFrame(rows)


OPPOSITE = "differ: both significant, opposite directions"
"""The verdict of a comparison significant in the paper and in the simulation, one set better in each."""


def paper_vs_sim(summary: pd.DataFrame, q: pd.DataFrame, published: PublishedTable) -> pd.DataFrame:
    """Each comparison of Table 3 in the paper and in a score table: direction and significance.

    Parameters
    ----------
    summary : DataFrame
        :func:`score_summary` of the score table.
    q : DataFrame
        :func:`compare_scores` of the score table.
    published : PublishedTable
        :func:`lumbarlib.study.paper.load_table3`.

    Returns
    -------
    DataFrame
        One row per (criterion, comparison ``"a vs b"``): ``paper_difference`` and
        ``sim_difference`` (mean of b minus mean of a), their directions (``higher``,
        ``lower``, ``equal`` within :data:`EQUAL_WITHIN`), ``same_direction``, ``paper_q``
        (as printed), ``sim_q`` and ``significance`` (the verdict of
        :func:`lumbarlib.study.paper.significance_agreement`, or :data:`OPPOSITE` where both
        are significant in opposite directions).
    """
    means = {
        "paper": published.values.set_index(["criterion", "set"])["mean"],
        "sim": summary_long(summary).set_index(["criterion", "set"])["mean"],
    }
    sim_q = q.assign(criterion=q["criterion"].astype(str)).set_index(["criterion", "comparison"])
    pattern = significance_agreement(q.assign(criterion=q["criterion"].astype(str)), published)
    verdicts = pattern.melt(id_vars="criterion", var_name="comparison", value_name="significance")
    verdicts = verdicts.set_index(["criterion", "comparison"])["significance"]
    printed = published.q.set_index(["criterion", "comparison"])["q_text"]
    rows = []
    for criterion in pattern["criterion"]:
        for first, second in COMPARISONS:
            label = comparison_label(first, second)
            row = {"criterion": criterion, "comparison": label}
            for source, table in means.items():
                difference = float(table[(criterion, second)] - table[(criterion, first)])
                row[f"{source}_difference"] = difference
                row[f"{source}_direction"] = _direction(difference)
            row["same_direction"] = row["paper_direction"] == row["sim_direction"]
            row["paper_q"] = printed[(criterion, label)]
            row["sim_q"] = float(sim_q.loc[(criterion, label), "q"])
            row["significance"] = verdicts[(criterion, label)]
            if row["significance"] == "agree: both significant" and not row["same_direction"]:
                row["significance"] = OPPOSITE
            rows.append(row)
    return pd.DataFrame(rows)


def _keyed(long: pd.DataFrame) -> pd.DataFrame:
    return long.assign(criterion=long["criterion"].astype(str)).set_index(["criterion", "set"])


def plot_scores(
    ax: Axes,
    summary: pd.DataFrame,
    *,
    title: str,
    overlay: pd.DataFrame | None = None,
    overlay_label: str = "paper (mean)",
) -> None:
    """Fig. 4: mean score per criterion and set with SD bars, optionally another table's means as markers.

    Parameters
    ----------
    ax : Axes
        Where to draw.
    summary : DataFrame
        :func:`score_summary` (or any table with ``criterion``, ``set``, ``mean``, ``sd`` in
        long form).
    title : str
        What is shown (say whose scores they are).
    overlay : DataFrame, optional
        Long (criterion, set, mean) table drawn as black markers on the bars (the paper's
        Table 3, or another reader's means).
    """
    long = summary if "mean" in summary.columns else summary_long(summary)
    criteria = list(dict.fromkeys(long["criterion"].astype(str)))
    sets = [s for s in SET_NAMES if s in set(long["set"])]
    width = 0.8 / len(sets)
    x = np.arange(len(criteria))
    table = _keyed(long)
    marked = _keyed(overlay) if overlay is not None else None
    for k, name in enumerate(sets):
        offset = x - 0.4 + width * (k + 0.5)
        means = [table["mean"].get((c, name), np.nan) for c in criteria]
        sds = [table["sd"].get((c, name), np.nan) for c in criteria]
        ax.bar(
            offset,
            means,
            width,
            yerr=sds,
            capsize=2,
            color=SET_COLOURS[name],
            label=SET_LABELS[name],
            error_kw={"elinewidth": 0.8},
        )
        if marked is not None:
            ax.plot(
                offset,
                [marked["mean"].get((c, name), np.nan) for c in criteria],
                "kD",
                markersize=3.5,
                label=overlay_label if k == 0 else None,
            )
    ax.set_xticks(x, [c.replace(" ", "\n", 1) for c in criteria])
    ax.set_xlabel("criterion")
    ax.set_ylim(0, 6.2)
    ax.set_yticks(list(SCALE), [f"{k} {word}" for k, word in SCALE.items()])
    ax.set_ylabel("score (mean ± SD over volunteers)")
    ax.axhline(3, color="0.3", lw=0.8, ls=":")
    ax.set_title(title)
    ax.legend(ncols=3, loc="upper center", fontsize=8, frameon=False)
