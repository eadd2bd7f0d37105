"""lumbarlib: every computation of the lumbar-dlr-book, in sub-packages by pipeline stage.

The stages follow the study of :cite:`kashiwagi2022lumbar` from protocol to book, and
imports run one way only, from a stage to the ones before it (``tests/test_layers.py``
checks this against :data:`STAGES`):

``core``
    Parameter checks and the book's folders: what every stage needs.
``study``
    The study's design as data: Table 1's protocols, the five image sets and four
    comparisons, the image-set container, the paper's published tables.
``sim``
    The virtual scanner: lumbar and knee phantoms, the cohort, coils, k-space, noise,
    sampling, compressed sensing and the acquisition of the three protocols.
``dlr``
    The deep-learning reconstruction: the fixed DCT, the network, its training data and
    training, the shipped weights, denoising and its evaluation, your own images.
``analysis``
    Quantitative image analysis: ROIs, SI/SD_air SNR and CNR, the statistics
    (Wilcoxon, Benjamini-Hochberg), pseudo-multiple replicas.
``readers``
    Qualitative image analysis: score files, virtual readers, Table 3 and reader agreement.
``ui``
    What a reader of the book sees and touches: plotting style, the live preview (its
    computation, figure and widgets), the static slider, the reader app.
``book``
    The book's machinery: notebook parameters and profiles, the runner, tables, the lab
    server, the benchmarks.
"""

__version__ = "0.1.0"

STAGES: tuple[str, ...] = ("core", "study", "sim", "dlr", "analysis", "readers", "ui", "book")
"""The sub-packages in pipeline order: a module may import only from its own stage or earlier ones."""
