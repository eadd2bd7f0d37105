"""Score tables: every kind of bad line is refused with its line number; the answer log survives crashes."""

from __future__ import annotations

import builtins
import contextlib
import errno
import re
from pathlib import Path

import pandas as pd
import pytest

from lumbarlib.readers import scores as sc
from lumbarlib.study.design import SET_NAMES

HEADER = "reader,volunteer,set,criterion,score,time\n"
GOOD = "ana,1,standard,perceived_snr,3,2024-05-01T10:00:00+00:00\n"


def write(tmp_path, body: str, header: str = HEADER):
    path = tmp_path / "scores.csv"
    path.write_text(header + body, encoding="utf-8")
    return path


def test_good_file_round_trips(tmp_path):
    body = GOOD + "ana,2,dlr-triple-fast,artifact,2,\nbo,1,standard,perceived_snr,5,\n"
    table = sc.read_scores(write(tmp_path, body))
    assert list(table.columns) == list(sc.COLUMNS)
    assert table["score"].tolist() == [3, 2, 5]
    assert table["time"].tolist() == ["2024-05-01T10:00:00+00:00", "", ""]
    out = tmp_path / "again.csv"
    sc.write_scores(table, out)
    pd.testing.assert_frame_equal(sc.read_scores(out), table)
    first = out.read_bytes()
    sc.write_scores(sc.read_scores(out), out)
    assert out.read_bytes() == first


@pytest.mark.parametrize(
    ("bad_line", "problem"),
    [
        ("ana,1,standard,perceived_snr,0,", "score '0'"),
        ("ana,1,standard,perceived_snr,6,", "score '6'"),
        ("ana,1,standard,perceived_snr,3.5,", "score '3.5'"),
        ("ana,1,standard,perceived_snr,good,", "score 'good'"),
        ("ana,1,standard,perceived_snr,,", "score ''"),
        ("ana,1,quadruple-fast,perceived_snr,3,", "set 'quadruple-fast'"),
        ("ana,1,standard,beauty,3,", "criterion 'beauty'"),
        ("ana,-1,standard,perceived_snr,3,", "volunteer '-1'"),
        ("ana,0,standard,perceived_snr,3,", "volunteer '0' is not an integer >= 1"),
        ("ana,10001,standard,perceived_snr,3,", "volunteer '10001' is not an integer >= 1 and <= 10000"),
        (f"ana,{10**30},standard,perceived_snr,3,", f"volunteer '{10**30}' is not an integer >= 1 and <= 10000"),
        (f"ana,1,standard,perceived_snr,{10**30},", f"score '{10**30}' is not an integer from 1 to 5"),
        ("ana,two,standard,perceived_snr,3,", "volunteer 'two'"),
        ("an a,1,standard,perceived_snr,3,", "reader 'an a'"),
        ("ana,1,standard,perceived_snr,3,yesterday", "time 'yesterday'"),
        ("ana,1,standard,perceived_snr,3", "5 fields, expected 6"),
        ("ana,2,standard,contrast,4,", "duplicate of line 3"),
    ],
)
def test_each_bad_line_is_named_with_its_number(tmp_path, bad_line, problem):
    body = GOOD + "ana,2,standard,contrast,4,\n" + bad_line + "\n"
    path = write(tmp_path, body)
    with pytest.raises(sc.ScoreFileError) as err:
        sc.read_scores(path)
    message = str(err.value)
    assert str(path) in message
    assert "line 4" in message
    assert problem in message


def test_bytes_that_are_not_utf8_are_named_with_file_and_line(tmp_path):
    path = tmp_path / "scores.csv"
    path.write_bytes((HEADER + GOOD).encode() + "ana,2,standard,contrast,4,caf\xe9\n".encode("latin-1"))
    for read in (sc.read_scores, lambda p: sc.AnswerLog(p, "ana")):
        with pytest.raises(sc.ScoreFileError) as err:
            read(path)
        assert f"{path}, line 3: byte 0xe9 is not UTF-8" in str(err.value)


def test_a_huge_volunteer_in_memory_is_named_not_overflowed():
    table = pd.DataFrame([["ana", 10**30, "standard", "sharpness", 3, ""]], columns=list(sc.COLUMNS))
    with pytest.raises(sc.ScoreFileError, match=f"virtual, row 1: volunteer {10**30} is not an integer >= 1"):
        sc.validate_scores(table, source="virtual")


def test_bad_header_is_line_1(tmp_path):
    path = write(tmp_path, GOOD, header="reader,volunteer,set,criterion,score\n")
    with pytest.raises(sc.ScoreFileError, match="line 1: header"):
        sc.read_scores(path)


def test_in_memory_table_names_the_row():
    table = pd.DataFrame([["ana", 1, "standard", "sharpness", 9, ""]], columns=list(sc.COLUMNS))
    with pytest.raises(sc.ScoreFileError, match="virtual, row 1: score 9"):
        sc.validate_scores(table, source="virtual")
    with pytest.raises(sc.ScoreFileError, match=r"missing column\(s\) \['time'\]"):
        sc.validate_scores(table.drop(columns="time"))


def test_scale_and_criteria_are_the_papers():
    assert sc.SCALE == {
        1: "obviously inferior",
        2: "slightly inferior",
        3: "equivalent",
        4: "slightly superior",
        5: "obviously superior",
    }
    assert [sc.CRITERION_LABELS[c] for c in sc.CRITERIA] == [
        "Perceived SNR",
        "Sharpness",
        "Contrast",
        "Structure visibility",
        "Artifact",
        "Overall image quality",
    ]


def six(score: int = 3) -> dict[str, int]:
    return dict.fromkeys(sc.CRITERIA, score)


def test_answer_log_survives_a_dropped_object(tmp_path):
    path = tmp_path / "answers" / "ana.csv"
    log = sc.AnswerLog(path, "ana")
    log.append(1, "standard", six(3))
    log.append(2, "triple-fast", six(1))
    del log  # the kernel dies: nothing is closed or flushed by hand
    again = sc.AnswerLog(path, "ana")
    assert not again.repaired
    assert len(again.scores) == 12
    assert again.answered(2, "triple-fast") == six(1)
    assert sc.read_scores(path).equals(again.scores)


def test_answer_log_syncs_every_answer(tmp_path, monkeypatch):
    synced = []
    real_fsync = sc.os.fsync
    monkeypatch.setattr(sc.os, "fsync", lambda fd: (synced.append(fd), real_fsync(fd)))
    log = sc.AnswerLog(tmp_path / "ana.csv", "ana")
    before = len(synced)
    log.append(1, "standard", six(3))
    log.append(1, "double-fast", six(2))
    assert len(synced) - before == 2


def test_torn_last_line_is_cut_and_the_rest_kept(tmp_path):
    path = tmp_path / "ana.csv"
    sc.AnswerLog(path, "ana").append(1, "standard", six(3))
    with open(path, "a", encoding="utf-8") as handle:
        handle.write("ana,1,double-fast,perceived_s")  # the write that was interrupted
    log = sc.AnswerLog(path, "ana")
    assert log.repaired
    assert len(log.scores) == 6
    assert path.read_text(encoding="utf-8").endswith("\n")
    assert log.unconfirmed_path.read_text(encoding="utf-8") == "ana,1,double-fast,perceived_s\n"


def lines_of(image: tuple[int, str], score: int, criteria=sc.CRITERIA) -> str:
    return "".join(f"ana,{image[0]},{image[1]},{c},{score},2024-05-01T10:00:00+00:00\n" for c in criteria)


def test_a_complete_last_line_without_newline_is_kept(tmp_path):
    """A hand-edited file whose last line, complete and valid, lacks its newline: the line stays."""
    path = write(tmp_path, lines_of((1, "standard"), 4).removesuffix("\n"))
    log = sc.AnswerLog(path, "ana")
    assert not log.repaired
    assert log.answered(1, "standard") == six(4)
    assert path.read_text(encoding="utf-8") == HEADER + lines_of((1, "standard"), 4)
    log.append(2, "standard", six(2))
    assert len(sc.read_scores(path)) == 12


def test_an_interrupted_image_block_is_not_confirmed_but_earlier_images_stay(tmp_path):
    """Six answers of an image go in one append; a last block that leaves its image incomplete never finished."""
    half = lines_of((2, "triple-fast"), 5, sc.CRITERIA[:3])
    partly_earlier = lines_of((3, "standard"), 1, sc.CRITERIA[:2])  # an older file: kept, the rest asked
    path = write(tmp_path, partly_earlier + lines_of((1, "standard"), 4) + half)
    log = sc.AnswerLog(path, "ana")
    assert log.repaired
    assert log.answered(2, "triple-fast") == {}
    assert log.answered(1, "standard") == six(4)
    assert log.answered(3, "standard") == dict.fromkeys(sc.CRITERIA[:2], 1)
    assert log.unconfirmed_path.read_text(encoding="utf-8") == half  # set aside, not deleted
    log.append(2, "triple-fast", six(3))
    log.append(3, "standard", dict.fromkeys(sc.CRITERIA[2:], 2))  # completes the image: confirmed
    again = sc.AnswerLog(path, "ana")
    assert not again.repaired
    assert again.answered(2, "triple-fast") == six(3)
    assert len(again.answered(3, "standard")) == len(sc.CRITERIA)


def test_each_image_is_one_write(tmp_path, monkeypatch):
    path = tmp_path / "ana.csv"
    log = sc.AnswerLog(path, "ana")
    writes = []
    real_open = builtins.open

    def counting_open(file, mode="r", *args, **kwargs):
        handle = real_open(file, mode, *args, **kwargs)
        if Path(file) == path and "a" in mode:
            real_write = handle.write
            handle.write = lambda data: (writes.append(len(data)), real_write(data))[1]
        return handle

    monkeypatch.setattr(sc, "open", counting_open, raising=False)
    log.append(1, "standard", six(3))
    assert len(writes) == 1 and writes[0] == len(path.read_bytes()) - len(sc.HEADER)


class FillingDisk:
    """An unbuffered file whose disk is full after ``room`` more bytes: a short write, then ENOSPC."""

    def __init__(self, handle, room: int, truncate_fails: bool) -> None:
        self.handle, self.room, self.truncate_fails = handle, room, truncate_fails

    def write(self, data) -> int:
        if self.room == 0:
            raise OSError(errno.ENOSPC, "No space left on device", self.handle.name)
        written = self.handle.write(bytes(data[: self.room]))
        self.room -= written
        return written

    def truncate(self, size: int) -> int:
        if self.truncate_fails:
            raise OSError(errno.EIO, "Input/output error", self.handle.name)
        return self.handle.truncate(size)

    def __getattr__(self, name: str):
        return getattr(self.handle, name)

    def __enter__(self) -> FillingDisk:
        return self

    def __exit__(self, *exc) -> None:
        self.handle.close()


def fill_disk(monkeypatch, path: Path, room: int, *, truncate_fails: bool) -> None:
    """Make every append to ``path`` run out of disk after ``room`` bytes."""
    real_open = builtins.open

    def filling_open(file, mode="r", *args, **kwargs):
        handle = real_open(file, mode, *args, **kwargs)
        return FillingDisk(handle, room, truncate_fails) if Path(file) == path and "a" in mode else handle

    monkeypatch.setattr(sc, "open", filling_open, raising=False)


BLOCK = "".join(f"ana,2,triple-fast,{c},4,\n" for c in sc.CRITERIA)
"""What ``append(2, "triple-fast", six(4), time="")`` writes."""


@pytest.mark.parametrize("truncate_fails", [False, True], ids=["cut-back", "cut-back-fails"])
@pytest.mark.parametrize(
    "room",
    [0, 30, len("".join(BLOCK.splitlines(keepends=True)[:3])), len(BLOCK) - 1],
    ids=["nothing", "torn-line", "3-lines", "all-but-newline"],
)
def test_a_full_disk_during_a_save_then_a_retry_loses_nothing(tmp_path, monkeypatch, room, truncate_fails):
    """Whatever part of an image reached the disk, the retry leaves each answer on file exactly once.

    Only when all six lines reached the disk and cutting back failed is the image on file
    after the failure: the retry then finds it there (every score as entered).
    """
    path = tmp_path / "ana.csv"
    log = sc.AnswerLog(path, "ana")
    log.append(1, "standard", six(3), time="")
    confirmed = path.read_bytes()
    fill_disk(monkeypatch, path, room, truncate_fails=truncate_fails)
    with pytest.raises(OSError) as err:
        log.append(2, "triple-fast", six(4), time="")
    assert err.value.errno == errno.ENOSPC and str(path) in str(err.value)
    assert path.read_bytes() == (confirmed + BLOCK[:room].encode() if truncate_fails else confirmed)
    monkeypatch.undo()  # space is freed; the reader presses save again
    on_file_anyway = truncate_fails and room == len(BLOCK) - 1
    with pytest.raises(sc.AlreadyAnswered) if on_file_anyway else contextlib.nullcontext():
        log.append(2, "triple-fast", six(4), time="")
    again = sc.AnswerLog(path, "ana")
    assert len(sc.read_scores(path)) == 12
    assert again.answered(1, "standard") == six(3) and again.answered(2, "triple-fast") == six(4)


def test_a_torn_tail_left_by_another_writer_is_repaired_before_the_next_append(tmp_path):
    path = tmp_path / "ana.csv"
    log = sc.AnswerLog(path, "ana")
    log.append(1, "standard", six(3))
    with open(path, "a", encoding="utf-8") as handle:  # another tab's write, cut short after this log opened
        handle.write("ana,2,standard,perceived_snr,3,2024-05-01T10:00:00+00:00\nana,2,standard,sharpn")
    log.append(3, "standard", six(5))
    assert log.repaired
    again = sc.AnswerLog(path, "ana")
    assert not again.repaired
    assert len(sc.read_scores(path)) == 12
    assert again.answered(2, "standard") == {} and again.answered(3, "standard") == six(5)
    assert "ana,2,standard,sharpn\n" in log.unconfirmed_path.read_text(encoding="utf-8")


def test_log_refuses_a_second_answer_and_writes_nothing(tmp_path):
    path = tmp_path / "ana.csv"
    log = sc.AnswerLog(path, "ana")
    log.append(1, "standard", six(3))
    before = path.read_bytes()
    with pytest.raises(sc.AlreadyAnswered, match=r"volunteer 1, set 'standard' already has \['contrast'\] on file"):
        log.append(1, "standard", {"contrast": 4})
    with pytest.raises(sc.ScoreFileError, match="score 7"):
        log.append(2, "standard", {**six(3), "contrast": 7})
    with pytest.raises(sc.ScoreFileError, match=r"parameter 'scores' .* lacks \['sharpness'"):
        log.append(2, "standard", {"perceived_snr": 3})
    assert path.read_bytes() == before
    assert len(log.scores) == 6


def test_a_second_log_of_the_same_reader_sees_the_first_ones_answers(tmp_path):
    path = tmp_path / "ana.csv"
    first, second = sc.AnswerLog(path, "ana"), sc.AnswerLog(path, "ana")
    first.append(1, "standard", six(3))
    with pytest.raises(sc.AlreadyAnswered, match="another tab"):
        second.append(1, "standard", six(5))
    second.append(2, "standard", six(5))
    first.append(3, "standard", six(1))
    assert len(sc.read_scores(path)) == 18
    assert second.answered(1, "standard") == six(3)


def test_a_lock_held_elsewhere_makes_the_log_busy(tmp_path, monkeypatch):
    path = tmp_path / "ana.csv"
    log = sc.AnswerLog(path, "ana")
    monkeypatch.setattr(sc, "LOCK_TIMEOUT_S", 0.05)
    with open(log.lock_path, "ab") as holder:
        sc.fcntl.flock(holder.fileno(), sc.fcntl.LOCK_EX)
        with pytest.raises(sc.AnswerLogBusy, match=f"{log.lock_path}: held by another process"):
            log.append(1, "standard", six(3))
    log.append(1, "standard", six(3))
    assert len(sc.read_scores(path)) == 6


def test_log_refuses_another_readers_file_and_bad_ids(tmp_path):
    path = tmp_path / "ana.csv"
    sc.AnswerLog(path, "ana").append(1, "standard", six(3))
    with pytest.raises(sc.ScoreFileError, match="holds answers of reader"):
        sc.AnswerLog(path, "bo")
    for bad in ("", "../etc", "a b", "x" * 41, "fred\n"):
        with pytest.raises(ValueError, match=re.escape(f"parameter 'reader_id' = {bad!r}: must be 1-40 letters")):
            sc.AnswerLog(tmp_path / "x.csv", bad)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ana.csv", "ana.csv.lock"]


def test_every_set_name_is_accepted(tmp_path):
    log = sc.AnswerLog(tmp_path / "ana.csv", "ana")
    for name in SET_NAMES:
        log.append(1, name, six(4))
    assert set(log.scores["set"]) == set(SET_NAMES)


def test_answer_folder_keeps_the_readers_who_finished(tmp_path):
    done = sc.AnswerLog(tmp_path / "ana.csv", "ana")
    half = sc.AnswerLog(tmp_path / "bo.csv", "bo")
    for v in (1, 2):
        for name in SET_NAMES:
            done.append(v, name, six(4))
    half.append(1, "standard", six(2))
    folder = sc.read_answers(tmp_path, n_volunteers=2)
    assert folder.incomplete == {"bo": 6}
    assert set(folder.scores["reader"]) == {"ana"} and len(folder.scores) == 2 * len(SET_NAMES) * 6
    with pytest.raises(ValueError, match="no reader"):
        sc.read_answers(tmp_path, n_volunteers=3)
    with pytest.raises(ValueError, match="no answer file"):
        sc.read_answers(tmp_path / "empty", n_volunteers=2)
    with pytest.raises(ValueError, match="n_volunteers"):
        sc.read_answers(tmp_path, n_volunteers=0)


def test_score_distribution_counts_by_hand():
    table = pd.DataFrame(
        [
            ("a", 1, "standard", "contrast", 3, ""),
            ("b", 1, "standard", "contrast", 3, ""),
            ("a", 1, "triple-fast", "contrast", 1, ""),
            ("a", 1, "triple-fast", "artifact", 5, ""),
        ],
        columns=list(sc.COLUMNS),
    )
    counts = sc.score_distribution(table).set_index("set")
    assert list(counts.index) == list(SET_NAMES)
    assert counts.loc["standard"].tolist() == [0, 0, 2, 0, 0]
    assert counts.loc["triple-fast"].tolist() == [1, 0, 0, 0, 1]
    assert counts.loc["dlr-double-fast"].sum() == 0
    assert list(counts.columns) == [f"{k} {w}" for k, w in sc.SCALE.items()]


def test_one_bad_file_does_not_stop_the_analysis_of_the_class(tmp_path):
    done = sc.AnswerLog(tmp_path / "ana.csv", "ana")
    for v in (1, 2):
        for name in SET_NAMES:
            done.append(v, name, six(4))
    torn = sc.AnswerLog(tmp_path / "bo.csv", "bo")
    for v in (1, 2):
        for name in SET_NAMES:
            torn.append(v, name, six(3))
    with open(tmp_path / "bo.csv", "a", encoding="utf-8") as handle:
        handle.write("bo,1,standard,perc")  # a kernel died inside a later write
    (tmp_path / "cy.csv").write_bytes(b"\xff\xfe not a score file")
    before = (tmp_path / "bo.csv").read_bytes()
    folder = sc.read_answers(tmp_path, n_volunteers=2)
    assert set(folder.scores["reader"]) == {"ana", "bo"}
    assert "last line was cut off" in folder.unreadable["bo.csv"]
    assert "not UTF-8" in folder.unreadable["cy.csv"]
    assert (tmp_path / "bo.csv").read_bytes() == before  # the analysis changes no answer file
