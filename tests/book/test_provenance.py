"""The build record names this checkout's commit, this machine and the installed versions."""

import os
import re
import subprocess

import numpy as np

from lumbarlib.book.provenance import build_record, git_commit, package_versions


def test_record_names_commit_machine_and_versions():
    record = build_record()
    assert re.fullmatch(r"[0-9a-f]{40}(\+changes)?|unknown", record.commit)
    assert record.cores == os.cpu_count() and record.memory_gib > 0.5
    assert record.versions["numpy"] == np.__version__
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", record.date)
    text = record.markdown()
    assert record.commit in text and f"| numpy | {np.__version__} |" in text


def test_commit_is_the_checked_out_one_and_outside_git_unknown(tmp_path):
    head = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    if head:
        assert git_commit().startswith(head)
    assert git_commit(tmp_path) == "unknown"


def test_a_missing_package_is_said_so():
    assert package_versions(("numpy", "no-such-package-xyz")) == {
        "numpy": np.__version__,
        "no-such-package-xyz": "not installed",
    }
