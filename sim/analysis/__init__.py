"""Which transition conditions decide a finished sweep's outcomes (``councils analyse``), and
the table of outcomes over seeds (``councils table``).

- ``analyse``: reads a sweep's directory and runs the analyses its design allows;
- ``sensitivity``: Sobol' indices (SALib), and feature scores as a check on them;
- ``discovery``: scenario discovery, PRIM's boxes of the ranges where runs fail;
- ``report``: their tables and text, written atomically; ``figures``: their figures, and how every
  figure of the project is written to disk; ``formats``: the formats a figure is written in;
- ``intervals``: 95 % intervals over seeds, pure: a mean (t or bootstrap), a share (Wilson),
  a censored time's Kaplan–Meier median;
- ``gather``: the finished runs of run and sweep directories, one row each;
- ``table``: those runs grouped, each outcome with its interval, and the warnings a reader
  needs; ``table_text``: that table as Markdown, LaTeX or CSV;
- ``noise_scale``: whether a run's noise depends on how many persons it simulates: each sector's
  output per hour, week to week, with the noise drawn alone (docs/noise.md);
- ``validation``: the capitalist regime against the United States of 2014, the economy it
  starts from: the facts, their sources and bands, and a run's figures for each;
- ``history_marks``: what each regime reproduces of its history (Kornai's shortage, the US
  economy of 2014, the Yugoslav widening), judged from a regimes sweep's kept series.

May import :mod:`sim.experiments` (a sweep's files and design) and what lies below it; nothing
of the views.
"""
