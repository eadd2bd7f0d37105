"""Score tables: every kind of bad line is refused with its line number; the answer log survives crashes."""

from __future__ import annotations

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


def test_log_refuses_a_second_answer_and_writes_nothing(tmp_path):
    path = tmp_path / "ana.csv"
    log = sc.AnswerLog(path, "ana")
    log.append(1, "standard", six(3))
    before = path.read_bytes()
    with pytest.raises(sc.ScoreFileError, match="duplicate"):
        log.append(1, "standard", {"contrast": 4})
    with pytest.raises(sc.ScoreFileError, match="score 7"):
        log.append(2, "standard", {"contrast": 7})
    assert path.read_bytes() == before
    assert len(log.scores) == 6


def test_log_refuses_another_readers_file_and_bad_ids(tmp_path):
    path = tmp_path / "ana.csv"
    sc.AnswerLog(path, "ana").append(1, "standard", six(3))
    with pytest.raises(sc.ScoreFileError, match="holds answers of reader"):
        sc.AnswerLog(path, "bo")
    for bad in ("", "../etc", "a b", "x" * 41):
        with pytest.raises(ValueError, match="reader_id"):
            sc.AnswerLog(tmp_path / "x.csv", bad)


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
