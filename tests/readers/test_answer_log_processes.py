"""Two processes of the same reader (two tabs, two kernels) save into one answer file: nothing twice, nothing lost."""

from __future__ import annotations

import multiprocessing
import random
from pathlib import Path
from time import sleep

from lumbarlib.readers.scores import CRITERIA, AlreadyAnswered, AnswerLog, read_scores
from lumbarlib.study.design import SET_NAMES

SHARED = [(v, name) for v in range(1, 13) for name in SET_NAMES]
"""Images both processes save."""

OWN = {1: [(v, "standard") for v in range(13, 17)], 2: [(v, "standard") for v in range(17, 21)]}
"""Images only one process saves, by its score."""


def save_all(path: str, score: int, images: list[tuple[int, str]], start, results) -> None:
    """One kernel: open its own log, wait for the other, then save every image (refusals counted).

    Puts ``(score, saved images, refusals)`` on ``results``, or ``(score, error, None)`` if a save failed otherwise.
    """
    saved, refused = [], 0
    try:
        log = AnswerLog(Path(path), "ana")
        start.wait(timeout=60)
        for volunteer, name in images:
            try:
                log.append(volunteer, name, dict.fromkeys(CRITERIA, score))
                saved.append((volunteer, name))
            except AlreadyAnswered:
                refused += 1
            sleep(0.002)  # a moment between images, as a reader takes, so the two take turns
    except Exception as err:  # handed to the test, which fails naming it
        results.put((score, repr(err), None))
        return
    results.put((score, saved, refused))


def test_two_processes_never_write_an_answer_twice(tmp_path):
    path = tmp_path / "ana.csv"
    context = multiprocessing.get_context("spawn")
    start, results = context.Barrier(2), context.Queue()
    orders = {1: SHARED + OWN[1], 2: random.Random(0).sample(SHARED + OWN[2], len(SHARED) + len(OWN[2]))}
    workers = [
        context.Process(target=save_all, args=(str(path), score, images, start, results))
        for score, images in orders.items()
    ]
    for worker in workers:
        worker.start()
    outcome = {score: (saved, refused) for score, saved, refused in (results.get(timeout=120) for _ in workers)}
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    assert all(refused is not None for _, refused in outcome.values()), outcome

    table = read_scores(path)  # parses: no torn line, no duplicate (reader, volunteer, set, criterion)
    on_file = table.groupby(["volunteer", "set"])["score"].agg(["size", "min", "max"])
    saved = {score: set(images) for score, (images, _) in outcome.items()}
    assert saved[1].isdisjoint(saved[2])
    assert saved[1] | saved[2] == set(SHARED) | set(OWN[1]) | set(OWN[2])
    for score, images in saved.items():
        for image in images:  # every save that returned is on disk exactly once, with its scores
            assert tuple(on_file.loc[image]) == (len(CRITERIA), score, score)
    assert set(OWN[1]) <= saved[1] and set(OWN[2]) <= saved[2]
    assert outcome[1][1] + outcome[2][1] == len(SHARED)
    assert len(table) == len(CRITERIA) * len(on_file)
