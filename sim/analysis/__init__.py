"""Which transition conditions decide a finished sweep's outcomes (``councils analyse``).

- ``analyse``: reads a sweep's directory and runs the analyses its design allows;
- ``sensitivity``: Sobol' indices (SALib), and feature scores as a check on them;
- ``discovery``: scenario discovery, PRIM's boxes of the ranges where runs fail;
- ``report``: their tables and text, written atomically; ``figures``: their figures, and how every
  figure of the project is written to disk; ``formats``: the formats a figure is written in.

May import :mod:`sim.experiments` (a sweep's files and design) and what lies below it; nothing
of the views.
"""
