"""The trade-off of the seed's price corrective (§7c, b), measured by the yardstick (docs/welfare.md).

``scenarios/queues.toml``: thin reserves, no spare capacity, a displacement of demand after a
year. With prices fixed at value the new demand finds empty shelves; a price that answers the
stock rations by price instead. Over 20 seeds, welfare lost to queues falls as the response
rises, and welfare lost to prices off value rises with it (README, "Findings").
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from scipy import stats

from sim.model import CouncilsModel
from sim.run.scenario import from_dict, read_scenario

QUEUES = Path(__file__).resolve().parents[1] / "scenarios" / "queues.toml"
SEEDS = range(1, 21)


def _costs(response: float) -> tuple[np.ndarray, np.ndarray]:
    """Each seed's rationing and price-distortion costs over the year after the shock, tokens per person a week."""
    rationing, distortion = [], []
    for seed in SEEDS:
        scenario = from_dict({**read_scenario(QUEUES), "seed": seed, "years": 1.5})
        model = CouncilsModel(
            scenario, population_consumers=400, population_councils=20, population_communes=4, prices_response=response
        )
        summary = model.run()
        rationing.append(summary["rationing_cost_last_year"])
        distortion.append(summary["price_distortion_cost_last_year"])
    return np.array(rationing), np.array(distortion)


def test_a_price_that_answers_the_stock_trades_queues_for_distortion():
    fixed, answering = _costs(0.0), _costs(0.5)
    # prices at value: queues cost welfare; prices cost next to nothing (values revised after the week's prices)
    assert fixed[0].min() > 0 and fixed[1].max() < 1e-3 * answering[1].min()
    # a response of 0.5: less lost to queues, more to prices, in every seed and on average beyond the noise
    assert np.all(answering[0] < fixed[0]) and np.all(answering[1] > fixed[1])
    assert stats.ttest_rel(fixed[0], answering[0]).pvalue < 0.01
    assert stats.ttest_rel(answering[1], fixed[1]).pvalue < 0.01
