"""Stage 3, the deep-learning reconstruction (paper, *DLR method*, Fig. 1).

The fixed 7x7 DCT (``dct``), the network (``network``), training data and training, the
shipped weights, denoising the study (``denoise``) and measuring what it did
(``evaluation``), and denoising your own image (``user_image``).
"""
