"""What the model refuses when it is built is refused when the scenario is read (issue 25).

Three checks ran only inside the model: too few persons to staff the councils beside the
communes the land needs, a taste shift larger than the budget share it turns from, and an
information error that makes the plan factory's coefficients unproductive. ``run`` locked
and made ``--out``'s parents first, ``sweep`` started its workers and failed every run, and
the dashboard started serving. Now each is refused before any lock, directory or worker,
with the model's own message, exit status 2 and one line; nothing is created.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from cli_call import call
from cli_forkserver import one_line

from sim.economics.economy import default_economy
from sim.model import CouncilsModel
from sim.run.initial_conditions import check_buildable
from sim.views.cli import load_with_overrides

REPO = Path(__file__).resolve().parents[1]
BASELINE = REPO / "scenarios" / "baseline.toml"
SMALL = {"population.consumers": 300, "population.councils": 20, "population.communes": 0}
#: Each late check: what the scenario sets, and the model's message.
LATE = {
    "staffing": (
        {"population.communes": 5, "communes.population_share": 0.9},
        "population.consumers = 300: too few to staff 20 councils with groups of at least 10",
    ),
    "taste-shift": (
        {"taste_shift.after_years": 1, "taste_shift.budget_share": 0.5},
        "taste_shift.budget_share = 0.5: larger than LIGHT's budget share (0.0276); at most that much can move",
    ),
    "information-error": (
        {"plan.information_error": 1.0},
        "plan.information_error = 1.0: the plan factory's mistaken coefficients would not be productive",
    ),
}


def toml_value(value) -> str:
    return str(value).lower() if isinstance(value, bool) else repr(value)


def scenario_file(tmp_path: Path, case: str) -> Path:
    sets = {**SMALL, **LATE[case][0]}
    sections: dict[str, list[str]] = {}
    for key, value in sets.items():
        section, name = key.split(".")
        sections.setdefault(section, []).append(f"{name} = {toml_value(value)}")
    body = "".join(f"[{section}]\n" + "\n".join(lines) + "\n" for section, lines in sections.items())
    file = tmp_path / "late.toml"
    file.write_text(f'name = "late"\nyears = 0.05\n{body}', encoding="utf-8")
    return file


@pytest.mark.parametrize("case", sorted(LATE))
def test_run_refuses_it_before_the_lock_and_before_outs_parents(tmp_path, case):
    file = scenario_file(tmp_path, case)
    out = tmp_path / "deep" / "er" / "out"
    rc, stdout, err = call(["run", str(file), "--out", str(out)])
    assert rc == 2 and stdout == ""
    assert one_line(err).startswith(f"councils: {file}: {LATE[case][1]}")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["late.toml"]  # no deep/, no lock


@pytest.mark.parametrize("case", sorted(LATE))
def test_plan_refuses_it_as_run_does(tmp_path, case):
    rc, stdout, err = call(["plan", str(scenario_file(tmp_path, case))])
    assert rc == 2 and stdout == "" and LATE[case][1] in one_line(err)


@pytest.mark.parametrize("case", sorted(LATE))
def test_sweep_refuses_it_before_any_worker_starts(tmp_path, case):
    base = scenario_file(tmp_path, case)
    sweep = tmp_path / "s.toml"
    sweep.write_text(f'base = "{base.name}"\n[grid]\n"prices.response" = [1.0, 2.0]\n', encoding="utf-8")
    rc, stdout, err = call(["sweep", str(sweep), "--workers", "1", "--out", str(tmp_path / "out")])
    assert rc == 2 and stdout == ""
    line = one_line(err)
    assert f"{sweep} (run late {{'prices.response': 1.0}} replicate 0)" in line and LATE[case][1][:60] in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["late.toml", "s.toml"]


@pytest.mark.parametrize("case", sorted(LATE))
def test_the_dashboard_refuses_it_before_serving(forkserver, tmp_path, case):
    file = scenario_file(tmp_path, case)
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    result = forkserver.run(["dashboard", str(file), "--port", "1"], cwd, timeout=60)
    assert result.status == 2, result.stderr
    key, rule = LATE[case][1].split(" = ", 1)
    line = one_line(result.stderr)  # at the dashboard's population (500 here), not the file's
    assert f"{file}: {key} = " in line and rule.split(": ", 1)[1] in line
    assert result.stdout == "" and list(cwd.iterdir()) == []


def test_the_check_draws_what_the_model_draws():
    """The validation's generator is the model's: the same seed gives the same mistaken coefficients."""
    scenario = load_with_overrides(BASELINE, [f"{k}={v}" for k, v in SMALL.items()] + ["plan.information_error=0.5"])
    model = CouncilsModel(scenario)
    check_buildable(scenario, default_economy())  # accepted, as the model was
    first = np.random.default_rng(scenario.seed).standard_normal(model.planner.inputs_estimated.shape)
    dense = model.technology.A + model.technology.capital_consumption
    expected = dense * np.exp(0.5 * first - 0.5**2 / 2)
    assert np.array_equal(model.planner.inputs_estimated, expected)
