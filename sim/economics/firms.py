"""Enterprises that sell on a market, as pure functions: the rules of the regimes the seed argues against.

The seed's councils sell consumer goods at labour value, corrected by the stock (§7c), and
the plan factory sets the rest. The alternatives of ``sim.regimes`` keep the same economy
and change who sets prices, output, investment and incomes:

- **normal-cost pricing**: a price is a markup over the *normal* unit cost (wages at normal
  productivity plus inputs and capital used up at their normal prices), the full-cost or
  target-return pricing of post-Keynesian stock-flow-consistent models (Godley & Lavoie
  2007, *Monetary Economics*, ch. 8; Lavoie 2014, *Post-Keynesian Economics*, ch. 3),
  then moved by the stock against its target like the inventory-driven price revisions of
  Caiani et al. (2016, *JEDC* 69) and Assenza, Delli Gatti & Grazzini (2015, *JEDC* 50).
  With a uniform markup the normal prices are Sraffa's (1960) prices of production, which
  are proportional to labour values only at a zero markup;
- **market power**: where few producers make a good its markup is higher, as in a Cournot
  industry (Cowling & Waterson 1976, *Economica* 43);
- **inventory-driven output**: expected sales plus a share of the gap between target and
  actual inventories (Godley & Lavoie 2007, ch. 8; the same form as the seed's corrective c);
- **investment from internal funds**: capacity is ordered where expected demand needs it
  at a target utilisation, and only as far as the enterprise's own funds pay for it (Dosi,
  Fagiolo & Roventini 2010, *JEDC* 34; Caiani et al. 2016);
- **sharing net income** among an enterprise's members, the Illyrian firm of Ward (1958,
  *AER* 48) and Vanek (1970, *The General Theory of Labor-Managed Market Economies*): no
  wage, members share what is left after inputs and the funds the council keeps;
- **payouts within what the enterprises together have**: funds beyond need are paid out
  only as far as the surpluses of some exceed the deficits of others, which a bank carries
  (the soft budget constraint of Kornai 1986, *Kyklos* 39, without which loss-makers' pay
  would create money).

Units: tokens (money; 1 token buys one hour of labour value at normal prices), goods in
units, flows per week, labour in hours.
"""

from __future__ import annotations

import numpy as np

from sim.economics import metrics


def normal_prices(labour, inputs, wage: float, markup) -> np.ndarray:
    """Normal prices: markup over normal unit cost, inputs at their own normal prices (prices of production).

    ``p = (1 + μ) ∘ (w l + p (A + D))``, solved as ``p = w l diag(1 + μ) (I − (A + D) diag(1 + μ))⁻¹``.
    With ``μ = 0`` and ``w = 1`` this is the labour value ``v = l (I − A − D)⁻¹`` (seed §7d).

    Parameters
    ----------
    labour : array_like, shape (n,)
        Hours per unit of output, at normal productivity.
    inputs : numpy.ndarray, shape (n, n)
        ``A + D``: inputs and capital used up per unit of output.
    wage : float
        Tokens per hour (a wage, or the normal personal income of a self-managed enterprise).
    markup : float or array_like, shape (n,)
        Markup over normal unit cost, per good.

    Returns
    -------
    numpy.ndarray, shape (n,)
        Tokens per unit.

    Raises
    ------
    ValueError
        If the marked-up coefficients cannot sustain themselves (``(1 + μ) ρ(A + D) ≥ 1``).
    """
    labour = np.asarray(labour, dtype=float)
    gross = 1.0 + np.broadcast_to(np.asarray(markup, dtype=float), labour.shape)
    marked_up = np.asarray(inputs, dtype=float) * gross[None, :]
    if np.max(np.abs(np.linalg.eigvals(marked_up)), initial=0.0) >= 1.0:
        raise ValueError(
            f"markup {float(gross.max() - 1):g}: prices of production do not exist (ρ((1 + μ)(A + D)) ≥ 1)"
        )
    return np.linalg.solve((np.eye(labour.size) - marked_up).T, wage * labour * gross)


def wage_for_level(labour, inputs, markup, values, weights, goods) -> float:
    """The money wage at which normal prices are, on average, labour values.

    Prices of production are proportional to the wage, so this fixes the unit of account: a
    token buys an hour of labour value at normal prices, as under the councils (seed §7d),
    on the Stone index of the ``goods`` (consumer goods) with budget shares ``weights``.
    It is 1 at a zero markup when ``values`` are the labour values of ``labour`` and ``inputs``.
    """
    at_one = normal_prices(labour, inputs, 1.0, markup)
    return 1.0 / metrics.price_level(at_one[goods], np.asarray(values)[goods], weights)


def capacity_orders(expected_use, capacity, on_order, margin: float, funds, cost_per_capacity, limit) -> np.ndarray:
    """Capacity an enterprise orders: what expected use needs at a target utilisation, as far as its funds pay.

    Dosi, Fagiolo & Roventini (2010) and Caiani et al. (2016): desired capacity is expected
    demand over the target utilisation ``1 / (1 + margin)``; expansion is financed from
    ``funds``: internal funds, and the bank's credit where the regime adds it.

    Parameters
    ----------
    expected_use : array_like, shape (P,)
        Weekly use each enterprise expects to sell, units.
    capacity, on_order : array_like, shape (P,)
        Weekly capacity in service and already ordered, units.
    margin : float
        Spare capacity wanted, share of expected use.
    funds : array_like, shape (P,)
        Tokens each enterprise can spend on it (negative: nothing).
    cost_per_capacity : array_like, shape (P,)
        Tokens per unit of weekly capacity.
    limit : array_like, shape (P,)
        Most capacity that can be ordered this time, units per week.

    Returns
    -------
    numpy.ndarray, shape (P,)
        Weekly capacity ordered, units.
    """
    wanted = np.asarray(expected_use) * (1.0 + margin) - np.asarray(capacity) - np.asarray(on_order)
    wanted = np.clip(wanted, 0.0, limit)
    cost = np.asarray(cost_per_capacity, dtype=float)
    affordable = np.divide(np.maximum(funds, 0.0), cost, out=np.full(cost.shape, np.inf), where=cost > 0)
    return np.minimum(wanted, affordable)


def income_shares(net_income, members, retention: float, floor: float) -> tuple[np.ndarray, np.ndarray]:
    """An Illyrian enterprise's personal income per member and what it keeps (Ward 1958, Vanek 1970).

    The council keeps ``retention`` of a positive net income for its funds and shares the
    rest equally per member; no member gets less than ``floor`` (a guaranteed minimum,
    paid from the funds even when net income is below it).

    Parameters
    ----------
    net_income : array_like, shape (P,)
        Tokens per week: sales less inputs and capital used up (and taxes).
    members : array_like, shape (P,)
        Persons.
    retention : float
        Share of a positive net income kept in the enterprise's funds.
    floor : float
        Least personal income per member, tokens per week.

    Returns
    -------
    per_member : numpy.ndarray, shape (P,)
        Tokens per member per week (0 where there are no members).
    retained : numpy.ndarray, shape (P,)
        ``net_income − per_member × members``: what goes to (or comes out of) the funds.
    """
    net_income = np.asarray(net_income, dtype=float)
    members = np.asarray(members, dtype=float)
    shared = np.where(net_income > 0, (1.0 - retention) * net_income, net_income)
    per_member = np.divide(shared, members, out=np.zeros_like(shared), where=members > 0)
    per_member = np.where(members > 0, np.maximum(per_member, floor), 0.0)
    return per_member, net_income - per_member * members


def paid_out(surplus) -> np.ndarray:
    """What each enterprise pays out of its ``surplus`` (tokens), as far as all of them together have one.

    Those with a positive surplus pay it, scaled down so that the total is at most the sum
    of every surplus, deficits included: the deficits of some are carried by the surpluses
    of others (a bank lends the one's to the other), and no payment is made out of funds
    the enterprises together do not have.
    """
    surplus = np.asarray(surplus, dtype=float)
    positive = np.maximum(surplus, 0.0)
    total = positive.sum()
    if total <= 0:
        return positive
    return positive * (max(surplus.sum(), 0.0) / total)


def entry_sectors(profit, value, sector, active, n: int, premium: float) -> np.ndarray:
    """Goods whose enterprises earn a profit rate above the economy's by ``premium``, the most profitable first.

    Enterprises enter where profits are high (Dosi, Fagiolo & Roventini 2010; Assenza, Delli
    Gatti & Grazzini 2015: a failed firm is replaced by an entrant): a good's profit rate is
    its active enterprises' profits over the value of their capacity; the economy's, every
    active enterprise's.

    Parameters
    ----------
    profit : numpy.ndarray, shape (P,)
        Each enterprise's profit, tokens a year.
    value : numpy.ndarray, shape (P,)
        Its capacity's value, tokens.
    sector : numpy.ndarray of int, shape (P,)
    active : numpy.ndarray of bool, shape (P,)
        The enterprises that count (open ones, not communes).
    n : int
        Number of goods.
    premium : float
        Profit rate over the economy's that draws entry, per year.

    Returns
    -------
    numpy.ndarray of int
        The goods that draw entry, by falling profit rate.
    """
    profit = np.where(active, profit, 0.0)
    value = np.where(active, value, 0.0)
    total = value.sum()
    if total <= 0:
        return np.zeros(0, dtype=int)
    by_good = np.bincount(sector, weights=value, minlength=n)
    rate = np.divide(np.bincount(sector, weights=profit, minlength=n), by_good, out=np.zeros(n), where=by_good > 0)
    drawn = np.flatnonzero((by_good > 0) & (rate > profit.sum() / total + premium))
    return drawn[np.argsort(-rate[drawn], kind="stable")]


def concentration_markups(capacity, sector, n: int, markup: float, power: float) -> np.ndarray:
    """Markups by good that rise with how concentrated its production is (Cowling & Waterson 1976).

    In a Cournot industry the price–cost margin is the Herfindahl index of its producers'
    shares over the price elasticity of demand, ``(p − c)/p = H / η`` (Cowling & Waterson
    1976, *Economica* 43): ``power`` stands for ``1 / η``, and the markup over normal unit cost
    is ``markup + power × H``, where ``H = Σ sᵢ²`` over the good's producers' shares of its
    capacity. A good nobody makes keeps ``markup``.

    Parameters
    ----------
    capacity : numpy.ndarray, shape (P,)
        Each producer's weekly capacity, units.
    sector : numpy.ndarray of int, shape (P,)
        The good each makes.
    n : int
        Number of goods.
    markup : float
        The markup of a good made by infinitely many equal producers.
    power : float
        The markup a monopoly adds (``H = 1``).

    Returns
    -------
    numpy.ndarray, shape (n,)
    """
    capacity = np.asarray(capacity, dtype=float)
    total = np.bincount(sector, weights=capacity, minlength=n)
    share = np.divide(capacity, total[sector], out=np.zeros(capacity.size), where=total[sector] > 0)
    return markup + power * np.bincount(sector, weights=share**2, minlength=n)


def split_by_weight(amount, weight) -> np.ndarray:
    """``amount`` shared in proportion to ``weight`` (equally if every weight is 0)."""
    weight = np.asarray(weight, dtype=float)
    total = weight.sum()
    if total <= 0:
        return np.full(weight.shape, amount / max(weight.size, 1))
    return amount * weight / total
