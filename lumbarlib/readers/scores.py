"""Reader scores of the qualitative analysis: the tidy score table, its CSV form and its checks.

Serves the paper's "Qualitative image analysis" section and Table 3
:cite:`kashiwagi2022lumbar`: each reader scores six criteria of every image set of every
volunteer on a five-point scale relative to the standard image of the same volunteer.

A score table has one line per (reader, volunteer, set, criterion) with the columns of
:data:`COLUMNS`; ``time`` is the ISO-8601 moment the answer was given (empty for the
virtual readers, which have no clock). :func:`read_scores` checks every line of a CSV and
names the file, the line and the problem of the first bad one; :class:`AnswerLog` is the
append-only file the reader app writes, one image (all six answers) at a time, under a lock,
flushed and synced to disk.
"""

from __future__ import annotations

import contextlib
import csv
import errno
import fcntl
import io
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from time import monotonic, sleep

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

READER_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,39}")
"""A reader id: letters, digits, ``_`` and ``-`` (it names the reader's answer file); use ``fullmatch``."""

MAX_VOLUNTEER = 10_000
"""Largest volunteer number a score file may hold (volunteers are numbered from 1)."""

LOCK_TIMEOUT_S = 10.0
"""How long :class:`AnswerLog` waits for another process to release a reader's lock."""

HEADER = ",".join(COLUMNS) + "\n"
"""First line of every score file."""


class ScoreFileError(ValueError):
    """A score table breaks a rule; the message names the source, the line and the problem."""


class AlreadyAnswered(ScoreFileError):
    """The image already has answers on file (saved by another tab or window of the same reader)."""


class AnswerLogBusy(TimeoutError):
    """Another process held a reader's lock for longer than :data:`LOCK_TIMEOUT_S`."""


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
    if not isinstance(reader_id, str) or not READER_ID.fullmatch(reader_id):
        raise ValueError(
            f"parameter 'reader_id' = {reader_id!r}: must be 1-40 letters, digits, '_' or '-', "
            "starting with a letter or digit"
        )


def _parse_int(text: str) -> int | None:
    """The integer ``text`` spells (at most 18 digits, so it fits an int64), or None."""
    text = text.strip()
    return int(text) if re.fullmatch(r"[+-]?\d{1,18}", text) else None


def parse_record(fields: Mapping[str, object]) -> Score:
    """Check one line of a score table and return it as a :class:`Score`.

    Raises
    ------
    ValueError
        Naming the column, the value and what is allowed (without the line: the caller adds it).
    """
    reader = str(fields["reader"]).strip()
    if not READER_ID.fullmatch(reader):
        raise ValueError(f"reader {reader!r} is not 1-40 letters, digits, '_' or '-'")
    volunteer = _parse_int(str(fields["volunteer"]))
    if volunteer is None or not 1 <= volunteer <= MAX_VOLUNTEER:
        raise ValueError(
            f"volunteer {fields['volunteer']!r} is not an integer >= 1 and <= {MAX_VOLUNTEER} "
            "(volunteers are numbered from 1)"
        )
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

    Rules: the file is UTF-8 text; every score is an integer 1-5; sets come from
    :data:`~lumbarlib.study.design.SET_NAMES` and criteria from :data:`CRITERIA`; volunteers are
    integers from 1 to :data:`MAX_VOLUNTEER` (numbered from 1, as in every table of the book);
    reader ids follow :data:`READER_ID`; ``time`` is empty or ISO-8601; no (reader, volunteer,
    set, criterion) appears twice.

    Raises
    ------
    ScoreFileError
        For the first bad line: ``"<path>, line <n>: <problem>"`` (the header is line 1).
    """
    path = Path(path)
    return to_frame(_parse_scores(_decode(path.read_bytes(), str(path)), str(path)))


def _decode(raw: bytes, source: str) -> str:
    """``raw`` as UTF-8 text; a byte that is not UTF-8 raises :class:`ScoreFileError` naming its line."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw.count(b"\n", 0, err.start) + 1
        raise ScoreFileError(
            f"{source}, line {line}: byte {raw[err.start]:#04x} is not UTF-8 text; score files must be saved as UTF-8"
        ) from None


def _lines(text: str) -> list[str]:
    """The lines of ``text``, split at newlines only (a final carriage return dropped)."""
    return [line.removesuffix("\r") for line in text.split("\n")]


def _parse_scores(text: str, source: str) -> list[Score]:
    """Check the text of a score file line by line; the first problem raises :class:`ScoreFileError`."""
    lines = _lines(text)
    if [h.strip() for h in lines[0].split(",")] != list(COLUMNS):
        raise ScoreFileError(f"{source}, line 1: header {lines[0]!r} is not {','.join(COLUMNS)}")

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

    return _check_records(records(), source, "line")


@dataclass(frozen=True)
class AnswerFolder:
    """The answer files of a folder: the scores of the readers who scored every image, and the others.

    Attributes
    ----------
    scores : DataFrame
        Score table of the complete readers.
    incomplete : dict of str to int
        Readers left out, with the number of scores they gave.
    unreadable : dict of str to str
        Files left out, with why (one bad file never stops the analysis of the others); a
        file whose last line was cut by a crash is read without that line and noted here.
    """

    scores: pd.DataFrame
    incomplete: dict[str, int]
    unreadable: dict[str, str] = field(default_factory=dict)


def _read_answer_file(path: Path) -> tuple[pd.DataFrame | None, str | None]:
    """A reader's file as a score table, or None with why; a torn last line is left out (the file is not changed)."""
    try:
        return read_scores(path), None
    except ScoreFileError as err:
        raw = path.read_bytes()
        if raw.endswith(b"\n") or b"\n" not in raw:
            return None, str(err)
        whole = raw[: raw.rfind(b"\n") + 1]
        try:
            table = to_frame(_parse_scores(_decode(whole, str(path)), str(path)))
        except ScoreFileError:
            return None, str(err)
        return table, f"{path}: its last line was cut off (a save interrupted); read without it"


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
        If two files hold the same answer (the folder's table is checked as a whole).
    """
    check_range("n_volunteers", n_volunteers, 1, integer=True)
    folder = Path(folder)
    files = sorted(folder.glob("*.csv"))
    if not files:
        raise ValueError(f"parameter 'folder' = {str(folder)!r}: holds no answer file (*.csv)")
    tables, unreadable = [], {}
    for path in files:
        table, problem = _read_answer_file(path)
        if table is not None:
            tables.append(table)
        if problem is not None:
            unreadable[path.name] = problem
    if not tables:
        raise ValueError(f"parameter 'folder' = {str(folder)!r}: no answer file could be read: {unreadable}")
    table = validate_scores(pd.concat(tables, ignore_index=True), source=str(folder))
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
    return AnswerFolder(table[table["reader"].isin(complete)].reset_index(drop=True), incomplete, unreadable)


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


def _write_all(handle: io.RawIOBase, data: bytes) -> None:
    """Write ``data`` to an unbuffered file; a short write (a filling disk) goes on with the rest."""
    view = memoryview(data)
    while view:
        written = handle.write(view)
        if not written:
            raise OSError(errno.ENOSPC, "the disk took no more bytes", getattr(handle, "name", None))
        view = view[written:]


def _acquire(handle: io.IOBase, path: Path) -> None:
    """Take the exclusive ``flock`` of an open lock file, waiting up to :data:`LOCK_TIMEOUT_S`."""
    deadline = monotonic() + LOCK_TIMEOUT_S
    while True:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if monotonic() > deadline:
                raise AnswerLogBusy(
                    f"{path}: held by another process for more than {LOCK_TIMEOUT_S} s "
                    "(the same reader's answers are being saved in another tab or window)"
                ) from None
            sleep(0.005)


def _unconfirmed_count(scores: list[Score]) -> int:
    """How many of the last scores form an image block that leaves its image without every criterion.

    Each append writes one image's answers as a block that completes the image, so a last
    block after which the image still lacks a criterion is an append that never finished.
    """
    if not scores:
        return 0
    image = (scores[-1].volunteer, scores[-1].set)
    run = next((k for k, s in enumerate(reversed(scores)) if (s.volunteer, s.set) != image), len(scores))
    on_file = {s.criterion for s in scores if (s.volunteer, s.set) == image}
    return 0 if on_file == set(CRITERIA) else run


def _start_of_last_lines(text: str, count: int) -> int:
    """Index in ``text`` (which ends with a newline) where its last ``count`` non-blank lines begin."""
    end = len(text)
    for line in reversed(text.split("\n")[:-1]):
        if count == 0:
            break
        end -= len(line) + 1
        count -= bool(line.strip())
    return end


class AnswerLog:
    """One reader's answers: an append-only score CSV, one block of lines per confirmed image.

    Every :meth:`append` writes the answers of one image in a single write, flushed and synced
    before it returns; only then is the image confirmed to the reader. Opening the file and
    every append happen under an exclusive lock of the reader (:attr:`lock_path`), and each
    append first re-reads the file, so two tabs or kernels of the same reader never write the
    same answer twice: the second is refused with :class:`AlreadyAnswered`.

    Before reading, the tail of the file is checked and repaired (on open and before every
    append): a complete, valid last line without its newline gets the newline; a last line
    that does not parse, then a last block of lines that leaves its image without all criteria
    (an append that was interrupted, never confirmed), are cut off and kept in
    :attr:`unconfirmed_path`, so nothing entered is deleted (:attr:`repaired` says so). An
    image left partly scored earlier in the file (an older file, or a hand edit) stays: only
    its missing criteria are asked for. Any other bad line raises :class:`ScoreFileError`.

    The lock is ``fcntl.flock`` of the standard library rather than the ``filelock`` package:
    no extra dependency, and the kernel drops the lock when the holding process dies, so a
    crashed kernel never leaves a stale lock that locks the reader out. It needs a POSIX
    system (Linux, macOS), where the app is served.

    Parameters
    ----------
    path : Path
        The CSV file; its folder is created if needed.
    reader_id : str
        The reader; every line of the file must carry it.

    Raises
    ------
    ScoreFileError
        A bad line, or answers of another reader, in the file.
    AnswerLogBusy
        Another process held the reader's lock for more than :data:`LOCK_TIMEOUT_S`.
    OSError
        The folder or the file cannot be created, read or written.
    """

    def __init__(self, path: Path | str, reader_id: str) -> None:
        check_reader_id(reader_id)
        self.path = Path(path)
        self.reader_id = reader_id
        self.lock_path = self.path.with_name(self.path.name + ".lock")
        self.unconfirmed_path = self.path.with_name(self.path.name + ".unconfirmed")
        self.repaired = False
        self._scores: list[Score] = []
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._locked():
            self._refresh()

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """Hold the reader's exclusive lock; closing the lock file releases it."""
        with open(self.lock_path, "ab") as handle:
            _acquire(handle, self.lock_path)
            yield

    def _refresh(self) -> None:
        """Repair the file's tail and read what is on disk into memory (call under the lock)."""
        text = _decode(self.path.read_bytes() if self.path.exists() else b"", str(self.path))
        head = text[: text.rfind("\n") + 1]
        if head != text and self._parses(text + "\n"):
            self._append_bytes(b"\n")
            text = head = text + "\n"
        scores = self._parse(head) if head else []
        unconfirmed = _unconfirmed_count(scores)
        keep = _start_of_last_lines(head, unconfirmed)
        if keep < len(text):
            self._set_aside(text[keep:], len(text[:keep].encode("utf-8")))
        if keep == 0:
            self._append_bytes(HEADER.encode("utf-8"))
        self._scores = scores[: len(scores) - unconfirmed]

    def _parse(self, text: str) -> list[Score]:
        scores = _parse_scores(text, str(self.path))
        others = sorted({s.reader for s in scores} - {self.reader_id})
        if others:
            raise ScoreFileError(f"{self.path}: holds answers of reader(s) {others}, not only {self.reader_id!r}")
        return scores

    def _parses(self, text: str) -> bool:
        try:
            self._parse(text)
        except ScoreFileError:
            return False
        return True

    def _set_aside(self, cut: str, keep_bytes: int) -> None:
        """Keep ``cut`` (unconfirmed lines) in :attr:`unconfirmed_path`, then cut the file to ``keep_bytes``."""
        with open(self.unconfirmed_path, "ab", buffering=0) as handle:
            _write_all(handle, (cut if cut.endswith("\n") else cut + "\n").encode("utf-8"))
            os.fsync(handle.fileno())
        with open(self.path, "r+b") as handle:
            handle.truncate(keep_bytes)
            os.fsync(handle.fileno())
        self.repaired = True

    def _append_bytes(self, data: bytes) -> None:
        """Append ``data`` in one write, synced; if that fails, cut the file back to its old end and re-raise."""
        with open(self.path, "ab", buffering=0) as handle:
            size = handle.seek(0, os.SEEK_END)
            try:
                _write_all(handle, data)
                os.fsync(handle.fileno())
            except OSError:
                with contextlib.suppress(OSError):  # what is left is repaired before the next append
                    handle.truncate(size)
                    os.fsync(handle.fileno())
                raise

    @property
    def scores(self) -> pd.DataFrame:
        """Everything recorded so far, as a tidy score table."""
        return to_frame(self._scores)

    def answered(self, volunteer: int, set_name: str) -> dict[str, int]:
        """The criteria already scored for one image, with their scores."""
        return {s.criterion: s.score for s in self._scores if s.volunteer == volunteer and s.set == set_name}

    def append(self, volunteer: int, set_name: str, scores: Mapping[str, int], *, time: str | None = None) -> None:
        """Record the scores of one image in one write, flushed and synced before returning.

        Under the reader's lock the file is repaired and re-read first, so answers saved
        meanwhile by another tab or window of the same reader are seen and never repeated.

        Parameters
        ----------
        volunteer, set_name : int, str
            The image scored.
        scores : mapping criterion -> int
            The scores of every criterion of the image not yet on file.
        time : str, optional
            ISO-8601 time of the answer (default: now, local time with its offset).

        Raises
        ------
        AlreadyAnswered
            A criterion of the image is already on file (perhaps saved in another tab).
        ScoreFileError
            A bad score, an unknown criterion or set, or a criterion of the image left
            unscored; nothing is written then.
        OSError
            The write failed (a full disk, say); the file is cut back to where it was.
        """
        stamp = time if time is not None else datetime.now().astimezone().isoformat(timespec="seconds")
        with self._locked():
            self._refresh()
            new = self._block(volunteer, set_name, scores, stamp)
            self._append_bytes(_csv_lines(to_frame(new), header=False).encode("utf-8"))
            self._scores += new

    def _block(self, volunteer: int, set_name: str, scores: Mapping[str, int], stamp: str) -> list[Score]:
        """The checked new lines of one image: they must complete it and repeat nothing on file."""
        done = self.answered(volunteer, set_name)
        again = sorted(set(scores) & set(done))
        if again:
            raise AlreadyAnswered(
                f"{self.path}: volunteer {volunteer}, set {set_name!r} already has {again} on file "
                "(saved earlier, perhaps in another tab or window); nothing was written"
            )
        fields = {"reader": self.reader_id, "volunteer": volunteer, "set": set_name, "time": stamp}
        combined = [asdict(s) for s in self._scores]
        combined += [{**fields, "criterion": c, "score": s} for c, s in scores.items()]
        new = _check_records(enumerate(combined, start=1), str(self.path), "answer")[len(self._scores) :]
        missing = [c for c in CRITERIA if c not in done and c not in scores]
        if missing:
            raise ScoreFileError(
                f"{self.path}: parameter 'scores' for volunteer {volunteer}, set {set_name!r} lacks {missing}; "
                "an image is saved with all its criteria at once"
            )
        return new
