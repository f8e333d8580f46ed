"""The full 55-sector US 2014 table ships beside the 20-sector default, by the same rules.

The default is this table added up into 20 groups (``sim/data/us2014/agg_mapping.csv``), so
the 55-sector economy added up by that mapping must give the default's flows, output and
hours, and each sector must take its group's depreciation rate and income elasticity. A
scenario names it ``economy = "us2014-55"``; a model and ``councils run`` run on it.
"""

from __future__ import annotations

import json
import tomllib

import numpy as np
import pandas as pd
import pytest
from cli_call import call

from sim.economics.economy import DEFAULT_ECONOMY_DIR, SHIPPED_ECONOMIES, default_economy, load_economy
from sim.model import CouncilsModel
from sim.run.scenario import Scenario, from_dict, load_scenario
from sim.run.scenario_economy import economy_of

FULL_DIR = SHIPPED_ECONOMIES["us2014-55"]
#: The CSV files give every cell to 6 decimals: each is within this of the number it stands for.
CELL_ROUNDING = 0.5e-6
#: What float arithmetic on numbers up to 10^6 adds to a difference (A · x against the file).
FLOAT_SLACK = 1e-9
#: A small run on the 55 sectors: a council per sector, communes farming A01.
SMALL = {
    "economy": "us2014-55",
    "years": 0.5,
    "population": {"consumers": 2_000, "councils": 60, "communes": 4},
    "communes": {"sector": "A01"},
}


@pytest.fixture(scope="module")
def full():
    return economy_of(from_dict({"economy": "us2014-55"}))


@pytest.fixture(scope="module")
def mapping() -> pd.Series:
    return pd.read_csv(DEFAULT_ECONOMY_DIR / "agg_mapping.csv", index_col=0)["agg_code"]


def _raw(directory, file, column=None):
    table = pd.read_csv(directory / file, index_col=0)
    return table if column is None else table[column]


def test_the_scenario_name_selects_the_55_sectors_in_wiod_order(full, mapping):
    t = full.technology
    assert t.n == 55
    assert list(t.names) == list(mapping.index)
    assert t.descriptions[0].startswith("Crop and animal production")
    assert len(t.consumer_goods) == 34
    assert economy_of(Scenario()).technology.n == 20  # the default is still the 20 sectors
    assert economy_of(from_dict({"economy": "us2014"})).technology.names == default_economy().technology.names


def test_a_scenario_file_keeps_a_shipped_economys_name_and_resolves_a_directory(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text('name = "s"\neconomy = "us2014-55"\n')
    assert load_scenario(path).economy == "us2014-55"
    path.write_text('name = "s"\neconomy = "mine"\n')
    assert load_scenario(path).economy == str((tmp_path / "mine").resolve())


def test_added_up_by_the_mapping_the_55_sectors_are_the_20_sector_default(full, mapping):
    default = default_economy()
    codes, groups = list(mapping.index), list(default.technology.names)
    x55 = _raw(FULL_DIR, "output.csv", "gross_output").loc[codes].to_numpy()
    x20 = _raw(DEFAULT_ECONOMY_DIR, "agg_output.csv", "gross_output").loc[groups].to_numpy()
    z55 = pd.DataFrame(full.technology.A * x55[None, :], index=codes, columns=codes)
    z20 = default.technology.A * x20[None, :]
    added = z55.groupby(mapping).sum().T.groupby(mapping).sum().T.loc[groups, groups].to_numpy()
    # Every file gives its cells to 6 decimals: a group's sum and the aggregated file's cell
    # differ by at most half a unit of the last decimal per cell added, and once more.
    size = mapping.value_counts().loc[groups].to_numpy()
    assert np.abs(added - z20).max() > 0  # the two are different files, rounded apart
    assert (np.abs(added - z20) <= CELL_ROUNDING * (np.outer(size, size) + 1) + FLOAT_SLACK).all()
    hours55 = pd.Series(full.technology.labour * x55, index=codes).groupby(mapping).sum().loc[groups].to_numpy()
    hours20 = default.technology.labour * x20
    assert (np.abs(hours55 - hours20) <= CELL_ROUNDING * 1e6 * (size + 1) + FLOAT_SLACK).all()  # millions of hours
    assert full.workers == pytest.approx(default.workers, rel=1e-12)
    assert full.population == default.population


def test_each_sector_takes_its_groups_depreciation_and_income_elasticity(full, mapping):
    default = default_economy()
    group = [default.technology.index(mapping[code]) for code in full.technology.names]
    np.testing.assert_array_equal(full.technology.depreciation, default.technology.depreciation[group])
    np.testing.assert_array_equal(full.income_elasticities, default.income_elasticities[group])


def test_the_derivation_numbers_are_the_defaults():
    def rules(directory):
        spec = tomllib.loads((directory / "economy.toml").read_text(encoding="utf-8"))
        return {k: v for k, v in spec["derivation"].items() if k != "depreciation"}, spec["columns"]

    assert rules(FULL_DIR) == rules(DEFAULT_ECONOMY_DIR)


def test_a_model_runs_on_the_55_sectors(full):
    model = CouncilsModel(from_dict(SMALL), full)
    summary = model.run()
    assert model.technology.n == 55
    assert summary["weeks"] == 26
    assert np.isfinite(model.state.stock).all() and (model.state.stock >= 0).all()
    assert summary["converged"] is (summary["converged_week"] is not None)  # a verdict, either way


def test_councils_run_takes_economy_us2014_55(tmp_path):
    out = tmp_path / "run"
    rc, printed, err = call(
        [
            "run",
            "scenarios/baseline.toml",
            "--set",
            "economy=us2014-55",
            "--set",
            "communes.sector=A01",
            "--set",
            "population.consumers=2000",
            "--years",
            "0.5",
            "--no-plots",
            "--out",
            str(out),
        ]
    )
    assert rc == 0, err
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert len(summary["consumer_goods"]) == 34
    assert "C10-C12" in summary["consumer_goods"]
    assert printed.startswith("baseline (seed 1):")


def test_the_baseline_names_the_communes_sector_the_55_sectors_lack(tmp_path):
    rc, _, err = call(["run", "scenarios/baseline.toml", "--set", "economy=us2014-55", "--out", str(tmp_path / "r")])
    assert rc == 2
    assert err.startswith("councils: scenarios/baseline.toml: communes.sector = 'AGR': not a sector of the economy")
    assert len(err.splitlines()) == 1
    assert not (tmp_path / "r").exists()


def test_the_55_sector_directory_loads_as_a_plain_path_too(full):
    by_path = load_economy(FULL_DIR)
    np.testing.assert_array_equal(by_path.technology.A, full.technology.A)


def test_a_sweep_file_keeps_a_shipped_economys_name(tmp_path):
    from sim.experiments.sweep import load_sweep

    base = tmp_path / "base.toml"
    base.write_text('name = "b"\n[communes]\nsector = "A01"\n[population]\nconsumers = 2000\ncouncils = 60\n')
    sweep = tmp_path / "sweep.toml"
    sweep.write_text(
        'name = "s"\nbase = "base.toml"\nreplicates = 1\n[grid]\n"prices.response" = [1.0, 2.0]\n'
        '[set]\neconomy = "us2014-55"\nyears = 1\n'
    )
    runs = load_sweep(sweep).runs
    assert len(runs) == 2
    assert {run.scenario["economy"] for run in runs} == {"us2014-55"}
