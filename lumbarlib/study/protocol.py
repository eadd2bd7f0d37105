"""The three T2-weighted TSE protocols of the study (paper Table 1) as data, with their scan times and SNR.

:cite:`kashiwagi2022lumbar` scanned every volunteer with one sagittal T2 turbo spin-echo
(TSE) sequence at three speeds: *standard* (NEX 2, 228 s), *double-fast* (NEX 1, 119 s)
and *triple-fast* (NEX 1 with compressed sensing at reduction factor 1.8, 68 s); every
other parameter is shared. This module holds those parameters, a scan-time model that
reproduces the printed times, and the SNR each protocol should have relative to the
standard one if nothing but the amount of sampled data changed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from lumbarlib.core.checks import ParameterError, check_range

MAX_CS_FACTOR = 4.0
"""Largest compressed-sensing reduction factor the book simulates (the paper's is 1.8)."""

# field -> (low, high, integer). The bounds of the sizes that set the simulation's cost (NEX,
# matrix, ETL, CS factor) keep a run bounded; the timings only need to be finite (a TR of
# hours is a valid limiting case: full relaxation).
_FIELD_RANGES: dict[str, tuple[float, float, bool]] = {
    "nex": (1, 16, True),
    "cs_factor": (1.0, MAX_CS_FACTOR, False),
    "paper_scan_time_s": (0.0, 1e6, False),
    "tr_ms": (0.0, 1e8, False),
    "te_ms": (0.0, 1e8, False),
    "etl": (1, 128, True),
    "echo_spacing_ms": (0.0, 1e6, False),
    "bandwidth_hz_per_px": (0.0, 5000.0, False),
    "slice_thickness_mm": (0.0, 20.0, False),
    "fov_phase_mm": (0.0, 600.0, False),
    "fov_read_mm": (0.0, 600.0, False),
    "matrix_phase": (16, 1024, True),
    "matrix_read": (16, 1024, True),
    "phase_oversampling": (1.0, 3.0, False),
    "preparation_trs": (0, 16, True),
}
_LOW_INCLUSIVE = {"nex", "cs_factor", "etl", "matrix_phase", "matrix_read", "phase_oversampling", "preparation_trs"}
"""Fields whose lower bound is allowed itself (the others must be above it)."""


@dataclass(frozen=True)
class Protocol:
    """One TSE protocol; every unit is in the field's name.

    Attributes
    ----------
    name : str
        ``"standard"``, ``"double-fast"`` or ``"triple-fast"``.
    nex : int
        Number of excitations (signal averages).
    cs_factor : float
        Compressed-sensing reduction factor; 1.0 means fully sampled ("None" in Table 1).
    paper_scan_time_s : float
        The scan time Table 1 prints.
    tr_ms, te_ms : float
        Repetition time and effective echo time.
    etl : int
        Echo-train length (echoes, hence phase-encode lines, per TR).
    echo_spacing_ms : float
        Time between successive echoes of the train.
    bandwidth_hz_per_px : float
        Receiver bandwidth per pixel in the read direction.
    slice_thickness_mm, fov_phase_mm, fov_read_mm : float
        Slice thickness and field of view (phase = superior-inferior, read = anterior-posterior).
    matrix_phase, matrix_read : int
        Acquired matrix.
    phase_oversampling : float
        Phase-encode lines acquired per line of the matrix (wrap suppression), see
        :func:`scan_time_s`.
    preparation_trs : int
        Repetitions run before data collection (steady state), see :func:`scan_time_s`.

    Raises
    ------
    ParameterError
        On construction, naming the field: a value that is not a finite number (or not an
        integer where one is needed; numpy scalars are accepted, booleans are not), one
        outside the field's range (``_FIELD_RANGES``: NEX 1-16, CS factor 1 to
        :data:`MAX_CS_FACTOR`, matrix 16-1024, ...), TE longer than TR or outside the echo
        train, or an echo train that does not fit in TR.
    """

    name: str
    nex: int
    cs_factor: float
    paper_scan_time_s: float
    tr_ms: float = 3400.0
    te_ms: float = 84.0
    etl: int = 17
    echo_spacing_ms: float = 10.5
    bandwidth_hz_per_px: float = 245.1
    slice_thickness_mm: float = 3.0
    fov_phase_mm: float = 300.0
    fov_read_mm: float = 270.0
    matrix_phase: int = 320
    matrix_read: int = 384
    phase_oversampling: float = 1.7
    preparation_trs: int = 2

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise ParameterError(f"protocol name = {self.name!r}: must be a non-empty string")
        for name, (low, high, integer) in _FIELD_RANGES.items():
            value = getattr(self, name)
            try:
                check_range(name, value, low, high, integer=integer, low_inclusive=name in _LOW_INCLUSIVE)
            except ParameterError as err:
                raise ParameterError(f"protocol {self.name!r}: {err}".replace("parameter ", "field ", 1)) from None
            number = value.item() if hasattr(value, "item") else value
            object.__setattr__(self, name, int(number) if integer else float(number))
        self._check_timing()

    def _check_timing(self) -> None:
        def bad(name: str, value: object, allowed: str) -> ParameterError:
            return ParameterError(f"protocol {self.name!r}: field {name!r} = {value!r}: must be {allowed}")

        if self.te_ms >= self.tr_ms:
            raise bad("te_ms", self.te_ms, f"shorter than tr_ms = {self.tr_ms}")
        train_ms = self.etl * self.echo_spacing_ms
        if train_ms >= self.tr_ms:
            raise bad("etl", self.etl, f"such that etl * echo_spacing_ms ({train_ms} ms) < tr_ms = {self.tr_ms}")
        if self.te_ms > train_ms:
            raise bad("te_ms", self.te_ms, f"within the echo train (<= etl * echo_spacing_ms = {train_ms} ms)")

    @property
    def sampled_fraction(self) -> float:
        """Fraction of the phase-encode lines acquired (1 / CS factor)."""
        return 1.0 / self.cs_factor

    @property
    def pixel_mm(self) -> tuple[float, float]:
        """(phase, read) pixel spacing in mm: rows superior-inferior, columns anterior-posterior."""
        return self.fov_phase_mm / self.matrix_phase, self.fov_read_mm / self.matrix_read

    @property
    def effective_echo(self) -> int:
        """Index (1-based) of the echo that samples the centre of k-space: TE / echo spacing."""
        return round(self.te_ms / self.echo_spacing_ms)


PROTOCOLS: dict[str, Protocol] = {
    "standard": Protocol("standard", nex=2, cs_factor=1.0, paper_scan_time_s=228.0),
    "double-fast": Protocol("double-fast", nex=1, cs_factor=1.0, paper_scan_time_s=119.0),
    "triple-fast": Protocol("triple-fast", nex=1, cs_factor=1.8, paper_scan_time_s=68.0),
}
"""Paper Table 1, keyed by protocol name, in the paper's order."""


def shots_per_average(protocol: Protocol) -> int:
    """Echo trains (TRs) needed to collect one average of the acquired phase-encode lines.

    ``ceil(matrix_phase * phase_oversampling / cs_factor / etl)``: the lines acquired
    per average, rounded up to whole echo trains.
    """
    lines = round(protocol.matrix_phase * protocol.phase_oversampling)
    return math.ceil(round(lines / protocol.cs_factor) / protocol.etl)


def scan_time_s(protocol: Protocol) -> float:
    r"""Scan time of a 2-D multi-slice TSE protocol (paper Table 1, last row).

    .. math::
        T = TR \left( \mathrm{NEX} \left\lceil \frac{N_{pe}\, o_{pe} / R}{\mathrm{ETL}} \right\rceil
            + n_{prep} \right)

    Every TR plays one echo train of ETL phase-encode lines for every slice (slices are
    interleaved within TR, so their number does not enter); the phase-encode lines are
    the matrix's :math:`N_{pe} = 320` times the phase oversampling :math:`o_{pe}`,
    divided by the CS reduction :math:`R`; NEX repeats them; :math:`n_{prep}`
    preparation TRs reach the steady state first.

    Two numbers are not in the paper and are chosen here, each physically motivated:

    * **Phase oversampling 1.7.** The phase direction is superior-inferior and the body
      extends far beyond the 300 mm FOV, so the scanner must acquire extra phase lines to
      suppress wrap-around. Without it, the standard protocol would take
      ``3.4 s * 2 * ceil(320 / 17) = 129 s``, not 228 s. The paper's standard and
      double-fast times solve to about 32 echo trains per average plus 2 to 3 extra TRs:
      32 trains of 17 echoes are 544 lines = 1.7 x 320.
    * **Two preparation TRs** (dummy scans that establish the steady state).

    With these, the model gives 224.4 s, 115.6 s and 68.0 s against the printed 228,
    119 and 68 s (within 3 %); the triple-fast time is a prediction, not a fit.

    Parameters
    ----------
    protocol : Protocol
        The protocol.

    Returns
    -------
    float
        Seconds.
    """
    trs = protocol.nex * shots_per_average(protocol) + protocol.preparation_trs
    return trs * protocol.tr_ms / 1000.0


def predicted_relative_snr(protocol: Protocol, reference: Protocol | None = None) -> float:
    r"""SNR relative to ``reference`` (default: the standard protocol) from the data acquired.

    For the same voxel, bandwidth and contrast, image SNR grows with the square root of
    the number of samples averaged into each pixel (:cite:`nema2008ms1`, :cite:`dietrich2007measurement`):

    .. math::
        \frac{\mathrm{SNR}}{\mathrm{SNR}_{ref}} =
        \frac{V}{V_{ref}} \sqrt{\frac{\mathrm{NEX}\; N_{pe} / R \;/\; \mathrm{BW}}
                                    {\mathrm{NEX}_{ref}\; N_{pe,ref} / R_{ref} \;/\; \mathrm{BW}_{ref}}}

    so halving NEX costs :math:`\sqrt 2` and compressed sensing at reduction :math:`R`
    costs a further :math:`\sqrt R` *before* its regularisation removes noise. Paper
    Table 2 measured double-fast / standard about 0.66 and triple-fast / standard about
    0.58 (:func:`lumbarlib.study.paper` has the per-tissue numbers); the gap to the
    :math:`\sqrt{1/2} = 0.71` and :math:`\sqrt{1/3.6} = 0.53` predicted here is what
    measurement noise and the CS regulariser add.

    Parameters
    ----------
    protocol, reference : Protocol
        The protocol and the one it is compared with.

    Returns
    -------
    float
        The predicted SNR ratio.
    """
    reference = reference or PROTOCOLS["standard"]

    def voxel_mm3(p: Protocol) -> float:
        return p.pixel_mm[0] * p.pixel_mm[1] * p.slice_thickness_mm

    def samples_per_hz(p: Protocol) -> float:
        return p.nex * p.matrix_phase * p.matrix_read * p.sampled_fraction / p.bandwidth_hz_per_px

    return voxel_mm3(protocol) / voxel_mm3(reference) * math.sqrt(samples_per_hz(protocol) / samples_per_hz(reference))


def table1(protocols: dict[str, Protocol] | None = None) -> pd.DataFrame:
    """Paper Table 1 rendered from the protocol data: one row per parameter, one column per protocol."""
    protocols = protocols or PROTOCOLS
    rows = [
        ("TR/TE (ms)", lambda p: f"{p.tr_ms:g}/{p.te_ms:g}"),
        ("Echo train length", lambda p: f"{p.etl}"),
        ("Echo space (ms)", lambda p: f"{p.echo_spacing_ms:g}"),
        ("Bandwidth (Hz/pixel)", lambda p: f"{p.bandwidth_hz_per_px:g}"),
        ("Slice thickness (mm)", lambda p: f"{p.slice_thickness_mm:g}"),
        ("FOV phase (mm)", lambda p: f"{p.fov_phase_mm:g}"),
        ("FOV read (mm)", lambda p: f"{p.fov_read_mm:g}"),
        ("Matrix (phase x read)", lambda p: f"{p.matrix_phase} x {p.matrix_read}"),
        ("NEX", lambda p: f"{p.nex}"),
        ("CS factor", lambda p: "None" if p.cs_factor == 1 else f"{p.cs_factor:g}"),
        ("Scan time (s)", lambda p: f"{p.paper_scan_time_s:g}"),
    ]
    return pd.DataFrame(
        [{"parameter": label, **{name: fmt(p) for name, p in protocols.items()}} for label, fmt in rows]
    )


def scan_time_table(protocols: dict[str, Protocol] | None = None) -> pd.DataFrame:
    """Model against paper: protocol, echo trains per average, model seconds, paper seconds, relative error."""
    protocols = protocols or PROTOCOLS
    rows = []
    for name, p in protocols.items():
        model = scan_time_s(p)
        rows.append(
            {
                "protocol": name,
                "echo_trains_per_average": shots_per_average(p),
                "model_s": model,
                "paper_s": p.paper_scan_time_s,
                "relative_error": model / p.paper_scan_time_s - 1.0,
            }
        )
    return pd.DataFrame(rows)
