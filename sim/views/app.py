"""The dashboard: watch an economy of workers' councils run, week by week, in the browser.

Built on Mesa's ``SolaraViz``; start it with ``councils dashboard [SCENARIO] [--port N]``
(or ``solara run sim.views.app``). The scenario picker rebuilds the page around the chosen
file, its sliders starting at that file's values; *Reset* rebuilds the model from the
sliders, *Step* runs a week, ▶ runs on. What each panel shows is in :mod:`sim.views.dashboard`.
"""

from __future__ import annotations

import functools

import solara
from mesa.visualization import SolaraViz, make_plot_component
from mesa.visualization.utils import update_counter

from sim.run.scenario import load_scenario
from sim.views import dashboard


def _figure(draw, css: str):
    """A panel of ``draw(model)``, redrawn after each step (and only then)."""

    @solara.component
    def Panel(model):
        update_counter.get()
        figure = solara.use_memo(lambda: draw(model), [model, model.week])
        with solara.Column(classes=[css]):
            solara.FigureMatplotlib(figure, format="png", dependencies=[id(model), model.week])

    return Panel


@solara.component
def OneGood(model):
    """One good's price and stock, and why its price moved: "why did bread get dearer?" (seed §7c)."""
    update_counter.get()
    furthest = "the good furthest from its reserve"
    goods = [furthest] + [model.technology.names[g] for g in model.consumer_goods]
    choice, set_choice = solara.use_state(furthest)
    good = dashboard.furthest_good(model) if choice == furthest else choice
    figure = solara.use_memo(lambda: dashboard.good_figure(model, good), [model, model.week, good])
    with solara.Column(classes=["councils-one-good"], gap="0px"):
        solara.Select("why did its price move?", values=goods, value=choice, on_value=set_choice)
        solara.FigureMatplotlib(figure, format="png", dependencies=[id(model), model.week, good])
        solara.Markdown(dashboard.price_changes_markdown(model, good, limit=4))


@solara.component
def LastVote(model):
    update_counter.get()
    with solara.Column(classes=["councils-vote"]):
        solara.Markdown("**The last vote** (seed §7f)")
        solara.Markdown(dashboard.last_vote_markdown(model))


@solara.component
def Status(model: solara.Reactive):
    """The week and the verdict so far, above the panels; the conditions the run follows."""
    update_counter.get()
    with solara.Column(classes=["councils-status"], style={"padding": "0 16px"}):
        solara.Markdown(dashboard.status(model.value))
        solara.Markdown(dashboard.conditions_line(model.value))


def _ginis(ax, weeks: int):
    ax.figure.set_size_inches(7.0, 3.6)
    ax.set_title("Gini coefficients (0: equal)", fontsize=9)
    ax.set_xlabel("week")
    ax.set_xlim(0, weeks)
    ax.set_ylim(bottom=0)
    ax.legend(["hourly wages", "incomes (communes too)", "consumption"], loc="upper right", fontsize=8)


def components(model) -> list:
    """The panels, in the order they are laid out; the last vote once the model keeps a record of votes."""
    panels = [
        _figure(dashboard.stock_price_figure, "councils-stock-price"),
        _figure(dashboard.gaps_figure, "councils-gaps"),
        OneGood,
        make_plot_component(
            {"wage_gini": "tab:purple", "income_gini": "tab:green", "consumption_gini": "tab:brown"},
            post_process=functools.partial(_ginis, weeks=model.conditions.weeks),
        ),
        _figure(dashboard.hours_output_figure, "councils-hours-output"),
        _figure(dashboard.network_figure, "councils-network"),
    ]
    if dashboard.has_votes(model):
        panels.append(LastVote)
    return panels


@solara.component
def Page():
    start = solara.use_memo(dashboard.Start.from_environment, [])
    choices, skipped = solara.use_memo(start.scan, [start])
    first = next((name for name, path in choices.items() if path == start.scenario_file), next(iter(choices)))
    chosen, set_chosen = solara.use_state(first)
    path = choices[chosen]
    scenario = solara.use_memo(lambda: load_scenario(path), [path])
    params = dashboard.controls(
        path, scenario, scenario.population.consumers if start.persons is None else start.persons
    )
    first_model = solara.use_memo(lambda: dashboard.DashboardModel(**dashboard.initial(params)), [path])
    model = solara.use_reactive(first_model)
    with solara.Sidebar(), solara.Card("Scenario"):
        solara.Select("scenario", values=list(choices), value=chosen, on_value=set_chosen)
        solara.Markdown(dashboard.describe(path))
        solara.Markdown(dashboard.size_note(scenario, params["population_consumers"]["value"]))
        for note in skipped:  # a file beside the scenarios that is not one, or not one that runs
            solara.Markdown(f"*{note}*")
    Status(model)
    SolaraViz(
        model,
        components=components(first_model),
        model_params=params,
        name="Workers' councils: a self-managed economy, week by week",
    ).key(str(path))
