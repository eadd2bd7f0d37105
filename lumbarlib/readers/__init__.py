"""Stage 5, qualitative image analysis (paper, *Qualitative image analysis*, Table 3, Fig. 4).

Score files (``scores``), virtual readers, the reader analysis behind Table 3
(``reader_analysis``) and inter-reader agreement (``agreement``).
"""
