"""Stage 4, quantitative image analysis (paper, *Quantitative image analysis*, Table 2, Fig. 3).

The paper's ROIs (``rois``), SI/SD_air SNR and CNR (``measures``), Wilcoxon signed-rank
and Benjamini-Hochberg (``stats``), pseudo-multiple replicas (``replicas``), the
acquisition's fidelity to the paper's Table 2 (``fidelity``), and the background air
against a real scan's (``background``).
"""
