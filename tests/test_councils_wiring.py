"""What the councils' week hands the agents, checked against the rules it hands it to (issue 25)."""

from __future__ import annotations

import numpy as np
import pytest
from test_decision import _voting_model

from sim.economics import capital
from sim.model import CouncilsModel


@pytest.mark.parametrize("embodied", [0.0, 0.2])
def test_capacity_renewed_as_it_wears_works_with_the_method_improved_by_embodied_change(embodied):
    """The week's invest phase: capacity wears (idle capacity out, the capital used up renewed) and the renewed share
    of each council's capacity works ``embodied`` better (seed §8): the method is the capacity-weighted mean."""
    model = CouncilsModel(
        population_consumers=1500, years=0.1, seed=2, capital_wear=True, technical_change_embodied=embodied
    )
    model.step()
    p, councils = model.producers, model.councils
    assert not model.state.pipeline[0].any()  # nothing arrives this week: only the wear renews
    capacity, method = p.capacity.copy(), p.method.copy()
    _, renewed = capital.wear(capacity, p.output, councils.wear_rate, councils.utilisation)
    rows = councils.rows
    assert renewed[rows].max() > 0
    model.regime.invest(model)
    np.testing.assert_allclose(
        p.method[rows], capital.improved_method(method[rows], renewed[rows], embodied), rtol=1e-12
    )
    assert np.all(p.method[rows] < method[rows]) == (embodied > 0)


def test_a_lone_council_without_capacity_and_one_farming_beside_the_communes_report_their_own_methods():
    """What the vote reads of councils' methods where their capacity weighs nothing: their plain mean, councils' alone.

    A good made by one council, with no capacity left, at 0.7: it reports 0.7. A council of the good with the most
    councils moved to farming beside the three communes (methods 0.5), with no capacity, at 0.6: the farm good
    reports 0.6 (the communes neither count nor weigh).
    """
    model = _voting_model(communes=3)
    p, names = model.producers, model.technology.names
    councils, communes = model.councils.rows, model.communes.rows
    per_good = np.bincount(p.sector[councils])
    lone = councils[p.sector[councils] == np.flatnonzero(per_good == 1)[0]][0]
    moved = councils[p.sector[councils] == per_good.argmax()][0]
    farm = p.sector[communes[0]]
    p.capacity[lone], p.method[lone] = 0.0, 0.7
    p.sector[moved], p.capacity[moved], p.method[moved] = farm, 0.0, 0.6
    p.method[communes] = 0.5
    model.regime.decide(model)
    reported = model.record.decisions[-1]["methods"]
    assert reported[names[p.sector[lone]]] == pytest.approx(0.7, rel=1e-12)
    assert reported[names[farm]] == pytest.approx(0.6, rel=1e-12)
