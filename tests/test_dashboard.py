"""The dashboard without a browser: the model its controls build, what each panel draws, the command.

The figures are checked against the run's own record (a panel that drew the wrong series,
or last week's, fails); the page itself is tested in a browser in ``test_dashboard_browser.py``.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import socket
from pathlib import Path

import numpy as np
import pytest

from sim.economics.units import WEEKS_PER_YEAR
from sim.regimes import REGIMES
from sim.run.scenario import Noise, ScenarioError, load_scenario
from sim.views import dashboard
from sim.views.cli import main
from sim.views.dashboard import DashboardModel, Start, controls, dashboard_scenario, initial

REPO = Path(__file__).resolve().parents[1]
SCENARIO_FILES = sorted((REPO / "scenarios").glob("*.toml"))
BASELINE = REPO / "scenarios" / "baseline.toml"
WEEKS = 12


@pytest.fixture(scope="module")
def model():
    """The baseline as the dashboard opens it, run for a few weeks."""
    params = controls(BASELINE, load_scenario(BASELINE), dashboard.SMALL_POPULATION)
    m = DashboardModel(**initial(params))
    m.run(WEEKS)
    return m


# --- the controls build the scenario of the file -------------------------------------------------------


@pytest.mark.parametrize("path", SCENARIO_FILES, ids=lambda p: p.stem)
def test_the_sliders_start_at_the_files_values_so_the_first_model_is_the_file_at_a_small_size(path):
    file = load_scenario(path)
    params = controls(path, file, dashboard.SMALL_POPULATION)
    opened = dashboard_scenario(**initial(params))
    expected = dataclasses.replace(
        file, population=dataclasses.replace(file.population, consumers=dashboard.SMALL_POPULATION)
    )
    assert opened == expected
    for key, spec in params.items():
        if isinstance(spec, dict) and spec["type"].startswith("Slider"):
            assert spec["min"] <= spec["value"] <= spec["max"], key


def test_the_noise_slider_scales_every_kind_of_noise_of_the_file():
    file = load_scenario(BASELINE)
    for scale in (0.0, 2.5):
        noise = dashboard_scenario(BASELINE, noise=scale).noise
        for f in dataclasses.fields(Noise):
            assert getattr(noise, f.name) == pytest.approx(scale * getattr(file.noise, f.name))


def test_a_slider_changes_its_key_and_a_bad_value_is_refused_as_a_scenario_refuses_it():
    s = dashboard_scenario(BASELINE, prices_response=2.5, plan_period_weeks=8, seed=7)
    assert (s.prices.response, s.plan.period_weeks, s.seed) == (2.5, 8, 7)
    with pytest.raises(ScenarioError, match=r"prices\.response"):
        dashboard_scenario(BASELINE, prices_response=-1.0)


def test_the_population_slider_never_goes_below_a_headcount_the_scenario_accepts():
    for path in SCENARIO_FILES:
        file = load_scenario(path)
        params = controls(path, file, 1)
        fewest = params["population_consumers"]["min"]
        assert params["population_consumers"]["value"] == fewest
        dashboard_scenario(path, population_consumers=fewest)  # accepted


def test_the_regime_picker_lists_the_registry():
    params = controls(BASELINE, load_scenario(BASELINE), 2000)
    assert params["regime"]["values"] == sorted(REGIMES)


@pytest.mark.parametrize("path", SCENARIO_FILES, ids=lambda p: p.stem)
def test_reset_builds_what_the_controls_show_after_any_control_of_any_scenario_and_says_so_before(path):
    """Mesa's Reset builds ``type(model)(**parameters)`` with the page's parameters: every control, every scenario."""
    params = Start(path, dashboard.SMALL_POPULATION).controls(path)
    parameters = initial(params)
    shown = DashboardModel(**parameters)
    assert dashboard.pending(shown, parameters, params) == ""
    refused = []
    for key, spec in params.items():
        if not isinstance(spec, dict):
            continue
        if spec["type"] == "Select":
            other = next(v for v in spec["values"] if v != spec["value"])
        else:
            other = spec["max"] if spec["value"] != spec["max"] else spec["min"]
        changed = {**parameters, key: other}
        note = dashboard.pending(shown, changed, params)
        assert note.startswith("Press Reset") and f"{spec['label']} " in note and dashboard.shown(other) in note
        if key == "population_consumers" and other > 5_000:
            continue  # the largest population is built by the model tests, not once per scenario here
        try:
            reset = type(shown)(**changed)
        except ScenarioError as err:  # the page's Reset says so in one line and keeps the run shown
            assert "\n" not in str(err) and key.split("_", 1)[1] in str(err), err
            refused.append(key)
            continue
        assert dashboard.pending(reset, changed, params) == ""
        assert reset.conditions == dashboard_scenario(**changed)
        assert reset.conditions.name == load_scenario(path).name
    assert refused in ([], ["plan_information_error"])  # at 1.0 the plan factory's coefficients may not be productive


def test_the_model_class_needs_no_parameter_and_controls_show_their_values():
    m = DashboardModel(population_consumers=2000)  # Reset with no parameters at all builds the default scenario
    assert m.conditions.name == load_scenario(dashboard.DEFAULT_SCENARIO).name
    spec = controls(BASELINE, load_scenario(BASELINE), 2000)
    assert dashboard.labelled(spec["population_consumers"], 2000) == "persons: 2,000"
    assert dashboard.labelled(spec["prices_response"], 1.25) == "price response (corrective b): 1.25"
    assert dashboard.shown(0.35000000000000003) == "0.35"


def test_mesa_reset_rebuilds_the_model_from_the_controls_and_ignores_mesas_own_scenario():
    # Mesa 3.5's SolaraViz passes `scenario=<its own Scenario>` on Reset; Mesa 3.3 passes only the controls.
    m = DashboardModel(scenario_file=str(BASELINE), scenario=object(), population_consumers=2000, seed=5, noise=0.0)
    assert m.conditions.seed == 5
    assert m.conditions.noise == Noise(0.0, 0.0, 0.0, 0.0)
    assert m.noise_scale == 0.0


@pytest.mark.skipif(importlib.util.find_spec("altair") is None, reason="the dashboard extra is not installed")
def test_mesa_accepts_the_controls_as_model_parameters():
    from mesa.visualization.solara_viz import _check_model_params

    _check_model_params(DashboardModel.__init__, controls(BASELINE, load_scenario(BASELINE), 2000))


# --- what the dashboard opens -------------------------------------------------------------------------------


def test_the_dashboard_opens_the_baseline_small_unless_told_otherwise(tmp_path):
    start = Start.from_environment({})
    assert start == Start(dashboard.DEFAULT_SCENARIO, dashboard.SMALL_POPULATION)
    told = Start.from_environment({dashboard.SCENARIO_VARIABLE: str(BASELINE), dashboard.PERSONS_VARIABLE: "full"})
    assert told.persons is None


def test_the_scenario_picker_offers_the_scenario_files_beside_the_first_and_nothing_else(tmp_path):
    names = Start(BASELINE, 2000).choices()
    assert set(names) == {load_scenario(p).name for p in SCENARIO_FILES}
    (tmp_path / "mine.toml").write_text('name = "mine"\nyears = 1\n')
    (tmp_path / "sweep.toml").write_text('name = "a sweep"\nbase = "mine.toml"\n')  # not a scenario
    (tmp_path / "broken.toml").write_text("name = \n")
    assert Start(tmp_path / "mine.toml", 2000).choices() == {"mine": tmp_path / "mine.toml"}


def test_each_scenario_says_what_it_stands_for_and_the_size_note_says_how_to_run_full_size():
    assert dashboard.describe(BASELINE).startswith("Baseline: the seed's programme (§10")
    file = load_scenario(BASELINE)
    assert "--full-size" in dashboard.size_note(file, 2000) and "20,000" in dashboard.size_note(file, 2000)
    assert dashboard.size_note(file, 20_000) == "20,000 persons: the scenario's full size."


# --- what the panels show -----------------------------------------------------------------------------------


def test_status_counts_the_weeks_and_states_the_verdict_so_far(model):
    text = dashboard.status(model)
    assert text.startswith(f"**Week {WEEKS}** of {model.conditions.weeks} (year 1)")
    latest = model.record.latest
    converged = model.record.summary()["converged"]
    assert ("not converged (yet)" in text) is not converged
    assert f"stock gap {100 * latest['stock_gap_own_prices']:.1f} % of the reserve rule" in text
    assert f"welfare {latest['welfare_per_person']:.2f} hours a week per person" in text
    line = dashboard.conditions_line(model)
    assert "2,000 persons, price response 1," in line and "noise × 1," in line and "regime *councils*" in line


def test_stock_price_images_are_price_over_value_and_stock_over_reserve_of_every_consumer_good(model):
    fig = dashboard.stock_price_figure(model)
    price_image, stock_image = (ax.images[0].get_array() for ax in fig.axes[:2])
    r, cg = model.record, model.consumer_goods
    assert price_image.shape == (len(cg), model.conditions.weeks)
    np.testing.assert_allclose(price_image[:, :WEEKS], (r.series("price")[:, cg] / r.series("value")[:, cg]).T)
    np.testing.assert_allclose(stock_image[:, :WEEKS], (r.series("stock")[:, cg] / r.series("reserve")[:, cg]).T)
    assert np.isnan(np.ma.filled(price_image[:, WEEKS:], np.nan)).all()  # the weeks to come are blank


def test_the_good_figure_and_its_default_follow_the_good_furthest_from_its_reserve(model):
    r, cg = model.record, model.consumer_goods
    ratio = r.series("stock")[-1, cg] / r.series("reserve")[-1, cg]
    furthest = model.technology.names[cg[np.argmax(np.abs(ratio - 1))]]
    assert dashboard.furthest_good(model) == furthest
    food = model.technology.index("FOOD")
    price, stock = dashboard.good_figure(model, "FOOD").axes[0].lines[:2]
    np.testing.assert_allclose(price.get_ydata(), r.series("price")[:, food] / r.series("value")[:, food])
    np.testing.assert_allclose(stock.get_ydata(), r.series("stock")[:, food] / r.series("reserve")[:, food])


def test_gaps_figure_draws_the_verdicts_measures_of_the_weeks_run(model):
    fig = dashboard.gaps_figure(model)
    for ax, key, scale in zip(
        fig.axes,
        ("stock_gap_own_prices", "welfare_gap", "unmet_share", "sovereignty_own_prices"),
        (100, 100, 100, 1),
        strict=True,
    ):
        np.testing.assert_allclose(ax.lines[0].get_ydata(), scale * model.record.series(key))
        assert ax.get_xlim() == (0, model.conditions.weeks)


def test_ginis_figure_draws_the_three_ginis_against_weeks(model):
    (ax,) = dashboard.ginis_figure(model).axes
    for line, key in zip(ax.lines, ("wage_gini", "income_gini", "consumption_gini"), strict=True):
        np.testing.assert_allclose(line.get_ydata(), model.record.series(key))
    assert ax.get_xlabel() == "week" and ax.get_xlim() == (0, model.conditions.weeks)
    assert ax.get_ylim()[0] == 0 and ax.get_ylim()[1] > model.record.series("wage_gini").max()


def _drawn(fig) -> list:
    """What a figure shows: each axes' limits, lines' data and images."""
    out = []
    for ax in fig.axes:
        out.append((ax.get_xlim(), ax.get_ylim()))
        out += [(tuple(line.get_xdata()), tuple(line.get_ydata())) for line in ax.lines]
        out += [np.ma.filled(image.get_array(), -1.0).tobytes() for image in ax.images]
    return out


def test_a_figure_brought_up_to_date_shows_what_a_new_one_would():
    m = DashboardModel(scenario_file=str(BASELINE), population_consumers=2000)
    draws = {
        "stock_price": dashboard.stock_price_figure,
        "gaps": dashboard.gaps_figure,
        "ginis": dashboard.ginis_figure,
        "good": lambda model, fig=None: dashboard.good_figure(model, "FOOD", fig),
    }
    kept = {name: draw(m) for name, draw in draws.items()}  # week 0: nothing run yet
    for _ in range(WEEKS):
        m.step()
    for name, draw in draws.items():
        updated = draw(m, kept[name])
        assert updated is kept[name]
        assert _drawn(updated) == _drawn(draw(m)), name


def test_hours_output_figure_draws_hours_and_every_sectors_output_change(model):
    left, right = dashboard.hours_output_figure(model).axes
    np.testing.assert_allclose(left.lines[0].get_ydata(), model.record.series("hours_per_week"))
    output = model.record.series("output")
    drawn = sorted(tuple(np.round(line.get_ydata(), 9)) for line in right.lines if len(line.get_ydata()) == WEEKS)
    expected = sorted(tuple(np.round(100 * (output[:, j] / output[0, j] - 1), 9)) for j in range(output.shape[1]))
    assert drawn == expected


def test_price_changes_are_the_logged_ones_newest_first_with_their_cause(model):
    log = model.record.price_log
    rows = dashboard.price_changes(model, limit=5)
    assert [(r["week"], r["good"]) for r in rows] == [(w, model.technology.names[g]) for w, g, *_ in log[::-1][:5]]
    *_, before, after, stock = log[-1]
    assert (rows[0]["before"], rows[0]["after"], rows[0]["stock"]) == (before, after, stock)
    food = dashboard.price_changes(model, "FOOD", limit=100)
    assert food and all(r["good"] == "FOOD" for r in food)
    assert len(food) == sum(g == model.technology.index("FOOD") for _, g, *_ in log)
    table = dashboard.price_changes_markdown(model, "FOOD", limit=1)
    row = food[0]
    side = "below" if row["stock"] < 1 else "above"
    assert f"| {100 * abs(row['stock'] - 1):.2f} % {side}; " in table
    assert ("dearer" if row["after"] > row["before"] else "cheaper") in table
    # The gap at the good's change before, so that a price rising while its stock is above its reserve is explained.
    food_log = [entry for entry in log if entry[1] == model.technology.index("FOOD")]
    (week_before, _, _, _, was), (week, *_) = food_log[-2:]
    assert (row["week"], row["week_before"], row["stock_before"]) == (week, week_before, was)
    assert f"; {100 * abs(was - 1):.2f} % {'below' if was < 1 else 'above'} in week {week_before} |" in table
    assert food[-1]["stock_before"] is None or len(food) < len(food_log)  # a good's first change has none before


def test_before_the_first_week_no_price_has_moved():
    fresh = DashboardModel(scenario_file=str(BASELINE), population_consumers=2000)
    assert dashboard.price_changes_markdown(fresh) == "No price has moved yet."
    assert dashboard.status(fresh).startswith("**Week 0** of")
    for draw in (dashboard.stock_price_figure, dashboard.gaps_figure, dashboard.hours_output_figure):
        draw(fresh)  # empty, without error
    dashboard.network_figure(fresh)


def test_sector_network_weighs_flows_in_hours_and_marks_bottlenecks_and_short_stocks(model):
    s, t = model.state, model.technology
    graph = dashboard.sector_network(model, share=0.0)
    flows = model.councils.inputs_true * s.output[None, :] * s.values[:, None]
    i, j = t.index("AGR"), t.index("FOOD")
    assert graph.edges["AGR", "FOOD"]["hours"] == pytest.approx(flows[i, j])
    assert graph.nodes["FOOD"]["output"] == pytest.approx(s.values[j] * s.output[j])
    assert not any(u == v for u, v in graph.edges)
    # A sector asked for more than its capacity is a bottleneck; a stock 10 % short is short.
    saved = s.plan_output.copy(), s.stock.copy()
    try:
        s.plan_output[i] = 1.5 * s.sector_capacity[i]
        s.stock[j] = 0.9 * s.reserve[j]
        graph = dashboard.sector_network(model)
        assert graph.nodes["AGR"]["status"] == "bottleneck"
        assert graph.nodes["FOOD"]["status"] == "short"
    finally:
        s.plan_output[:], s.stock[:] = saved
    kept = dashboard.sector_network(model, share=0.05)
    assert all(d["hours"] >= 0.05 * (flows.sum() - np.trace(flows)) for *_, d in kept.edges(data=True))


def test_the_vote_panel_appears_only_for_a_model_whose_assemblies_vote(model):
    assert dashboard.has_votes(model)  # the baseline votes, as every councils run does by default
    params = controls(BASELINE, load_scenario(BASELINE), dashboard.SMALL_POPULATION)
    assert not dashboard.has_votes(DashboardModel(**{**initial(params), "decision_vote": False}))
    voting = DashboardModel(
        scenario_file=str(BASELINE.with_name("democratic_growth.toml")),
        population_consumers=1500,
        population_councils=25,
        population_communes=0,
    )
    assert dashboard.has_votes(voting)
    assert dashboard.last_vote_markdown(voting).startswith("No vote yet")
    for _ in range(WEEKS_PER_YEAR):
        voting.step()
    text = dashboard.last_vote_markdown(voting)
    assert text.startswith("```\nYear 1 (week 52), one person one vote, schulze:") and "delegates:" in text


@pytest.mark.skipif(importlib.util.find_spec("altair") is None, reason="the dashboard extra is not installed")
def test_the_page_has_a_panel_per_measure_and_a_vote_panel_only_with_votes(model):
    from sim.views import app

    panels = app.components(model)  # the baseline votes, as every councils run does by default
    assert len(panels) == 7 and panels[-1] is app.LastVote
    params = controls(BASELINE, load_scenario(BASELINE), dashboard.SMALL_POPULATION)
    quiet = app.components(DashboardModel(**{**initial(params), "decision_vote": False}))
    assert len(quiet) == 6 and app.LastVote not in quiet
    voting = DashboardModel(
        scenario_file=str(BASELINE.with_name("democratic_growth.toml")),
        population_consumers=1500,
        population_communes=0,
    )
    assert app.components(voting)[-1] is app.LastVote and len(app.components(voting)) == 7


# --- the command ------------------------------------------------------------------------------------------------


def _one_line(capsys) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    return err


def test_dashboard_refuses_a_missing_scenario_with_one_line(capsys, tmp_path):
    assert main(["dashboard", str(tmp_path / "nowhere.toml")]) == 2
    assert "nowhere.toml" in _one_line(capsys)


@pytest.mark.parametrize("port", ["0", "65536", "-3"])
def test_dashboard_refuses_a_port_that_is_not_one(capsys, port):
    assert main(["dashboard", str(BASELINE), "--port", port]) == 2
    assert f"--port {port}: must be 1 to 65535" in _one_line(capsys)


def test_dashboard_refuses_a_port_in_use(capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["dashboard", "--port", str(port)]) == 2
    assert f"--port {port}: in use on localhost" in _one_line(capsys)


def test_dashboard_without_its_extra_says_how_to_install_it(capsys, monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "solara" else real(name, *a))
    assert main(["dashboard", str(BASELINE)]) == 2
    assert "pip install -e '.[dashboard]'" in _one_line(capsys)


def test_dashboard_help_names_its_options(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["dashboard", "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    for word in ("SCENARIO", "--port", "--full-size", "localhost"):
        assert word in out
