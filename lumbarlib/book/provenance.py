"""Where and with what a build ran: date, commit, machine and the versions of the main packages.

The status page shows it beside each chapter's execution time, so a reader comparing two
builds (or a teacher comparing a class's machines) sees what differed. Nothing here enters
a table the book compares: the numbers of a build depend only on its parameters.
"""

from __future__ import annotations

import os
import platform
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from lumbarlib.core.paths import repo_dir

PACKAGES: tuple[str, ...] = (
    "torch",
    "numpy",
    "scipy",
    "pandas",
    "statsmodels",
    "scikit-image",
    "sigpy",
    "matplotlib",
    "papermill",
    "jupyter-book",
    "voila",
)
"""The packages whose versions the status page lists (all pinned in ``requirements.txt``)."""


@dataclass(frozen=True)
class BuildRecord:
    """Date (UTC, ISO 8601), commit (with ``+changes`` when the tree differs from it), machine, versions."""

    date: str
    commit: str
    machine: str
    cores: int
    memory_gib: float
    python: str
    versions: dict[str, str]

    def markdown(self) -> str:
        """Two small two-column Markdown tables: the build, then the package versions."""
        build = {
            "built (UTC)": self.date,
            "commit": f"`{self.commit}`",
            "machine": self.machine,
            "CPU cores": str(self.cores),
            "memory": f"{self.memory_gib:.0f} GiB",
            "Python": self.python,
        }
        lines = ["| build | |", "|---|---|"] + [f"| {key} | {value} |" for key, value in build.items()]
        lines += ["", "| package | version |", "|---|---|"]
        lines += [f"| {name} | {version} |" for name, version in self.versions.items()]
        return "\n".join(lines)


def git_commit(root: Path | None = None) -> str:
    """The checked-out commit's hash, ``+changes`` appended if files differ from it; ``"unknown"`` outside git."""
    root = root or repo_dir()
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"], cwd=root, capture_output=True, text=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + ("+changes" if dirty else "")


def memory_gib() -> float:
    """Physical memory of this machine in GiB (0 where the system does not say)."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError, AttributeError):
        return 0.0


def package_versions(names: tuple[str, ...] = PACKAGES) -> dict[str, str]:
    """Installed version of each package (``"not installed"`` for one that is missing)."""
    versions = {}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def build_record(root: Path | None = None) -> BuildRecord:
    """What this build ran on, now."""
    return BuildRecord(
        date=datetime.now(UTC).isoformat(timespec="seconds"),
        commit=git_commit(root),
        machine=f"{platform.system()} {platform.machine()}",
        cores=os.cpu_count() or 0,
        memory_gib=memory_gib(),
        python=platform.python_version(),
        versions=package_versions(),
    )
