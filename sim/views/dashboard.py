"""What the dashboard shows and how its controls build a model, without Solara.

``councils dashboard`` (:mod:`sim.views.app`) lays these out in the browser with Mesa's
``SolaraViz``; everything here is plain Python, matplotlib and networkx, so it is tested
without a browser: the model the controls build (:class:`DashboardModel`,
:func:`controls`), the figures of a run as it goes, the latest price changes with their
logged causes (seed §7c: price changes are "fully explained to the people"), the sector
network, and the run's status.
"""

from __future__ import annotations

import dataclasses
import math
import os
from dataclasses import dataclass
from pathlib import Path

import networkx as nx
import numpy as np
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure

from sim.economics.units import WEEKS_PER_YEAR
from sim.model import CouncilsModel
from sim.regimes import REGIMES
from sim.run.scenario import MAX_TOML_BYTES, Noise, Scenario, from_parameters, load_scenario
from sim.run.scenario_economy import check_against_economy, check_model_builds, economy_of
from sim.storage.files import FileRefused, read_text, shorten
from sim.views.decision_table import decisions_table

#: Persons in a dashboard run unless asked for more: a run starts in about a second and steps in milliseconds.
SMALL_POPULATION = 2_000
#: Where ``councils dashboard`` tells the app what to show (the app runs in Solara's server).
SCENARIO_VARIABLE = "COUNCILS_DASHBOARD_SCENARIO"
PERSONS_VARIABLE = "COUNCILS_DASHBOARD_PERSONS"
#: The scenario shown when none is named: the baseline shipped beside the package.
DEFAULT_SCENARIO = Path(__file__).resolve().parents[2] / "scenarios" / "baseline.toml"
#: A good is short (orange in the sector network) when its stock is this far below its reserve.
SHORT_STOCK = 0.05


def dashboard_scenario(scenario_file: str | Path, noise: float = 1.0, **kwargs) -> Scenario:
    """The scenario the dashboard's controls ask for: a scenario file, changed by the sliders.

    Parameters
    ----------
    scenario_file : path
        A scenario TOML file (the scenario picker's choice).
    noise : float, optional
        Multiple of the file's noise (taste drift, productivity, harvests, reports); 0 runs
        it deterministically.
    **kwargs
        Scenario keys as keyword parameters (``prices_response=2.0``, ``seed=3``), as
        :func:`sim.run.scenario.from_parameters` reads them.

    Raises
    ------
    ScenarioError
        For a file or a value a scenario refuses.
    """
    base = load_scenario(scenario_file)
    scaled = {f"noise_{f.name}": getattr(base.noise, f.name) * noise for f in dataclasses.fields(Noise)}
    return from_parameters(base, **scaled, **kwargs)


class DashboardModel(CouncilsModel):
    """The model the dashboard's controls build (:func:`dashboard_scenario`).

    The page's *Reset* (:mod:`sim.views.app`) builds ``DashboardModel(**parameters)`` with
    the parameters it keeps, as Mesa's ``SolaraViz`` builds ``type(model)(**parameters)``;
    every parameter has a default, so that no control is required.

    Parameters
    ----------
    scenario_file : str, optional
        A scenario TOML file (default: :data:`DEFAULT_SCENARIO`).
    noise : float, optional
        Multiple of the file's noise.
    scenario : object, optional
        Ignored: Mesa 3.5's ``SolaraViz`` passes its own, empty, scenario when it resets a
        model. The run's conditions are the file's, changed by ``kwargs``.
    **kwargs
        Scenario keys as keyword parameters. (Mesa 3.3's ``SolaraViz`` accepts any
        parameter only when this argument is called ``kwargs``.)

    Attributes
    ----------
    built_from : dict
        The keyword parameters it was built from (``scenario_file``, ``noise`` and ``kwargs``):
        the page compares them with its controls to say whether *Reset* would change the run.
    """

    def __init__(self, scenario_file: str = str(DEFAULT_SCENARIO), noise: float = 1.0, scenario=None, **kwargs):
        super().__init__(dashboard_scenario(scenario_file, noise, **kwargs))
        self.noise_scale = noise
        self.built_from = {"scenario_file": str(scenario_file), "noise": noise, **kwargs}


# --- the controls ---------------------------------------------------------------------------------


def _slider(kind: str, label: str, value, low, high, step) -> dict:
    return {"type": kind, "label": label, "value": value, "min": low, "max": high, "step": step}


def controls(scenario_file: str | Path, scenario: Scenario, persons: int) -> dict:
    """Mesa's ``model_params``: the scenario file fixed, each slider starting at the scenario's value.

    Parameters
    ----------
    scenario_file : path
        The scenario shown.
    scenario : Scenario
        Its contents (the sliders start at its values).
    persons : int
        Persons to start with (the population slider's value).
    """
    pop, plan = scenario.population, scenario.plan
    need = pop.fewest_councils * pop.group_size_min + pop.communes  # every council a group, every commune a member
    fewest = max(500, math.ceil(need / 500) * 500)
    most = max(20_000, pop.consumers)
    return {
        "scenario_file": str(scenario_file),
        "population_consumers": _slider("SliderInt", "persons", min(max(persons, fewest), most), fewest, most, 500),
        "prices_response": _slider(
            "SliderFloat",
            "price response (corrective b)",
            scenario.prices.response,
            0.0,
            max(8.0, scenario.prices.response),
            0.25,
        ),
        "readjustment_rebuild_weeks": _slider(
            "SliderFloat",
            "weeks to rebuild a stock (corrective c)",
            scenario.readjustment.rebuild_weeks,
            1.0,
            max(float(WEEKS_PER_YEAR), scenario.readjustment.rebuild_weeks),
            1.0,
        ),
        "plan_period_weeks": _slider(
            "SliderInt", "weeks between plans", plan.period_weeks, 1, max(26, plan.period_weeks), 1
        ),
        "wages_initial_gini": _slider(
            "SliderFloat", "wage Gini before the transition", scenario.wages.initial_gini, 0.0, 0.9, 0.05
        ),
        "wages_equalisation_years": _slider(
            "SliderFloat",
            "years to equal wages (0: at once)",
            scenario.wages.equalisation_years,
            0.0,
            max(20.0, scenario.wages.equalisation_years),
            1.0,
        ),
        "plan_information_error": _slider(
            "SliderFloat", "plan factory's information error", plan.information_error, 0.0, 1.0, 0.05
        ),
        "noise": _slider("SliderFloat", "noise, × the scenario's (0: none)", 1.0, 0.0, 5.0, 0.25),
        "seed": _slider("SliderInt", "seed", scenario.seed, 0, max(100, scenario.seed), 1),
        "regime": {"type": "Select", "label": "regime", "value": scenario.regime, "values": sorted(REGIMES)},
    }


def initial(params: dict) -> dict:
    """The keyword parameters the controls start with (each slider's value, the fixed ones as they are)."""
    return {key: value["value"] if isinstance(value, dict) else value for key, value in params.items()}


def shown(value) -> str:
    """A control's value as its label shows it: thousands separated, no trailing zeros."""
    return f"{value:,}" if isinstance(value, int) else f"{value:,.4g}" if isinstance(value, float) else str(value)


def labelled(spec: dict, value) -> str:
    """A control's label with its value, so that every value can be read without moving the control."""
    return f"{spec['label']}: {shown(value)}"


def pending(model: DashboardModel, parameters: dict, params: dict) -> str:
    """What *Reset* would change in the run, in words ("" if nothing).

    Parameters
    ----------
    model : DashboardModel
        The run shown.
    parameters : dict
        The controls' values now (keyword parameters).
    params : dict
        The controls (:func:`controls`), for their labels.
    """
    changed = [
        f"{params[key]['label'] if isinstance(params.get(key), dict) else key} "
        f"{shown(model.built_from.get(key))} → {shown(value)}"
        for key, value in parameters.items()
        if model.built_from.get(key) != value
    ]
    return "" if not changed else "Press Reset to run with the controls as they are now: " + "; ".join(changed) + "."


@dataclass(frozen=True)
class Start:
    """What the dashboard opens with: a scenario file and how many persons."""

    scenario_file: Path
    persons: int | None  # None: the scenario's own population

    @classmethod
    def from_environment(cls, environ=os.environ) -> Start:
        """The scenario and population ``councils dashboard`` asked for (default: the baseline, small)."""
        path = Path(environ.get(SCENARIO_VARIABLE) or DEFAULT_SCENARIO)
        persons = environ.get(PERSONS_VARIABLE, str(SMALL_POPULATION))
        return cls(path, None if persons == "full" else int(persons))

    def controls(self, scenario_file: Path) -> dict:
        """The controls (:func:`controls`) of a scenario file, its population slider at the persons asked for."""
        scenario = load_scenario(scenario_file)
        persons = scenario.population.consumers if self.persons is None else self.persons
        return controls(scenario_file, scenario, persons)

    def choices(self) -> dict[str, Path]:
        """The scenario picker's choices: every scenario file beside the first one, by name."""
        return self.scan()[0]

    def scan(self) -> tuple[dict[str, Path], list[str]]:
        """The scenario picker's choices, and a note for each file beside the first one that is not offered.

        A file is offered if its first model can be built (:func:`check_first_scenario`); a
        sweep file, a damaged or unreadable file, or a scenario its model would refuse is
        skipped with a one-line note saying why.
        """
        found, notes, economies = {}, [], {}
        for path in [*sorted(self.scenario_file.parent.glob("*.toml")), self.scenario_file]:
            try:
                found[check_first_scenario(path, self.persons, economies).name] = path
            except (ValueError, OSError) as err:  # not a scenario, or not one that runs: not offered
                if path != self.scenario_file:
                    notes.append(f"{path.name}: not offered: {shorten(str(err), 200)}")
        return found, notes


def first_scenario(scenario_file: str | Path, persons: int | None) -> Scenario:
    """The scenario of the dashboard's first model: the file at the population its controls start with.

    Parameters
    ----------
    scenario_file : path
        A scenario TOML file.
    persons : int or None
        Persons asked for (``None``: the scenario's own population).
    """
    base = load_scenario(scenario_file)
    params = initial(controls(scenario_file, base, base.population.consumers if persons is None else persons))
    params.pop("scenario_file")
    return dashboard_scenario(scenario_file, params.pop("noise"), **params)


def check_first_scenario(scenario_file: str | Path, persons: int | None, economies: dict | None = None) -> Scenario:
    """:func:`first_scenario`, refused if its economy lacks what it asks or its model would refuse to be built.

    Parameters
    ----------
    economies : dict, optional
        Economies already read, by path (filled as it goes).

    Raises
    ------
    ScenarioError, EconomyDataError
        One line naming the file.
    """
    scenario = first_scenario(scenario_file, persons)
    economies = {} if economies is None else economies
    if scenario.economy not in economies:
        economies[scenario.economy] = economy_of(scenario)
    economy = economies[scenario.economy]
    check_against_economy(scenario, economy, str(scenario_file))
    check_model_builds(scenario, economy, str(scenario_file))
    return scenario


def describe(scenario_file: Path) -> str:
    """The scenario file's opening comment: what transition condition it stands for, in the seed's words."""
    lines = []
    try:
        text = read_text(scenario_file, MAX_TOML_BYTES, "a TOML file")
    except FileRefused:
        return ""
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        lines.append(line.lstrip("#").strip())
    return " ".join(lines)


def size_note(scenario: Scenario, persons: int) -> str:
    """Whether the run is smaller than the scenario, and how to run it at full size."""
    full = scenario.population.consumers
    if persons >= full:
        return f"{persons:,} persons: the scenario's full size."
    return (
        f"{persons:,} persons of the scenario's {full:,}, so that it starts in seconds. For full size, set "
        f"*persons* to {full:,} and press Reset, or start the dashboard with `--full-size`"
    )


# --- the run's status -------------------------------------------------------------------------------


def status(model: CouncilsModel) -> str:
    """The week, and where the run stands against the verdict (DESIGN §4), as Markdown."""
    r, v = model.record, model.conditions.verdict
    weeks = model.conditions.weeks
    head = f"**Week {model.week}** of {weeks} (year {model.week // WEEKS_PER_YEAR + 1})"
    if r.weeks == 0:
        return f"{head}. Press *Step* to run a week, ▶ to run on."
    last = r.latest
    summary = r.summary()
    if summary["converged"]:
        verdict = f"converged from week {summary['converged_week']}"
    else:
        verdict = "not converged (yet): that needs the trailing year in tolerance from some week to the end"
    return (
        f"{head}: {verdict}.\n\n"
        f"This week: the trailing year {'in' if last['in_tolerance'] else 'out of'} tolerance; welfare "
        f"{last['welfare_per_person']:.2f} hours a week per person, {100 * last['welfare_gap']:.2f} % of it lost to "
        f"queues and prices off normal (tolerance {100 * v.welfare_tolerance:g} % over the year); stock gap "
        f"{100 * last['stock_gap_own_prices']:.1f} % of the reserve rule at normal prices (tolerance "
        f"{100 * v.stock_tolerance:g} % over the year), sovereignty at own prices "
        f"{last['sovereignty_own_prices']:.3f}, {100 * last['unmet_share']:.2f} % of demand unmet."
    )


def conditions_line(model: DashboardModel) -> str:
    """The conditions the run follows, in words: what the sliders gave at the last Reset."""
    c = model.conditions
    equal = "at once" if c.wages.equalisation_years == 0 else f"over {c.wages.equalisation_years:g} years"
    return (
        f"Running *{c.name}*: {c.population.consumers:,} persons, price response {c.prices.response:g}, stocks "
        f"rebuilt over {c.readjustment.rebuild_weeks:g} weeks, a plan every {c.plan.period_weeks} weeks, wage Gini "
        f"{c.wages.initial_gini:g} before the transition and equal wages {equal}, information error "
        f"{c.plan.information_error:g}, noise × {model.noise_scale:g}, seed {c.seed}, regime *{c.regime}*. "
        "Move a slider, then press Reset to run with it."
    )


# --- figures ------------------------------------------------------------------------------------------
#
# Figures are drawn after every step, so they are kept cheap: fixed margins (no layout
# engine), few axes, and the goods as rows of an image rather than one axes each.

#: Resolution of the dashboard's figures, dots per inch.
DPI = 90
#: The colour scale of price ÷ value and stock ÷ reserve: white at 1, saturated beyond these.
RATIO_RANGE = (0.8, 1.25)


def _title(ax, text: str) -> None:
    """A panel's title, small, on the left, at a fixed height (placing it by its ticks is a third of a redraw)."""
    ax.set_title(text, fontsize=8, loc="left", y=1.0)


def _weeks(model) -> np.ndarray:
    return np.arange(model.record.weeks)


def _ratios(model) -> tuple[np.ndarray, np.ndarray]:
    """Price ÷ labour value and stock ÷ reserve target, week × consumer good."""
    r, cg = model.record, model.consumer_goods
    reserve = r.series("reserve")[:, cg]
    stock = np.divide(r.series("stock")[:, cg], reserve, out=np.ones_like(reserve), where=reserve > 0)
    return r.series("price")[:, cg] / r.series("value")[:, cg], stock


def furthest_good(model: CouncilsModel) -> str:
    """The consumer good whose stock is now furthest from its reserve target (the first one before week 1)."""
    _, stock = _ratios(model)
    k = int(np.argmax(np.abs(stock[-1] - 1.0))) if len(stock) else 0
    return model.technology.names[model.consumer_goods[k]]


def _fill(ax, lines: list[np.ndarray], weeks: np.ndarray) -> None:
    """Give an axes' first lines these weeks' values, and scale its y axis to them (x stays the horizon)."""
    for line, values in zip(ax.lines, lines, strict=False):
        line.set_data(weeks, values)
    ax.relim()
    ax.autoscale_view()


def stock_price_figure(model: CouncilsModel, fig: Figure | None = None) -> Figure:
    """Price ÷ labour value and stock ÷ reserve target of every consumer good, week by week (seed §7c).

    Two images, a row per good: red where a good is dearer than its value or its stock
    above its reserve, blue where it is cheaper or short; white at 1.

    Parameters
    ----------
    fig : Figure, optional
        This function's figure of the same model at an earlier week, brought up to date in
        place, which takes about half the time of drawing it anew (the dashboard redraws
        each week). Default: a new figure.
    """
    price, stock = _ratios(model)
    cg, names = model.consumer_goods, model.technology.names
    horizon = model.conditions.weeks
    images = []
    for data in (price, stock):
        image = np.full((len(cg), horizon), np.nan)
        image[:, : len(data)] = data.T
        images.append(image)
    if fig is not None:
        for ax, image in zip(fig.axes, images, strict=False):
            ax.images[0].set_data(image)
        return fig
    fig = Figure(figsize=(7.0, 3.9), dpi=DPI)
    grid = fig.add_gridspec(2, 2, width_ratios=[1, 0.02], left=0.08, right=0.91, top=0.93, bottom=0.1)
    grid.update(hspace=0.35, wspace=0.03)
    norm = LogNorm(*RATIO_RANGE)
    titles = ("price ÷ labour value (red: dearer)", "stock ÷ reserve target (blue: short)")
    for row, (image, title) in enumerate(zip(images, titles, strict=True)):
        ax = fig.add_subplot(grid[row, 0])
        extent = (0, horizon, len(cg) - 0.5, -0.5)
        shown = ax.imshow(image, aspect="auto", cmap="RdBu_r", norm=norm, interpolation="nearest", extent=extent)
        ax.set_yticks(range(len(cg)), [names[g] for g in cg], fontsize=5)
        _title(ax, title)
        ax.tick_params(labelsize=6)
    ax.set_xlabel("week", fontsize=7)
    bar = fig.colorbar(shown, cax=fig.add_subplot(grid[:, 1]))
    ticks = [0.8, 0.9, 1.0, 1.1, 1.25]
    bar.set_ticks(ticks, labels=[f"{t:g}" for t in ticks])
    bar.minorticks_off()
    bar.ax.tick_params(labelsize=6)
    return fig


def good_figure(model: CouncilsModel, good: str, fig: Figure | None = None) -> Figure:
    """One consumer good's price ÷ labour value and stock ÷ reserve target, week by week (seed §7c).

    Parameters
    ----------
    fig : Figure, optional
        This function's figure of the same model and good at an earlier week, brought up
        to date in place (as in :func:`stock_price_figure`).
    """
    price, stock = _ratios(model)
    k = [model.technology.names[g] for g in model.consumer_goods].index(good)
    if fig is None:
        fig = Figure(figsize=(7.0, 2.1), dpi=DPI)
        ax = fig.subplots()
        fig.subplots_adjust(left=0.08, right=0.98, top=0.86, bottom=0.2)
        ax.plot([], [], color="tab:red", lw=1.0, label="price ÷ labour value")
        ax.plot([], [], color="tab:blue", lw=1.0, label="stock ÷ reserve target")
        ax.axhline(1.0, color="0.6", lw=0.6)
        ax.set_xlim(0, model.conditions.weeks)
        _title(ax, f"{good}: {model.technology.descriptions[model.technology.index(good)]}")
        ax.set_xlabel("week", fontsize=7)
        ax.tick_params(labelsize=6)
        ax.legend(fontsize=6, frameon=False, loc="upper right", ncol=2)
    _fill(fig.axes[0], [price[:, k], stock[:, k]], _weeks(model))
    return fig


#: The verdict's measures (DESIGN §4) in the gaps figure: series, title, scale.
GAPS = (
    ("stock_gap_own_prices", "stock gap, %: worst |stock ÷ reserve rule − 1|", 100),
    ("welfare_gap", "welfare lost to queues and prices, %", 100),
    ("unmet_share", "demand unmet at the prices faced, %", 100),
    ("sovereignty_own_prices", "sovereignty at own prices (1: output follows demand)", 1),
)


def gaps_figure(model: CouncilsModel, fig: Figure | None = None) -> Figure:
    """The verdict's measures week by week: stock gap, welfare lost, unmet demand, sovereignty (docs/welfare.md).

    Parameters
    ----------
    fig : Figure, optional
        This function's figure of the same model at an earlier week, brought up to date in
        place (as in :func:`stock_price_figure`).
    """
    r, v = model.record, model.conditions.verdict
    if fig is None:
        fig = Figure(figsize=(7.0, 4.2), dpi=DPI)
        axes = fig.subplots(2, 2, sharex=True).ravel()
        fig.subplots_adjust(left=0.08, right=0.98, top=0.93, bottom=0.1, hspace=0.3, wspace=0.22)
        for ax, (_, title, _) in zip(axes, GAPS, strict=True):
            ax.plot([], [], lw=1.0)
            _title(ax, title)
            ax.tick_params(labelsize=6)
        axes[0].axhspan(0, 100 * v.stock_tolerance, color="tab:green", alpha=0.1, lw=0, label="verdict's tolerance")
        axes[1].axhspan(0, 100 * v.welfare_tolerance, color="tab:green", alpha=0.1, lw=0, label="verdict's tolerance")
        for ax in axes[:2]:
            ax.legend(fontsize=6, frameon=False, loc="upper right")
        axes[0].set_xlim(0, model.conditions.weeks)
        for ax in axes[2:]:
            ax.set_xlabel("week", fontsize=7)
    for ax, (key, _, scale) in zip(fig.axes, GAPS, strict=True):
        _fill(ax, [scale * r.series(key)], _weeks(model))
    fig.axes[2].set_ylim(0, max(0.1, 110 * float(r.series("unmet_share").max(initial=0.0))))
    lost = 110 * float(r.series("welfare_gap").max(initial=0.0))  # %, the tolerance's band on the axis
    fig.axes[1].set_ylim(0, max(200 * v.welfare_tolerance, lost))
    return fig


#: The Ginis drawn week by week: series and label.
GINIS = {
    "wage_gini": "hourly earnings",
    "income_gini": "incomes (communes too)",
    "consumption_gini": "consumption",
}


def ginis_figure(model: CouncilsModel, fig: Figure | None = None) -> Figure:
    """The Gini coefficients of hourly earnings, incomes and consumption, week by week (0: equal).

    Parameters
    ----------
    fig : Figure, optional
        This function's figure of the same model at an earlier week, brought up to date in
        place (as in :func:`stock_price_figure`).
    """
    r = model.record
    if fig is None:
        fig = Figure(figsize=(7.0, 2.6), dpi=DPI)
        ax = fig.subplots()
        fig.subplots_adjust(left=0.08, right=0.98, top=0.88, bottom=0.18)
        for label in GINIS.values():
            ax.plot([], [], lw=1.0, label=label)
        ax.set_xlim(0, model.conditions.weeks)
        _title(ax, "Gini coefficients (0: equal)")
        ax.set_xlabel("week", fontsize=7)
        ax.tick_params(labelsize=6)
        ax.legend(fontsize=6, frameon=False, loc="upper right")
    ax = fig.axes[0]
    ginis = [r.series(key) for key in GINIS]
    _fill(ax, ginis, _weeks(model))
    ax.set_ylim(0, max(0.05, 1.1 * max(float(g.max(initial=0.0)) for g in ginis)))
    return fig


def hours_output_figure(model: CouncilsModel) -> Figure:
    """Hours per person and week, and each sector's output against week 0 (the largest movers named)."""
    r = model.record
    weeks = _weeks(model)
    fig = Figure(figsize=(7.0, 3.0), dpi=DPI)
    left, right = fig.subplots(1, 2, width_ratios=[1, 1.4])
    fig.subplots_adjust(left=0.07, right=0.98, top=0.9, bottom=0.15, wspace=0.2)
    left.plot(weeks, r.series("hours_per_week"), label="decided working week")
    left.plot(weeks, r.series("hours_used"), label="hours embodied in output")
    left.set_ylim(bottom=0)
    _title(left, "hours per person per week")
    left.legend(fontsize=6, frameon=False, loc="lower right")
    output = r.series("output")
    if r.weeks:
        change = 100 * (output / np.where(output[0] > 0, output[0], 1.0) - 1)
        order = np.argsort(-np.abs(change[-1]))
        for j in order[4:]:
            right.plot(weeks, change[:, j], color="0.8", lw=0.7)
        for j in order[:4]:
            right.plot(weeks, change[:, j], lw=1.2, label=model.technology.names[j])
        right.legend(fontsize=6, frameon=False, title="largest movers", title_fontsize=6, loc="upper left")
    right.axhline(0, color="0.5", lw=0.6)
    _title(right, "output by sector, % change since week 0")
    for ax in (left, right):
        ax.set_xlim(0, model.conditions.weeks)
        ax.set_xlabel("week", fontsize=7)
        ax.tick_params(labelsize=6)
    return fig


# --- why prices moved -------------------------------------------------------------------------------------


def price_changes(model: CouncilsModel, good: str | None = None, limit: int = 10) -> list[dict]:
    """The latest logged price changes, newest first, each with its cause (seed §7c).

    Parameters
    ----------
    good : str, optional
        Only this good's changes (a sector code); all goods if ``None``.
    limit : int
        At most this many.

    Returns
    -------
    list of dict
        ``week``, ``good``, ``description``, ``before`` and ``after`` (price ÷ labour
        value), ``stock`` (stock ÷ reserve target, the cause), and ``stock_before`` and
        ``week_before``: the same at the good's previous logged change, and its week
        (``None`` for its first). A price follows the size of its stock's gap, so it rises
        while its stock is above its reserve if that surplus shrank since.
    """
    t = model.technology
    wanted = None if good is None else t.index(good)
    previous: dict[int, tuple[int, float]] = {}  # good → (week, stock ÷ reserve) of its last change so far
    rows = []
    for week, g, before, after, ratio in model.record.price_log:
        if wanted is None or g == wanted:
            week_before, stock_before = previous.get(g, (None, None))
            rows.append(
                {
                    "week": week,
                    "good": t.names[g],
                    "description": t.descriptions[g],
                    "before": before,
                    "after": after,
                    "stock": ratio,
                    "stock_before": stock_before,
                    "week_before": week_before,
                }
            )
        previous[g] = (week, ratio)
    return rows[::-1][:limit]


def price_changes_markdown(model: CouncilsModel, good: str | None = None, limit: int = 10) -> str:
    """:func:`price_changes` as a Markdown table, in words: by how much, and the stock that moved it."""
    rows = price_changes(model, good, limit)
    if not rows:
        return "No price has moved yet." if good is None else f"The price of {good} has not moved yet."
    lines = ["| week | good | price ÷ labour value | why: stock against its reserve, and at the change before |"]
    lines.append("|---:|---|---|---|")
    for row in rows:
        dearer = "dearer" if row["after"] > row["before"] else "cheaper"
        why = _gap(row["stock"])
        if row["stock_before"] is not None:
            why += f"; {_gap(row['stock_before'])} in week {row['week_before']}"
        lines.append(f"| {row['week']} | {row['good']} | {row['before']:.3f} → {row['after']:.3f}, {dearer} | {why} |")
    return "\n".join(lines)


def _gap(ratio: float) -> str:
    """A stock against its reserve target, in words: "1.12 % above" (hundredths: a price moves on small changes)."""
    return f"{100 * abs(ratio - 1):.2f} % {'below' if ratio < 1 else 'above'}"


# --- the sector network ----------------------------------------------------------------------------------


def sector_network(model: CouncilsModel, share: float = 0.01) -> nx.DiGraph:
    """Goods as nodes, this week's input flows as weighted edges, bottlenecks marked (seed §7b, §7f).

    Parameters
    ----------
    share : float
        Only flows of at least this share of all input flows (valued at labour values) are edges.

    Returns
    -------
    networkx.DiGraph
        Node attributes: ``output`` (hours of labour value made this week), ``status``
        (``"bottleneck"``: the plan asks more than the sector's capacity; ``"short"``:
        the stock is more than :data:`SHORT_STOCK` below its reserve; ``"ok"``),
        ``description``. Edge ``i → j`` has ``hours``: the labour value of good i used up
        by sector j this week.
    """
    s, t = model.state, model.technology
    output = s.output if s.output is not None else np.zeros(t.n)
    flows = model.councils.inputs_true * output[None, :] * s.values[:, None]  # hours per week, i → j
    np.fill_diagonal(flows, 0.0)
    graph = nx.DiGraph()
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(s.reserve > 0, s.stock / s.reserve, 1.0)
    for j, name in enumerate(t.names):
        if s.plan_output[j] > s.sector_capacity[j]:
            state = "bottleneck"
        elif ratio[j] < 1 - SHORT_STOCK:
            state = "short"
        else:
            state = "ok"
        graph.add_node(name, output=float(s.values[j] * output[j]), status=state, description=t.descriptions[j])
    total = flows.sum()
    for i, j in zip(*np.nonzero((flows > 0) & (flows >= share * total)), strict=True):
        graph.add_edge(t.names[i], t.names[j], hours=float(flows[i, j]))
    return graph


#: Colours of the sector network's statuses.
STATUS_COLOURS = {"bottleneck": "#e34a33", "short": "#fdae6b", "ok": "#c6dbef"}


def network_figure(model: CouncilsModel) -> Figure:
    """The sector network (:func:`sector_network`) on a circle: node size ∝ output, edge width ∝ flow."""
    graph = sector_network(model)
    fig = Figure(figsize=(7.0, 3.9), dpi=DPI)
    ax = fig.subplots()
    fig.subplots_adjust(left=0.01, right=0.7, top=0.92, bottom=0.02)
    pos = nx.circular_layout(graph)
    output = np.array([graph.nodes[n]["output"] for n in graph])
    size = 120 + 700 * output / output.max() if output.max() > 0 else np.full(len(output), 300.0)
    hours = np.array([graph.edges[e]["hours"] for e in graph.edges]) if graph.number_of_edges() else np.zeros(0)
    width = 0.4 + 4 * hours / hours.max() if hours.size else []
    nx.draw_networkx_edges(
        graph,
        pos,
        ax=ax,
        width=width,
        edge_color="0.6",
        alpha=0.7,
        arrowsize=8,
        node_size=size,
        connectionstyle="arc3,rad=0.1",
    )
    nx.draw_networkx_nodes(
        graph, pos, ax=ax, node_size=size, node_color=[STATUS_COLOURS[graph.nodes[n]["status"]] for n in graph]
    )
    nx.draw_networkx_labels(graph, pos, ax=ax, font_size=7, font_color="black")
    labels = {
        "bottleneck": "bottleneck: the plan asks\nmore than its capacity",
        "short": f"stock more than {100 * SHORT_STOCK:g} %\nbelow its reserve",
        "ok": "neither",
    }
    for status, colour in STATUS_COLOURS.items():
        ax.scatter([], [], s=60, color=colour, label=labels[status])
    ax.legend(loc="center left", bbox_to_anchor=(1.02, 0.5), fontsize=7, frameon=False, labelspacing=1.2)
    _title(ax, "goods and this week's input flows")
    ax.text(
        1.02,
        0.05,
        "arrow i → j: good i used by sector j\n(width: hours of labour value)\nsize: output",
        transform=ax.transAxes,
        fontsize=6,
    )
    ax.axis("off")
    return fig


# --- the fundamental decision -------------------------------------------------------------------------


def has_votes(model) -> bool:
    """Whether the assemblies vote in this run (``[decision] vote = true``)."""
    return bool(model.conditions.decision.vote)


def last_vote_markdown(model) -> str:
    """The last yearly decision as ``councils decisions`` prints it (seed §7f)."""
    decisions = model.record.decisions
    if not decisions:
        return f"No vote yet: the assemblies vote once a year (week {WEEKS_PER_YEAR})."
    return "```\n" + decisions_table(decisions[-1:]) + "\n```"
