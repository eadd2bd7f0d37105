"""The calibration ledger: every number of the virtual scanner that Table 1 does not give, with its source.

Serves the honesty of the simulation that stands in for the paper's scanner
:cite:`kashiwagi2022lumbar`: each row names a free number, its value (read from the code's
own objects, so the ledger cannot drift from what runs), its unit, where it comes from (a
citation, a vendor convention, a physical argument) and what, if anything, it was
calibrated on. Only one number is calibrated on the paper's results, the noise level (on the
standard fat SNR of Table 2); two protocol numbers are solved from Table 1's scan times; the
double- and triple-fast SNR ratios are never used to set anything.
"""

from __future__ import annotations

import inspect

import pandas as pd

from lumbarlib.sim import (
    acquisition,
    anatomy,
    chemical_shift,
    coils,
    degeneration,
    echo_train,
    motion,
    phantom,
    sampling,
    tissues,
)
from lumbarlib.sim.cohort import AGE_VARIATION, MUSCLE_FAT_VARIATION, TISSUE_VARIATION, VARIATION, ScannerModel
from lumbarlib.sim.labels import SLICE_OFFSET_MM
from lumbarlib.sim.tissues import TISSUE_PROPERTIES
from lumbarlib.study.protocol import PROTOCOLS

COLUMNS = ("group", "parameter", "value", "unit", "source", "calibrated_on")
"""Columns of the ledger (``calibration_ledger.csv``)."""

NOT_CALIBRATED = "nothing"
"""``calibrated_on`` of a number taken from its source as it is."""


def _default(function: object, name: str) -> object:
    """The default value of a function's keyword argument (the number the simulation runs with)."""
    return inspect.signature(function).parameters[name].default


def tissue_rows() -> list[tuple]:
    """Proton density, T1, apparent TSE T2 and MT loss of every tissue at 1.5 T, one row each, with the source."""
    return [
        (
            "tissue",
            name,
            f"{tissue.pd:g} / {tissue.t1_ms:g} / {tissue.t2_ms:g} / {tissue.mt_loss:g}",
            "PD (water = 1) / T1 ms / T2 ms / MT loss",
            tissue.source + ("; MT: see 'incidental MT loss'" if tissue.mt_loss else ""),
            NOT_CALIBRATED,
        )
        for name, tissue in TISSUE_PROPERTIES.items()
    ]


def physics_rows() -> list[tuple]:
    """Mechanisms beyond the TSE equation: magnetisation transfer, the echo train, the vendor's intensity correction."""
    return [
        (
            "physics",
            "incidental MT loss, white-matter-like tissue",
            tissues.MT_WHITE_MATTER_LOSS if ScannerModel().magnetisation_transfer else 0.0,
            "of the signal",
            "Radunsky 2019: 18.9-21.2 % in vivo, multi-slice against single-slice spin echo (the middle); "
            "muscle, annulus, ligament the same, water-rich tissue half, fat and fluids none (a stated rule)",
            NOT_CALIBRATED,
        ),
        (
            "physics",
            "echo-train view order",
            "linear, k = 0 at echo "
            f"{PROTOCOLS['standard'].te_ms / PROTOCOLS['standard'].echo_spacing_ms:g} of {PROTOCOLS['standard'].etl}"
            if ScannerModel().echo_train_t2
            else "off",
            "",
            "the usual Cartesian TSE order (Constable 1992); the paper gives ETL, echo spacing and TE, not the order",
            NOT_CALIBRATED,
        ),
        (
            "physics",
            "smallest own signal weighted along the echo train",
            echo_train.MIN_OWN_SIGNAL,
            "of the echo-1 signal at the effective TE",
            "below it a label's pixels hold only neighbours' partial volume (ligament, cortex, flow voids)",
            NOT_CALIBRATED,
        ),
        (
            "physics",
            "fat-water shift along the read direction",
            f"{chemical_shift.FAT_WATER_PPM:g} ppm, {chemical_shift.shift_mm(PROTOCOLS['standard']):.2f} mm"
            if ScannerModel().chemical_shift
            else "off",
            "ppm, mm",
            "main fat peak (Hamilton 2011) at 1.5 T over 245.1 Hz per pixel; direction (posterior) assumed",
            NOT_CALIBRATED,
        ),
        (
            "motion",
            "breathing period",
            motion.BREATHING_PERIOD_S,
            "s",
            "quiet breathing at 15 per minute, the middle of the adult resting 12-20",
            NOT_CALIBRATED,
        ),
        (
            "motion",
            "anterior abdominal wall excursion, peak to peak",
            motion.WALL_EXCURSION_MM if ScannerModel().respiratory_motion else 0.0,
            "mm",
            "physical estimate: half of a 0.5 L tidal volume over about 500 cm^2 of anterior wall; "
            "falls linearly to 0 at the vertebral bodies; 0: off in the book's study (measured in the mechanism table)",
            NOT_CALIBRATED,
        ),
        (
            "vendor",
            "surface-coil intensity normalisation",
            "on, shading known exactly" if ScannerModel().intensity_normalisation else "off",
            "",
            "clinical default of scanners (Murakami 1996; Canon, GE PURE, Siemens Prescan Normalize, Philips "
            "CLEAR); the paper does not say; the DLR runs before it",
            NOT_CALIBRATED,
        ),
    ]


def protocol_rows() -> list[tuple]:
    """The two numbers of the scan-time model that Table 1 does not print."""
    standard = PROTOCOLS["standard"]
    solved = "Table 1 scan times of standard and double-fast (228 s, 119 s); triple-fast's 68 s is then a prediction"
    return [
        (
            "protocol",
            "phase oversampling",
            standard.phase_oversampling,
            "lines per matrix line",
            "wrap suppression along the superior-inferior phase direction (the body extends beyond the 300 mm FOV)",
            solved,
        ),
        (
            "protocol",
            "preparation TRs",
            standard.preparation_trs,
            "TR",
            "dummy repetitions to the steady state before data collection",
            solved,
        ),
    ]


def coil_rows() -> list[tuple]:
    """Geometry and noise of the 32-element spine array."""
    array = coils.spine_array()
    spacing_z = array.rows_z_mm[1] - array.rows_z_mm[0]
    spacing_y = array.columns_y_mm[1] - array.columns_y_mm[0]
    geometry = "a 32-element spine array of overlapping loops (paper: 32 elements); phased-array layout, Roemer 1990"
    return [
        (
            "coil",
            "elements (rows x columns)",
            f"{len(array.rows_z_mm)} x {len(array.columns_y_mm)}",
            "",
            geometry,
            NOT_CALIBRATED,
        ),
        ("coil", "loop radius", array.radius_mm, "mm", geometry, NOT_CALIBRATED),
        ("coil", "loop spacing along the spine", spacing_z, "mm", geometry, NOT_CALIBRATED),
        ("coil", "loop spacing across", spacing_y, "mm", geometry, NOT_CALIBRATED),
        (
            "coil",
            "loop plane below the table top",
            coils.TABLE_TO_COIL_MM,
            "mm",
            "mattress pad and coil housing",
            NOT_CALIBRATED,
        ),
        (
            "coil",
            "paramedian slice offset",
            SLICE_OFFSET_MM["para"],
            "mm",
            "right paramedian slice through the intervertebral foramina (paper: ROIs on the right foramina)",
            NOT_CALIBRATED,
        ),
        (
            "coil",
            "noise correlation between neighbouring elements",
            coils.NEIGHBOUR_CORRELATION if ScannerModel().coil_noise_correlation else 0.0,
            "",
            "the middle of the 0.1-0.3 typical of phased arrays (Roemer 1990); prewhitened before reconstruction",
            NOT_CALIBRATED,
        ),
    ]


def reconstruction_rows() -> list[tuple]:
    """The noise level, the compressed-sensing sampling and regularisation."""
    return [
        (
            "noise",
            "target standard fat SNR",
            acquisition.PAPER_FAT_SNR,
            "SI / SD_air",
            "paper Table 2, standard, retroperitoneal fat at S1",
            "paper Table 2: the one number calibrated on the paper",
        ),
        (
            "cs",
            "centre fraction always sampled",
            _default(sampling.phase_encode_mask, "center_fraction"),
            "of the phase-encode lines",
            "variable-density sampling keeps the k-space centre (Lustig 2007)",
            NOT_CALIBRATED,
        ),
        (
            "cs",
            "sampling density power",
            _default(sampling.phase_encode_mask, "density_power"),
            "",
            "polynomial variable density (Lustig 2007)",
            NOT_CALIBRATED,
        ),
        (
            "cs",
            "L1-wavelet weight per noise SD",
            acquisition.CS_LAMBDA_PER_NOISE_SD,
            "noise SD",
            "the weight that minimises the RMS error inside the body against the simulation's own truth",
            "the simulation's noise-free truth (not the paper)",
        ),
        (
            "cs",
            "virtual coils after SVD compression",
            acquisition.N_VIRTUAL_COILS,
            "",
            "coil compression before the iterative reconstruction (speed)",
            NOT_CALIBRATED,
        ),
    ]


def cohort_rows() -> list[tuple]:
    """Mean, SD and clipping range of every feature that varies between the virtual volunteers."""
    source = "healthy adult men (see lumbarlib.sim.cohort.VARIATION)"
    rows = [
        ("cohort", name, f"{mean:g} +- {sd:g} (clipped to {low:g}..{high:g})", "", source, NOT_CALIBRATED)
        for name, (mean, sd, low, high) in VARIATION.items()
    ]
    mean, sd, low, high = TISSUE_VARIATION
    rows.append(
        (
            "cohort",
            "tissue proton-density factor",
            f"{mean:g} +- {sd:g} (clipped to {low:g}..{high:g})",
            "",
            "biological variation between volunteers",
            NOT_CALIBRATED,
        )
    )
    return rows


def anatomy_rows() -> list[tuple]:
    """Age, disc degeneration and the anatomical sizes the phantom states rather than measures."""
    mean, sd, low, high = AGE_VARIATION
    d = degeneration
    ages = "/".join(f"{a:g}" for a in d.PREVALENCE_AGES)
    rows = [
        (
            "anatomy",
            "age",
            f"{mean:g} +- {sd:g} (clipped to {low:g}..{high:g})",
            "years",
            "the paper: ten men, mean 41, range 24-57; the SD a stated choice",
            NOT_CALIBRATED,
        ),
    ]
    rows += [
        (
            "anatomy",
            f"prevalence of disc {finding.replace('_', ' ')}",
            " / ".join(f"{v:g}" for v in values),
            f"of people at {ages} years",
            "Brinjikji 2015 (33 studies, 3110 asymptomatic people)",
            NOT_CALIBRATED,
        )
        for finding, values in d.PREVALENCE.items()
    ]
    rows += [
        ("anatomy", "prevalence of a Schmorl node", d.SCHMORL_PREVALENCE, "of people", "Jensen 1994", NOT_CALIBRATED),
        (
            "anatomy",
            "prevalence of a Modic change",
            d.MODIC_PREVALENCE,
            "of people",
            "Jensen 2008 (median, non-clinical populations); type 2 (fatty) drawn",
            NOT_CALIBRATED,
        ),
        (
            "anatomy",
            "degenerated-disc share by level (T12-L1 .. L5-S1)",
            " / ".join(f"{d.LEVEL_SHARE[x]:g}" for x in d.LUMBAR_DISCS),
            "given signal loss",
            "a stated rule: most at L4-5 and L5-S1 (Cheung 2009)",
            NOT_CALIBRATED,
        ),
        (
            "anatomy",
            "nucleus signal loss, Pfirrmann III / IV",
            f"{d.NUCLEUS_LOSS[3]:g} / {d.NUCLEUS_LOSS[4]:g}",
            "of the way to annulus",
            "a stated reading of Pfirrmann 2001's grade descriptions",
            NOT_CALIBRATED,
        ),
        (
            "anatomy",
            "disc height, Pfirrmann III / IV",
            f"{d.HEIGHT_FACTOR[3]:g} / {d.HEIGHT_FACTOR[4]:g}",
            "of healthy",
            "a stated reading of Pfirrmann 2001 (slightly / moderately decreased)",
            NOT_CALIBRATED,
        ),
        (
            "anatomy",
            "disc bulge",
            f"{d.BULGE_MM[0]:g}..{d.BULGE_MM[1]:g}",
            "mm",
            "a bulge is under 3-4 mm beyond the endplates by definition",
            NOT_CALIBRATED,
        ),
        (
            "anatomy",
            "marrow fat fraction step per level below L1",
            anatomy.MARROW_FAT_STEP,
            "",
            "direction: Liney 2007 (L5 > L1); size a stated choice",
            NOT_CALIBRATED,
        ),
        (
            "anatomy",
            "Modic band depth / fat fraction",
            f"{anatomy.MODIC_DEPTH_MM:g} / {anatomy.MODIC_FAT_FRACTION:g}",
            "mm / ",
            "stated sizes of a type 2 change",
            NOT_CALIBRATED,
        ),
        (
            "anatomy",
            "Schmorl node semi-axes",
            " x ".join(f"{v:g}" for v in anatomy.SCHMORL_MM),
            "mm",
            "a stated size",
            NOT_CALIBRATED,
        ),
        (
            "anatomy",
            "vertebral waist, anterior / posterior wall",
            " / ".join(f"{v:g}" for v in anatomy.WAIST_MM),
            "mm",
            "a stated anatomical reading",
            NOT_CALIBRATED,
        ),
        ("anatomy", "bowel loops", phantom.BOWEL_LOOPS, "", "enough to pack the peritoneal cavity", NOT_CALIBRATED),
        (
            "anatomy",
            "paraspinal muscle fat fraction",
            "{:g} +- {:g} (clipped to {:g}..{:g})".format(*MUSCLE_FAT_VARIATION),
            "",
            "Sollmann 2020: erector spinae L3-L5 of men, 10.7 +- 7.6 % (water-fat MRI); drawn as visible streaks",
            NOT_CALIBRATED,
        ),
        (
            "anatomy",
            "spinous process signal / marrow",
            phantom.PROCESS_MARROW_SHARE,
            "",
            "thick cortical shell around little marrow (a stated value)",
            NOT_CALIBRATED,
        ),
        (
            "anatomy",
            "prevertebral fat depth by level",
            " / ".join(f"{lv} {v:g}" for lv, v in phantom.PREVERTEBRAL_FAT_MM.items()),
            "mm",
            "thin where the aorta lies on the lumbar spine, thick in the presacral space (a stated reading)",
            NOT_CALIBRATED,
        ),
        (
            "anatomy",
            "psoas reach in front of the bodies at L5",
            phantom.PSOAS_REACH_MM,
            "mm",
            "none at L1 (a stated reading)",
            NOT_CALIBRATED,
        ),
        (
            "anatomy",
            "articular column behind the canal (paramedian)",
            phantom.FACET_COLUMN_MM,
            "mm",
            "pedicles, pars and facets; the paraspinal muscles fill the rest (a stated reading)",
            NOT_CALIBRATED,
        ),
        (
            "anatomy",
            "basivertebral vein channel depth",
            phantom.BASIVERTEBRAL_MM,
            "mm",
            "from the posterior cortex into the body (a stated size)",
            NOT_CALIBRATED,
        ),
        (
            "anatomy",
            "S1-S2 remnant share of nucleus contrast",
            phantom.SACRAL_REMNANT,
            "",
            "the fused sacral disc keeps a thin remnant (a stated value)",
            NOT_CALIBRATED,
        ),
        (
            "anatomy",
            "cauda equina root pairs in the sac",
            len(phantom.ROOT_EXITS),
            "",
            "one pair per exit level "
            + "-".join((phantom.ROOT_EXITS[0], phantom.ROOT_EXITS[-1]))
            + " (a stated count)",
            NOT_CALIBRATED,
        ),
        (
            "anatomy",
            "aorta: lateral centre / radius",
            " / ".join(f"{v:g}" for v in phantom.AORTA),
            "mm",
            "left of the midline (a stated reading)",
            NOT_CALIBRATED,
        ),
        (
            "anatomy",
            "IVC: lateral centre / radius",
            " / ".join(f"{v:g}" for v in phantom.IVC),
            "mm",
            "right of the midline (a stated reading)",
            NOT_CALIBRATED,
        ),
        (
            "anatomy",
            "cauda equina root radius",
            phantom.ROOT_RADIUS_MM,
            "mm",
            "lumbosacral roots 1-2 mm across",
            NOT_CALIBRATED,
        ),
        (
            "anatomy",
            "exiting root descent",
            phantom.ROOT_DESCENT,
            "mm per mm lateral",
            "the root runs down and out of its foramen (a stated slope)",
            NOT_CALIBRATED,
        ),
        (
            "anatomy",
            "planes averaged across the 3 mm slice",
            _default(phantom.render_slice, "sub_slices"),
            "",
            "through-plane partial volume, rectangular profile sampled at its thirds",
            NOT_CALIBRATED,
        ),
    ]
    return rows


def calibration_ledger() -> pd.DataFrame:
    """Every free number of the virtual scanner: group, parameter, value, unit, source, calibrated on.

    Returns
    -------
    DataFrame
        Columns :data:`COLUMNS`; values as text where they are not single numbers.
    """
    rows = (
        tissue_rows()
        + physics_rows()
        + protocol_rows()
        + coil_rows()
        + reconstruction_rows()
        + cohort_rows()
        + anatomy_rows()
    )
    table = pd.DataFrame(rows, columns=list(COLUMNS))
    table["value"] = table["value"].map(lambda v: f"{v:g}" if isinstance(v, float) else str(v))
    return table
