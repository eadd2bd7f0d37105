"""Reader scores of the qualitative analysis: the tidy score table, its CSV form and its checks.

Serves the paper's "Qualitative image analysis" section and Table 3
:cite:`kashiwagi2022lumbar`: each reader scores six criteria of every image set of every
volunteer on a five-point scale relative to the standard image of the same volunteer.

A score table has one line per (reader, volunteer, set, criterion) with the columns of
:data:`COLUMNS`; ``time`` is the ISO-8601 moment the answer was given (empty for the
virtual readers, which have no clock). :func:`read_scores` checks every line of a CSV and
names the file, the line and the problem of the first bad one; :class:`AnswerLog` is the
append-only file the reader app writes, one answer at a time, flushed and synced to disk.
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

import pandas as pd

from lumbarlib.core.checks import check_range
from lumbarlib.study.design import SET_NAMES

CRITERIA: tuple[str, ...] = (
    "perceived_snr",
    "sharpness",
    "contrast",
    "structure_visibility",
    "artifact",
    "overall_quality",
)
"""The six criteria of Table 3, in its order."""

CRITERION_LABELS: dict[str, str] = {
    "perceived_snr": "Perceived SNR",
    "sharpness": "Sharpness",
    "contrast": "Contrast",
    "structure_visibility": "Structure visibility",
    "artifact": "Artifact",
    "overall_quality": "Overall image quality",
}
"""How Table 3 names each criterion."""

SCALE: dict[int, str] = {
    1: "obviously inferior",
    2: "slightly inferior",
    3: "equivalent",
    4: "slightly superior",
    5: "obviously superior",
}
"""The five-point scale, relative to the standard image (paper, Qualitative image analysis)."""

COLUMNS: tuple[str, ...] = ("reader", "volunteer", "set", "criterion", "score", "time")
"""Columns of a score table, in file order."""

KEY: tuple[str, ...] = ("reader", "volunteer", "set", "criterion")
"""Columns that identify one score; a table holds each key once."""

READER_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$")
"""A reader id: letters, digits, ``_`` and ``-`` (it names the reader's answer file)."""


class ScoreFileError(ValueError):
    """A score table breaks a rule; the message names the source, the line and the problem."""


@dataclass(frozen=True)
class Score:
    """One score: ``reader`` gave ``score`` (1-5) for ``criterion`` of ``set`` of ``volunteer``."""

    reader: str
    volunteer: int
    set: str
    criterion: str
    score: int
    time: str = ""

    def key(self) -> tuple[str, int, str, str]:
        return (self.reader, self.volunteer, self.set, self.criterion)


def check_reader_id(reader_id: str) -> None:
    """Raise ``ValueError`` unless ``reader_id`` matches :data:`READER_ID`."""
    if not isinstance(reader_id, str) or not READER_ID.match(reader_id):
        raise ValueError(
            f"parameter 'reader_id' = {reader_id!r}: must be 1-40 letters, digits, '_' or '-', "
            "starting with a letter or digit"
        )


def _parse_int(text: str) -> int | None:
    text = text.strip()
    return int(text) if re.fullmatch(r"[+-]?\d+", text) else None


def parse_record(fields: Mapping[str, object]) -> Score:
    """Check one line of a score table and return it as a :class:`Score`.

    Raises
    ------
    ValueError
        Naming the column, the value and what is allowed (without the line: the caller adds it).
    """
    reader = str(fields["reader"]).strip()
    if not READER_ID.match(reader):
        raise ValueError(f"reader {reader!r} is not 1-40 letters, digits, '_' or '-'")
    volunteer = _parse_int(str(fields["volunteer"]))
    if volunteer is None or volunteer < 1:
        raise ValueError(f"volunteer {fields['volunteer']!r} is not an integer >= 1 (volunteers are numbered from 1)")
    set_name = str(fields["set"]).strip()
    if set_name not in SET_NAMES:
        raise ValueError(f"set {set_name!r} is not one of {', '.join(SET_NAMES)}")
    criterion = str(fields["criterion"]).strip()
    if criterion not in CRITERIA:
        raise ValueError(f"criterion {criterion!r} is not one of {', '.join(CRITERIA)}")
    score = _parse_int(str(fields["score"]))
    if score is None or not 1 <= score <= 5:
        raise ValueError(f"score {fields['score']!r} is not an integer from 1 to 5")
    time = fields["time"]
    time = "" if time is None or (isinstance(time, float) and time != time) else str(time).strip()
    if time:
        try:
            datetime.fromisoformat(time)
        except ValueError:
            raise ValueError(f"time {time!r} is neither empty nor an ISO-8601 date and time") from None
    return Score(reader, volunteer, set_name, criterion, score, time)


def _check_records(records: Iterable[tuple[int, Mapping[str, object]]], source: str, what: str) -> list[Score]:
    """Parse numbered records; the first problem raises :class:`ScoreFileError`."""
    scores: list[Score] = []
    seen: dict[tuple, int] = {}
    for number, fields in records:
        try:
            score = parse_record(fields)
        except ValueError as err:
            raise ScoreFileError(f"{source}, {what} {number}: {err}") from None
        first = seen.setdefault(score.key(), number)
        if first != number:
            raise ScoreFileError(
                f"{source}, {what} {number}: duplicate of {what} {first} "
                f"(reader {score.reader!r}, volunteer {score.volunteer}, set {score.set!r}, "
                f"criterion {score.criterion!r})"
            )
        scores.append(score)
    return scores


def to_frame(scores: Iterable[Score]) -> pd.DataFrame:
    """Score records as a tidy table with the columns of :data:`COLUMNS`."""
    rows = [(s.reader, s.volunteer, s.set, s.criterion, s.score, s.time) for s in scores]
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    return frame.astype(
        {"reader": str, "volunteer": "int64", "set": str, "criterion": str, "score": "int64", "time": str}
    )


def validate_scores(table: pd.DataFrame, *, source: str = "score table") -> pd.DataFrame:
    """Check a score table held in memory; returns it normalised (types, column order).

    Rows are numbered from 1 in the messages. Same rules as :func:`read_scores`.

    Raises
    ------
    ScoreFileError
        Missing columns, or the first bad row, naming ``source``, the row and the problem.
    """
    missing = [c for c in COLUMNS if c not in table.columns]
    if missing:
        raise ScoreFileError(f"{source}: missing column(s) {missing}; expected {list(COLUMNS)}")
    records = ((i + 1, row) for i, row in enumerate(table[list(COLUMNS)].to_dict("records")))
    return to_frame(_check_records(records, source, "row"))


def read_scores(path: Path | str) -> pd.DataFrame:
    """Read and check a score CSV (header :data:`COLUMNS`, one score a line).

    Rules: every score is an integer 1-5; sets come from :data:`~lumbarlib.study.design.SET_NAMES`
    and criteria from :data:`CRITERIA`; volunteers are integers >= 1 (numbered from 1, as in
    every table of the book); reader ids follow :data:`READER_ID`; ``time`` is empty or
    ISO-8601; no (reader, volunteer, set, criterion) appears twice.

    Raises
    ------
    ScoreFileError
        For the first bad line: ``"<path>, line <n>: <problem>"`` (the header is line 1).
    """
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    return _parse_text(text, str(path))


def _parse_text(text: str, source: str) -> pd.DataFrame:
    lines = text.splitlines()
    if not lines or [h.strip() for h in lines[0].split(",")] != list(COLUMNS):
        header = lines[0] if lines else ""
        raise ScoreFileError(f"{source}, line 1: header {header!r} is not {','.join(COLUMNS)}")

    def records():
        for number, line in enumerate(lines[1:], start=2):
            if not line.strip():
                continue
            fields = next(csv.reader([line]))
            if len(fields) != len(COLUMNS):
                raise ScoreFileError(
                    f"{source}, line {number}: {len(fields)} fields, expected {len(COLUMNS)} ({','.join(COLUMNS)})"
                )
            yield number, dict(zip(COLUMNS, fields))

    return to_frame(_check_records(records(), source, "line"))


@dataclass(frozen=True)
class AnswerFolder:
    """The answer files of a folder: the scores of the readers who scored every image, and the others.

    Attributes
    ----------
    scores : DataFrame
        Score table of the complete readers.
    incomplete : dict of str to int
        Readers left out, with the number of scores they gave.
    """

    scores: pd.DataFrame
    incomplete: dict[str, int]


def read_answers(folder: Path | str, *, n_volunteers: int) -> AnswerFolder:
    """Read every ``*.csv`` answer file of ``folder`` (each checked line by line).

    A reader counts when they scored all six criteria of every set of ``n_volunteers``
    volunteers (a class may leave a reading unfinished); the medians and paired tests of
    Table 3 need every reader on every image.

    Raises
    ------
    ValueError
        If the folder holds no answer file, or no reader is complete.
    ScoreFileError
        For the first bad line of any file.
    """
    check_range("n_volunteers", n_volunteers, 1, integer=True)
    folder = Path(folder)
    files = sorted(folder.glob("*.csv"))
    if not files:
        raise ValueError(f"parameter 'folder' = {str(folder)!r}: holds no answer file (*.csv)")
    table = validate_scores(pd.concat([read_scores(f) for f in files], ignore_index=True), source=str(folder))
    expected = {(v, name, c) for v in range(1, n_volunteers + 1) for name in SET_NAMES for c in CRITERIA}
    complete, incomplete = [], {}
    for reader, part in table.groupby("reader", sort=True):
        if set(zip(part["volunteer"], part["set"], part["criterion"])) == expected:
            complete.append(reader)
        else:
            incomplete[str(reader)] = len(part)
    if not complete:
        raise ValueError(
            f"no reader in {folder} has scored all {len(expected)} (volunteer, set, criterion) of the study"
        )
    return AnswerFolder(table[table["reader"].isin(complete)].reset_index(drop=True), incomplete)


def score_distribution(scores: pd.DataFrame) -> pd.DataFrame:
    """How often each score of :data:`SCALE` was given per image set (all readers and criteria)."""
    scores = validate_scores(scores)
    counts = pd.crosstab(pd.Categorical(scores["set"], categories=list(SET_NAMES), ordered=True), scores["score"])
    counts = counts.reindex(index=list(SET_NAMES), columns=sorted(SCALE), fill_value=0)
    out = pd.DataFrame({"set": list(SET_NAMES)})
    for k, word in SCALE.items():
        out[f"{k} {word}"] = counts[k].to_numpy()
    return out


def write_scores(table: pd.DataFrame, path: Path | str) -> None:
    """Write a score table as CSV (checked first; same bytes for the same table)."""
    frame = validate_scores(table, source=str(path))
    Path(path).write_text(_csv_lines(frame, header=True), encoding="utf-8")


def _csv_lines(frame: pd.DataFrame, *, header: bool) -> str:
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, header=header, lineterminator="\n")
    return buffer.getvalue()


class AnswerLog:
    """One reader's answers: an append-only score CSV, synced to disk after every answer.

    Opening an existing file reads and checks it, so a reader whose page closed or whose
    kernel died resumes with everything entered. Only an interrupted write can leave a
    last line without its newline; that partial line was never confirmed to the reader
    and is cut off (:attr:`repaired` says so). Any other bad line raises
    :class:`ScoreFileError`.

    Parameters
    ----------
    path : Path
        The CSV file; its folder is created if needed.
    reader_id : str
        The reader; every line of the file must carry it.
    """

    def __init__(self, path: Path | str, reader_id: str) -> None:
        check_reader_id(reader_id)
        self.path = Path(path)
        self.reader_id = reader_id
        self.repaired = False
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if not self.path.exists() or self.path.stat().st_size == 0:
            self._write(",".join(COLUMNS) + "\n", mode="w")
        self._repair_torn_tail()
        self._scores = list(self._read())

    def _write(self, text: str, *, mode: str) -> None:
        with open(self.path, mode, encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())

    def _repair_torn_tail(self) -> None:
        raw = self.path.read_bytes()
        if raw.endswith(b"\n"):
            return
        with open(self.path, "r+b") as handle:
            handle.truncate(raw.rfind(b"\n") + 1)
            handle.flush()
            os.fsync(handle.fileno())
        self.repaired = True

    def _read(self) -> Iterable[Score]:
        frame = read_scores(self.path)
        others = sorted(set(frame["reader"]) - {self.reader_id})
        if others:
            raise ScoreFileError(f"{self.path}: holds answers of reader(s) {others}, not only {self.reader_id!r}")
        for row in frame.itertuples(index=False):
            yield Score(row.reader, int(row.volunteer), row.set, row.criterion, int(row.score), row.time)

    @property
    def scores(self) -> pd.DataFrame:
        """Everything recorded so far, as a tidy score table."""
        return to_frame(self._scores)

    def answered(self, volunteer: int, set_name: str) -> dict[str, int]:
        """The criteria already scored for one image, with their scores."""
        return {s.criterion: s.score for s in self._scores if s.volunteer == volunteer and s.set == set_name}

    def append(self, volunteer: int, set_name: str, scores: Mapping[str, int], *, time: str | None = None) -> None:
        """Record the scores of one image in one write, flushed and synced before returning.

        Parameters
        ----------
        volunteer, set_name : int, str
            The image scored.
        scores : mapping criterion -> int
            New scores (criteria already on file for this image are refused).
        time : str, optional
            ISO-8601 time of the answer (default: now, UTC).

        Raises
        ------
        ScoreFileError
            A bad score, an unknown criterion or set, or a criterion already answered;
            nothing is written then.
        """
        stamp = time if time is not None else datetime.now().astimezone().isoformat(timespec="seconds")
        new = [
            {
                "reader": self.reader_id,
                "volunteer": volunteer,
                "set": set_name,
                "criterion": c,
                "score": s,
                "time": stamp,
            }
            for c, s in scores.items()
        ]
        combined = [asdict(s) for s in self._scores] + new
        records = enumerate(combined, start=1)
        checked = _check_records(records, str(self.path), "answer")
        self._write(_csv_lines(to_frame(checked[len(self._scores) :]), header=False), mode="a")
        self._scores = checked
