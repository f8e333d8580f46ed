"""The restructuring into agents, a planner and regimes changed no result (issue "Institutions as parts").

Every shipped scenario at 3,000 people was run on the code before the restructuring and
its summary and time series kept in ``tests/golden/``; the same runs now must give the
same numbers, to round-off.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.model import CouncilsModel
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).resolve().parent / "golden"
SCENARIOS = sorted((ROOT / "scenarios").glob("*.toml"))


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_shipped_scenario_matches_its_golden_run(path):
    s = load_scenario(path)
    s = dataclasses.replace(s, population=dataclasses.replace(s.population, consumers=3000))
    model = CouncilsModel(s)
    summary = model.run()
    golden = json.loads((GOLDEN / f"{path.stem}.json").read_text())
    assert summary.keys() == golden.keys()
    for key, expected in golden.items():
        if isinstance(expected, float):
            assert summary[key] == pytest.approx(expected, rel=1e-9, abs=1e-12), key
        else:
            assert summary[key] == expected, key
    now = model.record.timeseries()
    then = pd.read_parquet(GOLDEN / f"{path.stem}.parquet")
    pd.testing.assert_frame_equal(now[["week", "good", "variable"]], then[["week", "good", "variable"]])
    np.testing.assert_allclose(now["value"], then["value"], rtol=1e-9, atol=1e-9)
