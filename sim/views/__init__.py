"""What a person sees: the ``councils`` command, figures, the dashboard, the decisions as text.

- ``cli``: the ``councils`` command (also ``python -m sim``);
- ``plots``: a run's figures; ``sweep_plots``: a sweep's (phase diagram, comparison of regimes);
  ``envelope``: a sweep's median and 10–90 % band over runs, week by week, of any per-week series;
- ``dashboard``: what the dashboard shows and how its controls build a model, without Solara;
  ``app``: its page (Solara, in the manner of Mesa's SolaraViz);
- ``decision_table``: the yearly fundamental decisions as text.

The top layer: may import every other package.
"""
