"""The seed's economics as pure functions of arrays: no Mesa, no agents, no run.

- ``plan_factory``: intermediate targets, labour values, bottlenecks, plan variants, activity
  analysis (seed §7b, §7f);
- ``economy``: a technology and its initial conditions, read from an economy's directory;
- ``market``: demand, rationing and the price rule of the consumer-goods market (§7c, §7d);
- ``production``: output within target, capacity, labour and inputs; staffing (§6, §7b);
- ``wages``: the hierarchy a transition starts from and its equalisation (§7d, §7e, §9a, §10);
- ``metrics``: what a run measures; ``welfare``: the yardstick, every person's money metric in
  hours at week-0 values, the costs of queues and of prices off normal;
- ``decision``: the vote (§7f): persons' weights and utilities, the assemblies' pairwise counts and
  the Central Assembly's; ``voting_rules``: the registry of voting rules (Copeland, Schulze,
  ranked pairs, Borda, approval), the Smith set and how firm a decision is; ``firms``: the market
  regimes' rules; ``plan_corrections``: the fixed plan's corrections of its targets within the
  year and its soft budget (Kornai 1980); ``shortage``: the shortage economy's rules and marks —
  hoarded inputs, forced substitution and forced saving, queues beside piles (Kornai 1980);
  ``corrective_loop``: the one-good loop linearised (§7c); ``firm_sizes``: how many enterprises a
  sector's workers form and how large each is, Zipf's law at the US census mean (``"auto"`` councils);
- ``granular``: the units' shocks correlated within each sector so that each keeps its variance and
  each sector's aggregate has the nation's, when a run stands for more persons than it simulates;
- ``capital``: capacity that wears out and is renewed, and the better methods new and renewed
  capacity embody (§8); ``banking``: the market regime's bank, its loans and the central bank's rule;
- ``state``: the one container of what the economy shares (stocks, prices, the plan in force),
  which the agents and the regimes read and write; ``units``: the calendar;
- ``ordering``: persons put in order by enterprise or group in one pass (a counting sort, numba).

May import numpy, scipy, pandas, numba (compiled passes over persons) and :mod:`sim.storage`
(to read an economy's files), nothing else of the project. Each rule can be tested alone and swapped by a scenario.
"""
