"""Stage 0, shared by every stage.

Parameter checks that name the parameter, value and allowed range (``checks``), and the
book's folders (``paths``).
"""
