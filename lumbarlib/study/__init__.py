"""Stage 1, the study's design as data (paper, *Material and Methods*).

Table 1's protocols and scan times (``protocol``), the five image sets and four
comparisons defined once (``design``), the image-set container handed between chapters
(``imagesets``), the paper's published Tables 2 and 3 (``paper``), the real scanner
images for training (brain, knee) and testing (lumbar) the DLR, checked against their
manifest (``mri_data``).
"""
