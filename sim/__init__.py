"""councils: Castoriadis's self-managed economy of workers' councils, as a Mesa model.

The packages, top to bottom; each imports only those below it (``pyproject.toml``'s
import contracts, ``docs/architecture.md``):

- ``views``: the ``councils`` command, figures, the dashboard, the decisions as text;
- ``analysis``: which conditions decide a sweep's outcomes (Sobol', PRIM, feature scores);
- ``experiments``: runs and sweeps on disk, their designs, workers and budgets;
- ``model``: :class:`~sim.model.CouncilsModel`, the Mesa model that runs a week's phases;
- ``regimes``: the institutions a run is under (the seed's councils and three others);
- ``run``: a run's parts: its scenario, start, planning, record, noise, events, federation;
- ``agents`` (beside ``sim``): persons, work groups, factory councils, rural communes;
- ``economics``: the seed's economics as pure functions, and the state they act on;
- ``storage``: careful I/O: bounded reads, locks, atomic swaps.

``data/`` holds the economy that ships: the United States' input-output table of 2014.
"""
