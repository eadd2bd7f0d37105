"""Stage 6, what the book's reader sees and touches.

Plotting style and helpers (``plotting``), the live DLR preview's computation
(``preview``), figure (``preview_figure``) and widgets (``preview_widgets``), the static
slider for the offline book (``static_slider``) and the reader app (``reader_app``).
"""
