"""lumbarlib: every computation of the lumbar-dlr-book.

One module per pipeline stage of the study (acquisition protocol, phantom, coils and
k-space, sampling and compressed sensing, the DLR network and its training, ROIs,
statistics, readers), plus the book's own machinery (parameters, paths, tables,
plotting style, the notebook runner).
"""

__version__ = "0.1.0"
