"""A run's parts, which :class:`sim.model.CouncilsModel` puts together.

- ``scenario``: the transition conditions, as typed, validated data; ``scenario_economy``:
  a scenario checked against its economy before anything runs; ``scenario_reference``: every
  key's meaning, unit, default and range, written from the typed scenario (``docs/scenario.md``);
- ``economy_builder``: an economy directory from one region of a pymrio table, with its
  employment and capital stocks (``docs/economy.md``);
- ``initial_conditions``: the technology, the skeleton plan, the people and the agents at the
  start (seed §7b, §7c, §9a);
- ``planning``: the plan factory at work, knowing only what councils report (§7b, §7c, §7f);
- ``record``: what a run measures week by week, and its verdict;
- ``noise``: what nobody plans; ``events``: scheduled shocks; ``federation``: the assemblies'
  graph and their delegates (§5).

May import :mod:`agents`, :mod:`sim.economics` and :mod:`sim.storage`; of :mod:`sim.regimes`,
only its registry (a scenario checks its regime's name there, or the class of its own a
``"package.module:Class"`` names).
"""
