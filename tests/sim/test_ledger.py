"""The calibration ledger lists the numbers the simulation runs with; only the noise level is set on the paper."""

from lumbarlib.sim import acquisition, coils, tissues
from lumbarlib.sim.ledger import COLUMNS, NOT_CALIBRATED, calibration_ledger
from lumbarlib.sim.tissues import TISSUE_PROPERTIES
from lumbarlib.study.protocol import PROTOCOLS


def test_every_row_has_a_source_and_says_what_it_was_calibrated_on():
    ledger = calibration_ledger()
    assert tuple(ledger.columns) == COLUMNS
    assert (ledger["source"].str.len() > 5).all() and (ledger["calibrated_on"].str.len() > 0).all()
    assert not ledger["parameter"].duplicated().any()


def test_only_the_noise_level_is_calibrated_on_the_papers_results():
    ledger = calibration_ledger()
    on_paper = ledger[ledger["calibrated_on"].str.contains("paper Table 2")]
    assert on_paper["parameter"].tolist() == ["target standard fat SNR"]
    assert not ledger["calibrated_on"].str.contains("ratio|Table 3", regex=True).any()


def test_values_are_those_the_code_runs_with():
    ledger = calibration_ledger().set_index("parameter")["value"]
    assert ledger["target standard fat SNR"] == f"{acquisition.PAPER_FAT_SNR:g}"
    assert ledger["phase oversampling"] == f"{PROTOCOLS['standard'].phase_oversampling:g}"
    assert ledger["loop radius"] == f"{coils.spine_array().radius_mm:g}"
    for name, tissue in TISSUE_PROPERTIES.items():
        assert ledger[name] == f"{tissue.pd:g} / {tissue.t1_ms:g} / {tissue.t2_ms:g} / {tissue.mt_loss:g}"
    assert ledger["incidental MT loss, white-matter-like tissue"] == f"{tissues.MT_WHITE_MATTER_LOSS:g}"
    assert ledger["surface-coil intensity normalisation"].startswith("on")


def test_numbers_taken_as_published_say_so():
    ledger = calibration_ledger()
    tissues = ledger[ledger["group"] == "tissue"]
    assert len(tissues) == len(TISSUE_PROPERTIES) and (tissues["calibrated_on"] == NOT_CALIBRATED).all()
