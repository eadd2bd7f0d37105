"""Run every benchmark script in ``benchmarks/`` and collect the results in ``<build>/bench.json``.

Each script prints its figures and ends with one line
``name: value unit (ratio to its reference)``; that line is what is collected.
Benchmarks measure speed on the machine at hand; they are never part of the tests.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

from lumbarlib.core.paths import build_dir, repo_dir

RESULT_LINE = re.compile(r"^(?P<name>[\w.\-]+): (?P<value>[-+0-9.eE]+) (?P<unit>\S+) \((?P<reference>.+)\)$")


@dataclass(frozen=True)
class BenchResult:
    """The closing line of one benchmark script."""

    script: str
    name: str
    value: float
    unit: str
    reference: str


def parse_result(script: str, output: str) -> BenchResult:
    """Parse the last non-empty line of a benchmark's output.

    Raises
    ------
    ValueError
        If that line is not ``name: value unit (ratio to its reference)``.
    """
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    last = lines[-1] if lines else ""
    match = RESULT_LINE.match(last)
    if not match:
        raise ValueError(f"benchmark {script}: last line {last!r} is not 'name: value unit (ratio to its reference)'")
    return BenchResult(script, match["name"], float(match["value"]), match["unit"], match["reference"])


def run_all(folder: Path | None = None) -> list[BenchResult]:
    """Run each ``*.py`` in ``folder`` (default ``benchmarks/``) in turn, echoing its output."""
    folder = folder or repo_dir() / "benchmarks"
    results = []
    for script in sorted(folder.glob("*.py")):
        print(f"=== {script.name}", flush=True)
        proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True)
        print(proc.stdout, end="", flush=True)
        if proc.returncode != 0:
            print(proc.stderr, file=sys.stderr)
            raise RuntimeError(f"benchmark {script.name} exited with {proc.returncode}")
        results.append(parse_result(script.name, proc.stdout))
    return results


def main() -> int:
    results = run_all()
    out = build_dir() / "bench.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps([asdict(r) for r in results], indent=2) + "\n", encoding="utf-8")
    print(f"\n{len(results)} benchmarks; results in {out}")
    for r in results:
        print(f"  {r.name}: {r.value:g} {r.unit} ({r.reference})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
