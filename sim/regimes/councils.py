"""The seed's regime: workers' councils, the plan factory and the three corrective processes.

Pay: the equal hourly wage (seed §7d, §7e), or the old hierarchy shrinking on its
schedule; communes credit their members (§9a). Price: corrective (b), each price follows
its good's reserve stock (§7c). Readjust: corrective (c), councils move consumer-good
output toward expected sales and the stock rebuild (§7c). Plan: councils and communes
report, the plan factory revises its coefficients and re-solves, workers move to where
the plan needs their hours (§6, §7b). Decide: once a year enterprises improve their
methods (§8), councils propose, the plan factory offers variants, the assemblies vote and
their delegates answer for it (§5, §7f); the hierarchy shrinks on its schedule and work
groups rotate and exclude (§6).
"""

from __future__ import annotations

import numpy as np

from sim.economics import decision, market, production, voting_rules, wages
from sim.economics.units import WEEKS_PER_YEAR
from sim.regimes.base import Regime
from sim.run.federation import Federation, assembly_names, assembly_of


class Councils(Regime):
    """Castoriadis's self-managed economy (seed §7)."""

    name = "councils"

    def pay(self, model):
        """Equal hourly wage to every worker (or the shrinking hierarchy); communes credit their members."""
        s, c = model.state, model.consumers
        weekly = s.wage * s.hours_per_week
        c.pay_wages(weekly)
        model.communes.credit_members(c, weekly, s.values)
        s.tokens_paid += float(c.income.sum())

    def buy(self, model):
        """Households buy; the plan factory learns what councils saw sell, at what price (seed §7b, §7c)."""
        super().buy(model)
        model.planner.observe(model.state, model.state.seen_demand)

    def price(self, model):
        """Corrective (b): each price follows its good's reserve stock (seed §7c)."""
        s, cg = model.state, model.state.consumer_goods
        new = market.price_from_stock(s.values[cg], s.stock[cg], s.reserve[cg], **vars(model.conditions.prices))
        model.record.price_changes(s.prices, new)
        s.prices = new

    def readjust(self, model):
        """Corrective (c): councils move consumer-good output toward ``D̂ + (S* − S)/τ`` (seed §7c)."""
        model.councils.readjust(model.state, model.conditions.readjustment, model.state.seen_demand)

    def plan(self, model):
        """Reports → revised coefficients → the re-solved plan → targets → labour moves (seed §6, §7b, §9a).

        The plan sets the targets of the goods households do not buy; consumer goods stay
        with corrective (c), which the councils run every week. Workers move to where the
        targets need them, except where the plan found a planning error: a good whose
        price stayed above value is staffed for what the plan asks of it at value, one
        below value for no more than that (seed §7c).
        """
        s, councils, rng, sc = model.state, model.councils, model.rng, model.conditions
        model.planner.revise_coefficients(*councils.reports(sc.noise.reports, rng, model.noise.stands_for))
        asked = councils.ask_for_capacity(s, sc.plan.investment_margin)
        own = sc.comparison.investment == "own"
        if own and not sc.decision.vote and sc.plan.investment_rule == "need" and model.week >= WEEKS_PER_YEAR:
            self._invest_as_needed(model, asked)
        model.planner.solve(s, model.week, rng, asked)
        targets = model.producers.by_sector(model.producers.target, model.technology.n)
        planned = np.ones(model.technology.n, dtype=bool)
        planned[s.consumer_goods] = False
        targets[planned] = s.plan_output[planned]
        councils.take_targets(targets)
        self._migrate(model)
        staffed = production.staffed_for(targets, s.plan_output, s.sector_capacity, s.planning_errors)
        persons, destination = councils.movers_to_plan(
            model.consumers, model.work_groups, model.conditions.population.group_size_min, rng, staffed
        )
        if persons.size:
            self._move(model, persons, destination)

    @staticmethod
    def _invest_as_needed(model, asked):
        """The plan's rule with the vote off: the investment share moves toward what next year's capacity needs.

        From the second year (the first keeps the scenario's shares), at every plan, a share
        ``period / 26`` of the way toward :meth:`~sim.run.planning.Planner.needed_share`
        (at most ``decision.investment_max``): a time constant of half a year, because one
        period's asks swing with the capacity just built and the wage that moves with the
        share would otherwise jump.
        """
        sc, planner = model.conditions, model.planner
        needed = min(planner.needed_share(model.state, asked), sc.decision.investment_max)
        step = min(sc.plan.period_weeks / (WEEKS_PER_YEAR / 2), 1.0)
        planner.set_investment_share(planner.investment_share + step * (needed - planner.investment_share), model.state)

    @staticmethod
    def _migrate(model):
        """Labour moves between farming and industry toward what the plan asks of farming, at a yearly rate (§9a)."""
        communes, rng = model.communes, model.rng
        if (found := Regime.farm_moves(model)) is None:
            return
        moves, wanted = found
        c, groups = model.consumers, model.work_groups
        if moves > 0:
            persons = rng.choice(np.flatnonzero(c.workers), moves, replace=False)
            groups.release(c, persons, rng)
            communes.admit(c, persons, wanted, rng)
        elif moves < 0:
            persons = communes.release(c, -moves, wanted, rng)
            if persons.size:
                groups.admit(c, persons, groups.council[rng.integers(0, groups.council.size, persons.size)], rng)
        model.councils.staff(c.group, groups, model.state.hours_per_week)

    def decide(self, model):
        """Once a year: better methods, the fundamental decision, the hierarchy's schedule, rotation (seed §6–8)."""
        model.councils.improve_methods(model.conditions.technical_change.rate)
        model.planner.observe_growth(model.state)
        # At equal investment every regime keeps the scenario's hours and shares: no vote changes them.
        if model.conditions.decision.vote and model.conditions.comparison.investment == "own":
            self._vote(model)
        c, groups = model.consumers, model.work_groups
        c.set_wage_factors(wages.equalisation_progress(model.conditions.wages.equalisation_years, model.week))
        movers = groups.turnover(c, model.rng)
        if movers.size:
            destination = groups.council[model.rng.integers(0, groups.council.size, movers.size)]
            self._move(model, movers, destination)

    @staticmethod
    def _vote(model):
        """Proposals → variants → assemblies → the Central Assembly → the plan's frame; delegates answer (§5, §7f)."""
        s, sc, c, planner = model.state, model.conditions, model.consumers, model.planner
        rules, persons = sc.decision, c.income.size
        asked = model.councils.ask_for_capacity(s, sc.plan.investment_margin)
        proposals = planner.proposals(s, asked)
        feasible = asked.copy()
        for p in proposals:
            if p["status"] != "feasible":
                feasible[model.technology.index(p["good"])] = 0.0
        variants = planner.variants(s, persons, feasible, rules, sc.technical_change)
        offered = [k for k, v in enumerate(variants) if not v.bottlenecks]
        councils, communes = model.councils.rows.size, model.communes.rows.size
        assembly = assembly_of(c.group, c.commune, model.work_groups.council, councils)
        members = np.bincount(assembly, minlength=councils + communes)
        producers, goods = model.producers, model.technology.names
        rows = model.councils.rows
        # Councils' methods by capacity; a good whose councils have no capacity, by their plain mean.
        council = ~producers.is_commune
        count = producers.by_sector(council.astype(float), s.stock.size)
        method = np.divide(
            producers.by_sector(np.where(council, producers.method, 0.0), s.stock.size),
            count,
            out=np.ones(s.stock.size),
            where=count > 0,
        )
        weight = np.where(council, producers.capacity, 0.0)
        by_good = producers.by_sector(weight, s.stock.size)
        np.divide(producers.by_sector(weight * producers.method, s.stock.size), by_good, out=method, where=by_good > 0)
        record = {
            "year": model.week // WEEKS_PER_YEAR,
            "week": model.week,
            "aggregation": rules.aggregation,
            "rule": rules.rule,
            "in_force": planner.in_force(s, variants),
            "proposals": proposals,
            # What councils report of their methods: labour per unit ÷ the old method's, by good.
            "methods": {goods[j]: float(method[j]) for j in np.unique(producers.sector[rows])},
            "variants": [_variant_row(v, k in offered) for k, v in enumerate(variants)],
        }
        if not offered:  # nothing the capacity allows: the decision in force stays
            record.update(result=None, how="no variant within capacity", assemblies=[], delegates={})
            model.record.decisions.append(record)
            return
        ballot = [variants[k] for k in offered]
        utility = decision.utilities(
            c.weights,
            [v.consumption_per_person for v in ballot],
            [v.hours_per_week for v in ballot],
            [v.consumption_growth for v in ballot],
            rules.growth_years,
        )
        tallies = decision.pairwise_tallies(utility, assembly, members.size)
        approved = voting_rules.approvals(utility, assembly, members.size)
        order = model.rng.permutation(len(ballot))  # breaks ties; knows nothing of the decision in force
        choice = voting_rules.choose(rules.rule, voting_rules.Profile(tallies, approved, order))  # each assembly's
        central = voting_rules.Profile(
            decision.central_tally(tallies, members, rules.aggregation),
            decision.central_approvals(approved, members, rules.aggregation),
            order,
        )
        direct = voting_rules.Profile(tallies.sum(axis=0), approved.sum(axis=0), order)
        firm = voting_rules.robustness(rules.rule, central, direct)
        won = firm["winner"]
        firsts = decision.first_preferences(utility, assembly, members.size)
        model.federation = Federation(model.work_groups.council, members, councils, communes)
        answered = model.delegates.answer(
            assembly, utility, choice, won, record["year"], rules.delegate_years, model.rng
        )
        names = assembly_names(councils, communes)
        first = np.zeros(len(variants), dtype=int)
        first[offered] = firsts.sum(axis=0)
        output = ballot[won].gross_output / WEEKS_PER_YEAR  # (a) by enterprise: each good's output by capacity
        by_enterprise = production.split_by_share(output, producers.sector, producers.capacity)
        record.update(
            enterprise_output=[float(x) for x in by_enterprise],
            result=offered[won],
            how=_how(won, firm["condorcet_winner"]),
            robustness=_robustness_row(firm, offered, len(variants), central.tally, int(members.sum())),
            first_preferences=[int(x) for x in first],
            labour_values={goods[g]: float(s.values[g]) for g in s.consumer_goods},
            assemblies=[
                {"assembly": names[a], "members": int(members[a]), "choice": offered[choice[a]]}
                for a in range(members.size)
                if members[a] > 0
            ],
            delegates=answered,
        )
        model.record.decisions.append(record)
        planner.adopt(ballot[won], s, persons)
        model.councils.staff(c.group, model.work_groups, s.hours_per_week)

    @staticmethod
    def _move(model, persons, councils):
        model.work_groups.join(model.consumers, persons, councils, model.rng)
        model.councils.staff(model.consumers.group, model.work_groups, model.state.hours_per_week)


def _variant_row(v, offered: bool) -> dict:
    """A variant's implications as a record row (seed §7f a–e)."""
    return {
        "hours_per_week": v.hours_per_week,
        "private_share": v.private_share,
        "public_share": v.public_share,
        "investment_share": v.investment_share,
        "consumption_per_person": v.consumption_per_person,
        "public_consumption": v.public_consumption,
        "investment": v.investment,
        "consumption_growth": v.consumption_growth,
        "consumption_in_5_years": v.consumption_per_person * (1.0 + v.consumption_growth) ** 5,
        "output": [float(x) for x in v.gross_output],
        "bottlenecks": list(v.bottlenecks),
        "offered": offered,
    }


def _how(won: int, condorcet: int | None) -> str:
    """How the result was reached: ``majority`` (the Condorcet winner), ``cycle`` (none) or ``not condorcet``."""
    if condorcet is None:
        return "cycle"
    return "majority" if won == condorcet else "not condorcet"


def _robustness_row(firm: dict, offered: list[int], shown: int, tally, voters: int) -> dict:
    """:func:`~sim.economics.voting_rules.robustness` as a record row, variants as numbered in the record.

    ``tally`` is the Central Assembly's pairwise count over the ``offered`` variants; the row
    gives it over all ``shown`` variants (0 for those not put to the vote).
    """
    on = {None: None, **{k: offered[k] for k in range(len(offered))}}
    full = np.zeros((shown, shown))
    full[np.ix_(offered, offered)] = tally
    return {
        "tally": full.tolist(),
        "runner_up": on[firm["runner_up"]],
        "margin": firm["margin"],
        "margin_share": firm["margin"] / voters if voters else 0.0,
        "condorcet_winner": on[firm["condorcet_winner"]],
        "smith_set": [on[k] for k in firm["smith_set"]],
        "rules": {name: on[k] for name, k in firm["rules"].items()},
        "agree": firm["agree"],
        "direct": {name: on[k] for name, k in firm["direct"].items()},
        "differs": firm["differs"],
    }
