"""Live DLR preview: latency from a slider value set to the figure updated, in the kernel, on a 128 x 128 tile.

Builds the explorer widget (no front end attached: the widget's observers run in this
process exactly as in a kernel) on one paper-size volunteer, then sets the strength
slider to a sequence of values and times each assignment, which returns once the DLR
has run, the ROIs are measured and the new PNG is in the image widget; the first visible
response is the coarse frame (2 x 2 binned, :func:`lumbarlib.ui.preview.coarse_preview`)
the widget shows before the full tile. The noise-level and CS-factor sliders (which
re-acquire the tile first) are timed too, for reference.
Finally it builds the book's static sliders (strength x noise level of chapter 3, NEX x
CS factor of chapter 5) with the frames of the quick and paper profiles and reports the
size of each page fragment.

Targets: the strength slider's first visible response within 100 ms median (issue 16); the
full tile, for reference, within 150 ms (issue 7). Last line:
``preview_first_response_median: <ms> ms (<ratio> of the 100 ms target)``.
"""

from __future__ import annotations

import math
import statistics
import time

from lumbarlib.sim.cohort import simulate_cohort
from lumbarlib.ui.preview import CONTROLS, TILE_SIZE, Explorer, Settings
from lumbarlib.ui.preview_widgets import PreviewWidget
from lumbarlib.ui.static_slider import preview_slider_static

TARGET_MS = 150.0
FIRST_RESPONSE_TARGET_MS = 100.0
SEED = 0
STRENGTHS = [0.2, 1.5, 0.6, 2.4, 1.0, 0.0, 2.0, 0.8, 1.2, 2.8, 0.4, 1.7, 0.9, 2.2, 1.1, 0.3, 2.6, 1.4, 0.7, 1.9]
STATIC_SLIDERS = {  # the sliders' parameters in the chapters, quick and paper profiles
    "chapter 3, quick": {"strength": [0.0, 1.0, 2.0]},
    "chapter 3, paper": {
        "noise_factor": [0.5, 1.0, 2.0],
        "strength": [0.0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 3.0],
    },
    "chapter 5, quick": {"nex": [1, 2], "cs_factor": [1.0, 1.8]},
    "chapter 5, paper": {"nex": [1, 2, 4], "cs_factor": [1.0, 1.4, 1.8, 2.4, 3.0]},
}


def time_assignments(control, values) -> list[float]:
    """Milliseconds each ``control.value = v`` takes (its observer recomputes synchronously)."""
    out = []
    for v in values:
        start = time.perf_counter()
        control.value = v
        out.append(1000.0 * (time.perf_counter() - start))
    return out


def main() -> None:
    print("simulating one paper-size volunteer ...", flush=True)
    study = simulate_cohort(1, SEED, show_pbar=False).study
    explorer = Explorer(study, seed=SEED)
    widget = PreviewWidget(explorer, Settings(), CONTROLS)
    tile_shape = widget.preview.noisy.shape
    assert tile_shape == (TILE_SIZE, TILE_SIZE), tile_shape
    strength, first = [], []
    for value in STRENGTHS:
        strength += time_assignments(widget.controls["strength"], [value])
        first.append(widget.first_frame_ms)
    noise = time_assignments(widget.controls["noise_factor"], [0.5, 2.0, 1.5, 0.75, 1.0])
    cs = time_assignments(widget.controls["cs_factor"], [1.8, 2.5])
    print(f"tile {tile_shape[0]} x {tile_shape[1]}, {len(strength)} strength settings")
    print(
        f"strength slider: median {statistics.median(strength):.0f} ms, "
        f"min {min(strength):.0f} ms, max {max(strength):.0f} ms"
    )
    print(f"noise-level slider (re-acquires, fully sampled): median {statistics.median(noise):.0f} ms")
    print(
        f"CS-factor slider (re-acquires, {explorer.cs_iterations} CS iterations): median {statistics.median(cs):.0f} ms"
    )
    for name, axes in STATIC_SLIDERS.items():
        start = time.perf_counter()
        page = preview_slider_static(axes, study=study, seed=SEED, noise_sd=explorer.noise_sd, show_pbar=False)
        seconds = time.perf_counter() - start
        n_frames = math.prod(len(values) for values in axes.values())
        size = len(page.data.encode("utf-8"))
        print(
            f"static slider, {name}: {n_frames} frames, {size / 1e6:.2f} MB of page, "
            f"{size / n_frames / 1e3:.0f} kB per frame, built in {seconds:.1f} s"
        )
    median = statistics.median(strength)
    print(f"preview_latency_median: {median:.0f} ms ({median / TARGET_MS:.2f} of the {TARGET_MS:.0f} ms target)")
    first_median = statistics.median(first)
    print(
        f"preview_first_response_median: {first_median:.0f} ms "
        f"({first_median / FIRST_RESPONSE_TARGET_MS:.2f} of the {FIRST_RESPONSE_TARGET_MS:.0f} ms target)"
    )


if __name__ == "__main__":
    main()
