"""Stage 2, the virtual scanner that stands in for the paper's 1.5 T scanner and ten volunteers.

Structure names and label helpers (``labels``), tissue properties and the TSE signal
(``tissues``), anatomy (``anatomy``), the lumbar phantom's rendering (``phantom``), the
knee phantom, the cohort, coils, k-space, noise, sampling, compressed sensing, the
acquisition of the three protocols, and the calibration ledger of every free number (``ledger``).
"""
