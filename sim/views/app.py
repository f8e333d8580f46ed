"""The dashboard: watch an economy of workers' councils run, week by week, in the browser.

Start it with ``councils dashboard [SCENARIO] [--port N]`` (or ``solara run sim.views.app``).
A Solara page in the manner of Mesa's ``SolaraViz``, whose update counter it uses, but
laid out here: the page keeps the run's parameters in its own state (the scenario
picker's file and every control's value, each shown beside its control), so that *Reset*
builds what the sidebar shows after any control, for every scenario and regime, and
refuses in one line a combination the model refuses. Picking a scenario rebuilds the run
around that file, its controls starting at the file's values. Of ``SolaraViz``'s generic
controls only one is kept, in plain words (weeks per *Step*); there are no tabs. What each
panel shows is in :mod:`sim.views.dashboard`.

Text is converted from Markdown here rather than by ``solara.Markdown``, which fetches
KaTeX and Mermaid for formulas this page does not have.
"""

from __future__ import annotations

import html
import time
import warnings

import markdown
import solara

from sim.run.scenario import load_scenario
from sim.views import dashboard

with warnings.catch_warnings():  # Mesa 3.3's SolaraViz, not used here, breaks a rule of Solara's hooks, harmlessly
    warnings.filterwarnings("ignore", message=r".*ComponentsView. .use_state. found despite early return")
    from mesa.visualization.utils import force_update, update_counter

#: Seconds between redraws while ▶ runs on.
PAUSE_SECONDS = 0.1
#: The most weeks one *Step* may run (Mesa's render interval): a year.
MOST_WEEKS_PER_STEP = 52
#: How the page's text, tables and panels are laid out.
STYLE = """
.councils-text table { border-collapse: collapse; font-size: 13px; }
.councils-text th, .councils-text td { padding: 2px 8px; border-bottom: 1px solid #ddd; }
.councils-text p { margin: 0 0 8px 0; }
.councils-text pre { font-size: 12px; }
.councils-panels { display: flex; flex-wrap: wrap; gap: 12px; align-items: flex-start; padding: 0 16px; }
.councils-panels > * { flex: 1 1 520px; max-width: 640px; }
.councils-panels img { max-width: 100%; height: auto; }
"""


@solara.component
def Text(text: str, classes: list[str] | None = None):
    """Markdown as HTML (tables and fenced code), its characters escaped first."""
    body = markdown.markdown(html.escape(text, quote=False), extensions=["tables", "fenced_code"])
    solara.HTML(tag="div", unsafe_innerHTML=body, classes=["councils-text", *(classes or [])])


def _figure(draw, css: str, updates: bool = False):
    """A panel of ``draw(model)``, redrawn after each step (and only then).

    ``updates``: ``draw(model, fig)`` brings its own earlier figure of the same model up to
    date, faster than drawing anew (the figures are most of a step's time).
    """

    @solara.component
    def Panel(model):
        update_counter.get()
        kept = solara.use_ref((None, None))  # the model last drawn, and its figure

        def redraw():
            drawn, fig = kept.current
            fig = draw(model, fig) if updates and drawn is model else draw(model)
            kept.current = (model, fig)
            return fig

        figure = solara.use_memo(redraw, [model, model.week])
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
    kept = solara.use_ref((None, None, None))  # the model and good last drawn, and its figure

    def redraw():
        drawn, drawn_good, fig = kept.current
        fig = dashboard.good_figure(model, good, fig if drawn is model and drawn_good == good else None)
        kept.current = (model, good, fig)
        return fig

    figure = solara.use_memo(redraw, [model, model.week, good])
    with solara.Column(classes=["councils-one-good"], gap="0px"):
        solara.Select("why did its price move?", values=goods, value=choice, on_value=set_choice)
        solara.FigureMatplotlib(figure, format="png", dependencies=[id(model), model.week, good])
        Text(dashboard.price_changes_markdown(model, good, limit=4))


@solara.component
def LastVote(model):
    update_counter.get()
    with solara.Column(classes=["councils-vote"]):
        Text("**The last vote** (seed §7f)\n\n" + dashboard.last_vote_markdown(model))


@solara.component
def Status(model: solara.Reactive, parameters: solara.Reactive, params: dict):
    """The week and the verdict so far, above the panels; the conditions the run follows; what Reset would change."""
    update_counter.get()
    with solara.Column(classes=["councils-status"], style={"padding": "0 16px"}):
        Text(dashboard.status(model.value))
        Text(dashboard.conditions_line(model.value))
        note = dashboard.pending(model.value, parameters.value, params)
        if note:
            Text(f"*{note}*", classes=["councils-pending"])


@solara.component
def RunControls(model: solara.Reactive, parameters: solara.Reactive):
    """*Reset*, ▶ and *Step*, and how many weeks a step runs.

    *Reset* builds ``DashboardModel(**parameters)`` (as Mesa's controller would): the page's
    parameters hold every control's value, so it builds what the sidebar shows. A
    combination the model refuses (say, an information error too large for the plan
    factory's coefficients) is refused in one line, and the run shown goes on.
    """
    update_counter.get()  # ▶ and Step are disabled once the run is over
    playing = solara.use_reactive(False)
    refused = solara.use_reactive("")
    weeks = solara.use_reactive(1)

    def advance():
        for _ in range(weeks.value):
            if not model.value.running:
                break
            model.value.step()
        force_update()

    def run_on():
        while playing.value and model.value.running:
            time.sleep(PAUSE_SECONDS)
            advance()
        playing.value = False

    solara.lab.use_task(run_on, dependencies=[playing.value], prefer_threaded=True)

    def reset():
        playing.value = False
        try:
            rebuilt = dashboard.DashboardModel(**parameters.value)
        except (ValueError, OSError) as err:  # a scenario or an economy that refuses these conditions
            refused.value = f"Reset refused: {err}"
            return
        refused.value = ""
        model.value = rebuilt

    with solara.Row(justify="space-between"):
        solara.Button("Reset", color="primary", on_click=reset)
        solara.Button(
            "❚❚" if playing.value else "▶",
            color="primary",
            on_click=lambda: playing.set(not playing.value),
            disabled=not model.value.running,
        )
        solara.Button("Step", color="primary", on_click=advance, disabled=playing.value or not model.value.running)
    solara.SliderInt(f"weeks per Step: {weeks.value}", value=weeks, min=1, max=MOST_WEEKS_PER_STEP)
    if refused.value:
        solara.Warning(refused.value, classes=["councils-refused"])


@solara.component
def Controls(params: dict, parameters: solara.Reactive):
    """The conditions' controls, each labelled with its value; they change the page's parameters, not the run."""
    for key, spec in params.items():
        if not isinstance(spec, dict):
            continue  # fixed: the scenario file
        value = parameters.value[key]

        def change(new, key=key):
            parameters.value = {**parameters.value, key: new}

        if spec["type"] == "Select":
            solara.Select(spec["label"], values=spec["values"], value=value, on_value=change)  # shows its value
        else:
            slider = solara.SliderInt if spec["type"] == "SliderInt" else solara.SliderFloat
            slider(
                dashboard.labelled(spec, value),
                value=value,
                min=spec["min"],
                max=spec["max"],
                step=spec["step"],
                on_value=change,
            )


StockPrice = _figure(dashboard.stock_price_figure, "councils-stock-price", updates=True)
Gaps = _figure(dashboard.gaps_figure, "councils-gaps", updates=True)
Ginis = _figure(dashboard.ginis_figure, "councils-ginis", updates=True)
HoursOutput = _figure(dashboard.hours_output_figure, "councils-hours-output")
Network = _figure(dashboard.network_figure, "councils-network")


def components(model) -> list:
    """The panels, in the order they are laid out; the last vote once the model keeps a record of votes."""
    panels = [StockPrice, Gaps, OneGood, Ginis, HoursOutput, Network]
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
    params = solara.use_memo(lambda: start.controls(path), [path])
    opening = solara.use_memo(lambda: dashboard.initial(params), [params])
    # The page's own state, both replaced when another scenario is picked: what Reset builds, and the run.
    parameters = solara.use_reactive(opening)
    model = solara.use_reactive(solara.use_memo(lambda: dashboard.DashboardModel(**opening), [opening]))
    solara.Style(STYLE)
    with solara.AppBar():
        solara.AppBarTitle("Workers' councils: a self-managed economy, week by week")
    with solara.Sidebar():
        with solara.Card("Scenario"):
            solara.Select("scenario", values=list(choices), value=chosen, on_value=set_chosen)
            Text(dashboard.describe(path))
            Text(dashboard.size_note(scenario, opening["population_consumers"]))
            for note in skipped:  # a file beside the scenarios that is not one, or not one that runs
                Text(f"*{note}*")
        with solara.Card("Run"):
            Text("*Reset* starts again with the conditions below; *Step* runs the weeks set here; ▶ runs on.")
            RunControls(model, parameters).key(str(path))  # another scenario: not running on, nothing refused
        with solara.Card("Conditions"):
            Controls(params, parameters)
    Status(model, parameters, params)
    with solara.Div(classes=["councils-panels"]):
        for panel in components(model.value):
            panel(model.value)
