"""Every notebook parameter is declared once; a bad value stops a run before any work, named with its notebook."""

import json
import math
from pathlib import Path

import pytest

from lumbarlib.book.parameters import (
    NOTEBOOK_PARAMETERS,
    check_parameter,
    validate_notebook,
    validate_run,
)
from lumbarlib.book.run import notebook_parameters
from lumbarlib.core.checks import ParameterError

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


def defaults(stem: str) -> dict:
    """The values of a notebook's parameters cell."""
    return notebook_parameters(NOTEBOOKS / f"{stem}.ipynb", "paper")[0]


@pytest.mark.parametrize("stem", sorted(NOTEBOOK_PARAMETERS))
def test_every_parameters_cell_is_declared_exactly(stem):
    assert set(defaults(stem)) == set(NOTEBOOK_PARAMETERS[stem])


def test_every_notebook_of_the_book_has_a_declaration():
    assert {p.stem for p in NOTEBOOKS.glob("*.ipynb")} == set(NOTEBOOK_PARAMETERS)


@pytest.mark.parametrize("profile", ["quick", "paper"])
def test_the_shipped_profiles_pass(profile):
    validate_run([(stem, notebook_parameters(NOTEBOOKS / f"{stem}.ipynb", profile)[0]) for stem in NOTEBOOK_PARAMETERS])


@pytest.mark.parametrize(
    ("stem", "name", "value", "allowed"),
    [
        ("00_overview", "n_volunteers", 0, "an integer >= 1 and <= 50"),
        ("00_overview", "n_volunteers", 1_000_000, "an integer >= 1 and <= 50"),
        ("00_overview", "n_volunteers", True, "an integer >= 1"),
        ("01_acquisition", "cs_factor", 0.9, "a number >= 1.0 and <= 4.0"),
        ("01_acquisition", "cs_factor", 1e9, "a number >= 1.0 and <= 4.0"),
        ("01_acquisition", "matrix_scale", 0.02, "a number >= 0.2 and <= 1.0"),
        ("01_acquisition", "matrix_scale", 1.5, "a number >= 0.2 and <= 1.0"),
        ("01_acquisition", "seed", -3, "an integer >= 0"),
        ("01_acquisition", "seed", 2**40, "an integer >= 0 and <= 4294967295"),
        ("02_simulation", "cs_iterations", "ten", "an integer >= 1 and <= 500"),
        ("02_simulation", "cs_iterations", 10**6, "an integer >= 1 and <= 500"),
        ("02_simulation", "volunteer", 0, "an integer >= 1"),
        ("03_dlr_architecture", "noise_sigma", math.nan, "a number >= 0.0 and <= 0.5"),
        ("03_dlr_architecture", "noise_sigma", math.inf, "a number >= 0.0 and <= 0.5"),
        ("03_dlr_architecture", "slider_strengths", [], "a list of 1 to 40 numbers"),
        ("03_dlr_architecture", "slider_strengths", "1.0", "a list of 1 to 40 numbers"),
        ("03_dlr_architecture", "slider_strengths[1]", [0.0, -1.0], "a number >= 0.0 and <= 10.0"),
        ("03_dlr_architecture", "slider_noise_levels[0]", [0.0], "a number > 0.0 and <= 5.0"),
        ("04_training", "train_steps", -1, "an integer >= 0 and <= 100000"),
        ("04_training", "batch_size", 0, "an integer >= 1 and <= 512"),
        ("04_training", "patch_size", 4, "an integer >= 8 and <= 256"),
        ("04_training", "comparison_images", 0, "an integer >= 1 and <= 40"),
        ("04_training", "noise_levels", [0.02, 0.05], "a list of 3 numbers"),
        ("04_training", "noise_levels[2]", [0.02, 0.05, 0.9], "a number > 0.0 and <= 0.5"),
        ("05_denoising", "strength", -0.1, "a number >= 0.0 and <= 10.0"),
        ("05_denoising", "zoom_mm", 1.0, "a number >= 5.0 and <= 250.0"),
        ("05_denoising", "user_image", "/no/such/image.dcm", "no such file"),
        ("05_denoising", "user_image", None, "must be a path"),
        ("05_denoising", "preview_nex", 0, "an integer >= 1 and <= 16"),
        ("05_denoising", "preview_cs_factor", "1.8", "a number >= 1.0"),
        ("06_quantitative", "roi_area_mm2", 0.0, "a number > 0.0 and <= 200.0"),
        ("06_quantitative", "n_replicas", 1, "an integer >= 2 and <= 1000"),
        ("06_quantitative", "bh_family", "everything", "must be one of 'group', 'all'"),
        ("06_quantitative", "wilcoxon_method", "t-test", "must be one of 'spss', 'exact'"),
        ("06_quantitative", "replica_volunteer", 51, "an integer >= 1 and <= 50"),
        ("07_readers", "n_readers", 0, "an integer >= 2 and <= 20"),
        ("07_readers", "n_readers", 1, "an integer >= 2 and <= 20"),
        ("07_readers", "overall_weights[0]", [math.nan, 0.2, 0.15, 0.1, 0.15], "a number >= 0.0"),
        ("07_readers", "overall_weights", [0, 0, 0, 0, 0], "must have a positive sum"),
        ("07_readers", "overall_weights", [0.5, 0.5], "a list of 5 numbers"),
        ("07_readers", "equivalent_threshold", 0.0, "a number > 0.0 and <= 5.0"),
        ("07_readers", "human_scores_dir", "/no/such/folder", "no such folder"),
        ("dlr_explorer", "noise_factor", -1.0, "a number >= 0.0 and <= 5.0"),
        ("reader_app", "seed", -1, "an integer >= 0"),
        ("reader_app", "images_path", "/no/such/study.npz", "no such file"),
    ],
)
def test_bad_value_names_notebook_parameter_value_and_range(stem, name, value, allowed):
    parameter = name.split("[")[0]
    with pytest.raises(ParameterError) as err:
        check_parameter(stem, parameter, value)
    message = str(err.value)
    assert f"notebook {stem}" in message
    assert f"'{name}'" in message
    assert allowed in message


def test_a_file_of_another_kind_is_refused(tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("not an image")
    with pytest.raises(ParameterError, match=r"'user_image' = .*notes.txt.*must end in one of \.dcm"):
        check_parameter("05_denoising", "user_image", str(text))


def test_a_notebook_missing_a_parameter_is_named():
    params = defaults("06_quantitative")
    del params["n_replicas"]
    with pytest.raises(ParameterError, match="notebook 06_quantitative: parameter 'n_replicas' is not set"):
        validate_notebook("06_quantitative", params)


def test_unknown_notebook_and_undeclared_parameter_are_named():
    with pytest.raises(ParameterError, match="'notebook' = '99_extra'"):
        validate_notebook("99_extra", {})
    with pytest.raises(ParameterError, match=r"notebook 00_overview: parameter\(s\) \['n_patients'\]"):
        validate_run([("00_overview", {"n_volunteers": 3, "n_patients": 3})])


def test_a_volunteer_beyond_the_simulated_study_is_refused_before_the_run():
    plans = [
        ("02_simulation", {**defaults("02_simulation"), "n_volunteers": 3}),
        ("05_denoising", defaults("05_denoising")),
    ]
    plans[1][1]["preview_volunteer"] = 4
    with pytest.raises(
        ParameterError, match="notebook 05_denoising: parameter 'preview_volunteer' = 4: must be <= n_vol"
    ):
        validate_run(plans)


def test_a_notebook_validates_its_own_globals():
    namespace = {**defaults("00_overview"), "plt": object()}
    validate_notebook("00_overview", namespace)
    with pytest.raises(ParameterError, match="'n_volunteers' = 0"):
        validate_notebook("00_overview", {**namespace, "n_volunteers": 0})


def test_every_validation_cell_uses_the_declaration():
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        code = "".join("".join(c["source"]) for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code")
        assert f'validate_notebook("{path.stem}", globals())' in code, path.name
