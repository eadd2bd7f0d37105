"""Stage 7, the book's machinery.

The notebooks' parameters and profiles (``parameters``), the papermill runner (``run``),
CSV tables behind every table shown (``tables``), the build's date, commit, machine and
package versions (``provenance``), the Voila lab (``lab``) and the benchmarks (``bench``).
"""
