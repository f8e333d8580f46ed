"""A regime of one's own, outside ``sim/``: what ``docs/plugins.md`` shows, run by ``test_plugin_regimes.py``.

``regime = "plugin_regime:StickyPriceCouncils"`` selects it; the other classes here are what
a scenario must refuse.
"""

from __future__ import annotations

from sim.economics import market
from sim.regimes.base import Regime
from sim.regimes.councils import Councils


class StickyPriceCouncils(Councils):
    """The seed's councils, except that a price moves only part of the way to what its stock asks each week."""

    name = "sticky_price_councils"
    #: Share of the way from this week's price to the stock rule's price taken in a week.
    speed = 0.5

    def __init__(self):
        super().__init__()
        self.weeks_priced = 0

    def price(self, model):
        s, cg = model.state, model.state.consumer_goods
        asked = market.price_from_stock(s.values[cg], s.stock[cg], s.reserve[cg], **vars(model.conditions.prices))
        new = s.prices + self.speed * (asked - s.prices)
        model.record.price_changes(s.prices, new)
        s.prices = new
        self.weeks_priced += 1


class NotARegime:
    """Has the phases, but is not a :class:`~sim.regimes.base.Regime`."""

    def pay(self, model):
        pass


class HalfARegime(Regime):
    """A regime that forgot most of its own phases."""

    def pay(self, model):
        pass

    def price(self, model):
        pass


class NeedsArguments(Councils):
    """A regime that cannot be made without arguments."""

    def __init__(self, speed):
        super().__init__()
        self.speed = speed
