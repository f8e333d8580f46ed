"""Runs and sweeps as experiments: what they leave on disk, which points they run, where.

- ``results``: one run's directory (summary, time series, scenario, price log, manifest);
- ``sweep``: many runs over parameters and seeds on any executor, resumable; ``sweep_store``:
  a sweep's directory and its ``runs.parquet``;
- ``designs``: Saltelli's design, shared with the analysis; ``budget``: what a run or a sweep
  will need, checked against the machine;
- ``pool``: local workers that die with their sweep; ``scheduler``: a Dask scheduler's check.

May import :mod:`sim.model` and everything below it; nothing of the analysis or the views.
"""
