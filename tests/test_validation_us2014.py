"""The capitalist regime against the United States of 2014 (issue 24, docs/validation.md), at a size the suite affords.

The full table is twenty seeds (``scripts/validation_us2014.py``, kept in
``benchmarks/validation_us2014.csv``); here: that the page shows what those runs give, that the
table's own facts are what its files say, and that a new seed falls within the twenty's range,
so that a change to the market's macroeconomy shows.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pandas as pd
import pytest

from sim.analysis import validation
from sim.model import CouncilsModel

ROOT = Path(__file__).resolve().parents[1]
RUNS = ROOT / "benchmarks" / "validation_us2014.csv"
TABLE = validation.table_facts(resources.files("sim") / "data" / "us2014")


def test_the_tables_own_facts_are_its_files():
    employment = pd.read_csv(resources.files("sim") / "data" / "us2014" / "agg_employment.csv")
    assert TABLE["labour_share"] == pytest.approx(employment["LAB_musd"].sum() / employment["VA_musd_SEA"].sum())
    assert 0.55 < TABLE["labour_share"] < 0.57  # WIOD SEA 2014: 56.3 %
    assert TABLE["gfcf_share"] + TABLE["consumption_share"] < 1  # the rest is public consumption
    assert 0.15 < TABLE["gfcf_share"] < 0.20 and 0.65 < TABLE["consumption_share"] < 0.69


def test_the_page_shows_the_table_of_the_twenty_committed_runs():
    runs = pd.read_csv(RUNS)
    assert sorted(runs["seed"]) == list(range(1, 21))
    table = validation.markdown(validation.summarise(runs.to_dict("records"), TABLE))
    assert table in (ROOT / "docs" / "validation.md").read_text("utf-8")


def test_a_seed_not_among_the_twenty_falls_within_their_range():
    runs = pd.read_csv(RUNS)
    got = validation.measure(CouncilsModel(seed=21, regime="market", years=5), first_week=52)
    for fact in validation.FACTS:
        low, high = runs[fact.key].min(), runs[fact.key].max()
        slack = 0.5 * (high - low)
        assert low - slack <= got[fact.key] <= high + slack, (fact.key, got[fact.key], low, high)
    # The rows the page finds in their band are in it for this seed too.
    for key in ("labour_share", "saving_rate"):
        _, low, high = validation.band(next(f for f in validation.FACTS if f.key == key), TABLE)
        assert low <= got[key] <= high, key
