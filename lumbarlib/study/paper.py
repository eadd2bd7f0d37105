"""The paper's published Tables 2 and 3, and the simulated results set beside them.

:cite:`kashiwagi2022lumbar` reports, for each tissue (Table 2) or reader criterion
(Table 3), the mean +- SD over 10 volunteers of the five image sets and the
Benjamini-Hochberg q-values of the four comparisons. The numbers are typed into
``data/paper_table2.csv`` and ``data/paper_table3.csv`` exactly as printed (see
``data/README.md`` for their provenance and the misprints they keep); this module reads
them into tidy tables and compares a simulation with them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from lumbarlib.core.paths import shipped_data_dir
from lumbarlib.study.design import (
    ALPHA,
    COMPARISONS,
    DLR_SETS,
    RATIOS,
    SET_NAMES,
    comparison_label,
    ratio_name,
    set_number,
)

TABLE2_FILE = "paper_table2.csv"
TABLE3_FILE = "paper_table3.csv"

_Q_COLUMN = re.compile(r"^q_(\d)v(\d)$")


@dataclass(frozen=True)
class PublishedTable:
    """One published table in tidy form.

    Attributes
    ----------
    values : DataFrame
        One line per (row, set): the row's key columns, ``set`` (a name of
        :data:`lumbarlib.study.design.SET_NAMES`), ``mean`` and ``sd``.
    q : DataFrame
        One line per (row, comparison): the key columns, ``comparison``
        (:func:`lumbarlib.study.design.comparison_label`), ``q_text`` as printed, ``q`` (the
        printed number; the bound for ``"<0.01"``), ``censored`` (True for ``"<0.01"``) and
        ``significant`` (q < 0.05).
    keys : tuple of str
        The key columns (``("measure", "tissue")`` or ``("criterion",)``).
    """

    values: pd.DataFrame
    q: pd.DataFrame
    keys: tuple[str, ...]


def _set_of(number: str) -> str:
    index = int(number) - 1
    if not 0 <= index < len(SET_NAMES):
        raise ValueError(f"published set number ({number}) is not one of 1..{len(SET_NAMES)}")
    return SET_NAMES[index]


def _parse_q(text: str) -> tuple[float, bool]:
    text = str(text).strip()
    if text.startswith("<"):
        return float(text[1:]), True
    return float(text), False


def _tidy(raw: pd.DataFrame, keys: tuple[str, ...]) -> PublishedTable:
    value_rows = []
    for _, line in raw.iterrows():
        for k, name in enumerate(SET_NAMES, start=1):
            value_rows.append(
                {
                    **{c: line[c] for c in keys},
                    "set": name,
                    "mean": float(line[f"mean_{k}"]),
                    "sd": float(line[f"sd_{k}"]),
                }
            )
    q_rows = []
    for column in raw.columns:
        match = _Q_COLUMN.match(column)
        if not match:
            continue
        first, second = _set_of(match.group(1)), _set_of(match.group(2))
        if (first, second) not in COMPARISONS:
            raise ValueError(f"published column {column!r} is not one of the study's comparisons")
        for _, line in raw.iterrows():
            q, censored = _parse_q(line[column])
            q_rows.append(
                {
                    **{c: line[c] for c in keys},
                    "comparison": comparison_label(first, second),
                    "q_text": str(line[column]).strip(),
                    "q": q,
                    "censored": censored,
                    "significant": q < ALPHA or (censored and q <= ALPHA),
                }
            )
    q_table = pd.DataFrame(q_rows)
    order = {comparison_label(*c): i for i, c in enumerate(COMPARISONS)}
    row_order = {tuple(line[c] for c in keys): i for i, (_, line) in enumerate(raw.iterrows())}
    q_table = (
        q_table.assign(
            _row=[row_order[tuple(r)] for r in q_table[list(keys)].itertuples(index=False)],
            _cmp=q_table["comparison"].map(order),
        )
        .sort_values(["_row", "_cmp"])
        .drop(columns=["_row", "_cmp"])
        .reset_index(drop=True)
    )
    return PublishedTable(values=pd.DataFrame(value_rows), q=q_table, keys=keys)


def load_table2(path: Path | None = None) -> PublishedTable:
    """The paper's Table 2 (SNR and CNR per tissue and set, with q-values).

    Keys are ``measure`` (``"SNR"``, ``"CNR"``) and ``tissue`` in lower case (``"fat"``,
    ``"csf"``, ``"vertebra"``, ``"disc"``, ``"cord"``, ``"muscle"``), the tissue names of
    :data:`lumbarlib.analysis.rois.ROI_TISSUES`.
    """
    raw = pd.read_csv(path or shipped_data_dir() / TABLE2_FILE, dtype={c: str for c in _q_columns()})
    raw["tissue"] = raw["tissue"].str.lower()
    return _tidy(raw, ("measure", "tissue"))


def load_table3(path: Path | None = None) -> PublishedTable:
    """The paper's Table 3 (reader scores per criterion and set, with q-values).

    The key is ``criterion`` spelled as printed (``"Perceived SNR"``, ...), rows in the
    order of the table's mean +- SD block.
    """
    raw = pd.read_csv(path or shipped_data_dir() / TABLE3_FILE, dtype={c: str for c in _q_columns()})
    return _tidy(raw, ("criterion",))


def _q_columns() -> list[str]:
    numbers = {name: k for k, name in enumerate(SET_NAMES, start=1)}
    return [f"q_{numbers[a]}v{numbers[b]}" for a, b in COMPARISONS]


def ratio_table(means: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """The standard level and the ratios of :data:`RATIOS` for each row of a tidy (keys, set, mean) table.

    Columns are ``"(1)"`` (the standard mean) and :func:`ratio_name` of each ratio.
    """
    wide = means.pivot_table(index=keys, columns="set", values="mean", sort=False)
    out = pd.DataFrame({set_number("standard"): wide["standard"]}, index=wide.index)
    for numerator, denominator in RATIOS:
        out[ratio_name(numerator, denominator)] = wide[numerator] / wide[denominator]
    return out


def simulated_means(long: pd.DataFrame) -> pd.DataFrame:
    """Mean and SD over volunteers of a long (volunteer, set, tissue, measure, value) table.

    Returns the layout of :attr:`PublishedTable.values` for Table 2: measure, tissue, set,
    mean, sd (sample SD, ddof = 1).
    """
    missing = [c for c in ("set", "tissue", "measure", "value") if c not in long.columns]
    if missing:
        raise ValueError(f"long table lacks column(s) {missing}")
    grouped = long.groupby(["measure", "tissue", "set"], sort=False, observed=True)["value"]
    return grouped.agg(mean="mean", sd=lambda v: v.std(ddof=1)).reset_index()


def compare_with_paper(simulated: pd.DataFrame, published: PublishedTable) -> pd.DataFrame:
    """Simulated Table 2 beside the published one: the standard level and the ratios of :data:`RATIOS`.

    Parameters
    ----------
    simulated : DataFrame
        Tidy means with the published table's key columns plus ``set`` and ``mean``
        (:func:`simulated_means`).
    published : PublishedTable
        From :func:`load_table2`.

    Returns
    -------
    DataFrame
        One row per published row present in ``simulated``: the key columns, then for the
        standard mean ``"(1)"`` and each ratio (``"(2)/(1)"`` ...) a ``paper`` and a ``sim``
        column (``"(3)/(2) paper"``, ``"(3)/(2) sim"``).
    """
    keys = list(published.keys)
    missing = [c for c in (*keys, "set", "mean") if c not in simulated.columns]
    if missing:
        raise ValueError(f"simulated table lacks column(s) {missing}")
    paper, sim = ratio_table(published.values, keys), ratio_table(simulated, keys)
    common = [i for i in paper.index if i in sim.index]
    if not common:
        raise ValueError("no row of the simulated table matches the published table's rows")
    out = pd.DataFrame(index=pd.MultiIndex.from_tuples(common, names=keys))
    for name in paper.columns:
        out[f"{name} paper"] = paper.loc[common, name].to_numpy()
        out[f"{name} sim"] = sim.loc[common, name].to_numpy()
    return out.reset_index()


def significance_agreement(simulated_q: pd.DataFrame, published: PublishedTable) -> pd.DataFrame:
    """The significance pattern of simulation and paper, cell by cell.

    Parameters
    ----------
    simulated_q : DataFrame
        The output of :func:`lumbarlib.analysis.stats.compare_sets` with the published key columns
        (``measure`` added for Table 2).
    published : PublishedTable

    Returns
    -------
    DataFrame
        The key columns, then one column per comparison holding ``"agree: both significant"``,
        ``"agree: both n.s."``, ``"differ: paper significant"`` or ``"differ: sim significant"``.
    """
    keys = list(published.keys)
    merged = published.q.merge(
        simulated_q[[*keys, "comparison", "significant"]],
        on=[*keys, "comparison"],
        how="inner",
        suffixes=("_paper", "_sim"),
    )
    if merged.empty:
        raise ValueError("no (row, comparison) of the simulated q-values matches the published table")

    def verdict(paper: bool, sim: bool) -> str:
        if paper == sim:
            return "agree: both significant" if paper else "agree: both n.s."
        return "differ: paper significant" if paper else "differ: sim significant"

    merged["pattern"] = [
        verdict(bool(p), bool(s)) for p, s in zip(merged["significant_paper"], merged["significant_sim"])
    ]
    wide = merged.pivot(index=keys, columns="comparison", values="pattern")
    labels = [comparison_label(*c) for c in COMPARISONS if comparison_label(*c) in wide.columns]
    row_index = published.q.drop_duplicates(keys).set_index(keys).index
    wide = wide.reindex([i for i in row_index if i in wide.index])[labels]
    wide.columns.name = None
    return wide.reset_index()


def agreement_fraction(pattern: pd.DataFrame, keys: list[str]) -> float:
    """Fraction of the cells of :func:`significance_agreement` where paper and simulation agree."""
    cells = pattern.drop(columns=keys).to_numpy().ravel()
    return float(np.mean([str(c).startswith("agree") for c in cells]))


def relative_to_standard(means: pd.DataFrame, keys: Sequence[str] = ("measure", "tissue")) -> pd.DataFrame:
    """Each set's mean over the standard set's mean, row by row: the paper's Fig. 3 read as a ratio to set (1).

    Serves the comparison of Table 2 and Fig. 3 of :cite:`kashiwagi2022lumbar` with the
    simulation when the levels differ: a ratio to the standard set of the same study shows
    what acceleration and DLR do whatever the absolute SNR.

    Parameters
    ----------
    means : DataFrame
        Tidy (keys, set, mean) table: :func:`simulated_means` or :attr:`PublishedTable.values`.
    keys : sequence of str
        Its row columns.

    Returns
    -------
    DataFrame
        Columns keys, ``set`` (sets (2)-(5) present, in the paper's order) and ``ratio``.
    """
    keys = list(keys)
    missing = [c for c in (*keys, "set", "mean") if c not in means.columns]
    if missing:
        raise ValueError(f"parameter 'means': lacks column(s) {missing}")
    wide = means.pivot_table(index=keys, columns="set", values="mean", sort=False)
    if "standard" not in wide.columns:
        raise ValueError(f"parameter 'means': no 'standard' set to divide by; has {list(wide.columns)}")
    others = [name for name in SET_NAMES[1:] if name in wide.columns]
    ratios = wide[others].div(wide["standard"], axis=0)
    ratios.columns.name = "set"
    return ratios.stack().rename("ratio").reset_index()


def mean_relative(relative: pd.DataFrame) -> pd.Series:
    """Mean over tissues of each set's ratio to standard (a :func:`relative_to_standard` table), by set."""
    if "set" not in relative.columns or "ratio" not in relative.columns:
        raise ValueError("parameter 'relative': needs columns 'set' and 'ratio' (relative_to_standard)")
    return relative.groupby("set", sort=False)["ratio"].mean()


def snr_gains(means: pd.DataFrame) -> dict[str, float]:
    """The DLR's gain on SNR: mean over tissues of SNR(DLR set) / SNR(its source set).

    Parameters
    ----------
    means : DataFrame
        Tidy (measure, tissue, set, mean) table (:func:`simulated_means`, or a published table's values).

    Returns
    -------
    dict
        ``{"double-fast": gain, "triple-fast": gain}``.
    """
    snr = means[means["measure"] == "SNR"].pivot_table(index="tissue", columns="set", values="mean", sort=False)
    missing = [name for pair in DLR_SETS.items() for name in pair if name not in snr.columns]
    if missing:
        raise ValueError(f"parameter 'means': no SNR of the set(s) {missing}")
    return {src: float((snr[dst] / snr[src]).mean()) for src, dst in DLR_SETS.items()}


def dlr_snr_gains(published: PublishedTable) -> dict[str, float]:
    """The paper's DLR gain on SNR (:func:`snr_gains` of Table 2's printed means).

    Serves the comparison of the DLR's effect on real and simulated lumbar images with the
    paper's (Table 2: 1.67 for double-fast, 1.77 for triple-fast, from the printed means).

    Returns
    -------
    dict
        ``{"double-fast": gain, "triple-fast": gain}``.
    """
    return snr_gains(published.values)
