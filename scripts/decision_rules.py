"""Where ``democratic_growth`` ends under each voting rule, over seeds: the table of docs/decision.md.

Runs ``scenarios/democratic_growth.toml`` for ``--years`` (10) under every rule of
:data:`sim.economics.voting_rules.RULES`, seeds 1 … ``--seeds`` (10), and prints, per rule,
how many seeds ended at each decision in force (hours a week, investment share), the share
of yearly decisions that had a Condorcet winner, on which every rule agreed, and whose
winner beat the runner-up by more than 2 % of the votes; ``--csv FILE`` also writes every
run's end state.

    .venv/bin/python scripts/decision_rules.py --seeds 10 --years 10 --csv results/decision_rules.csv

About 10 s a run at the file's 10,000 persons on one core.
"""

from __future__ import annotations

import argparse
import dataclasses
from collections import Counter

import pandas as pd

from sim.economics.voting_rules import RULES
from sim.model import CouncilsModel
from sim.run.scenario import load_scenario
from sim.storage.writes import write_text

SCENARIO = "scenarios/democratic_growth.toml"


def one(rule: str, seed: int, years: float, persons: int | None) -> dict:
    """One run: its end state and how its decisions went."""
    scenario = load_scenario(SCENARIO)
    population = scenario.population if persons is None else dataclasses.replace(scenario.population, consumers=persons)
    decided = dataclasses.replace(scenario.decision, rule=rule)
    model = CouncilsModel(
        dataclasses.replace(scenario, seed=seed, years=years, population=population, decision=decided)
    )
    model.run()
    votes = [d["robustness"] for d in model.record.decisions if d.get("robustness")]
    return {
        "rule": rule,
        "seed": seed,
        "hours_per_week": model.state.hours_per_week,
        "investment_share": round(model.planner.investment_share, 4),
        "decisions": len(votes),
        "condorcet": sum(r["condorcet_winner"] is not None for r in votes),
        "agree": sum(r["agree"] for r in votes),
        "firm": sum(r["margin_share"] > 0.02 for r in votes),
    }


def table(runs: pd.DataFrame) -> str:
    """The Markdown table: end states by rule, and the share of decisions with each property."""
    lines = [
        "| rule | end states (hours a week, % invested: seeds) | Condorcet winner | all rules agree | margin > 2 % |",
        "|---|---|---|---|---|",
    ]
    for rule, rows in runs.groupby("rule", sort=False):
        ends = Counter(zip(rows["hours_per_week"], rows["investment_share"], strict=True))
        listed = "; ".join(f"{h:g} h, {100 * i:.1f} %: {n}" for (h, i), n in sorted(ends.items()))
        total = rows["decisions"].sum()
        shares = [f"{100 * rows[key].sum() / total:.0f} %" if total else "—" for key in ("condorcet", "agree", "firm")]
        lines.append(f"| `{rule}` | {listed} | {' | '.join(shares)} |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--years", type=float, default=10.0)
    parser.add_argument("--persons", type=int, help="instead of the file's population")
    parser.add_argument("--csv", help="also write every run's end state to this file")
    args = parser.parse_args()
    runs = pd.DataFrame(
        [one(rule, seed, args.years, args.persons) for rule in RULES for seed in range(1, args.seeds + 1)]
    )
    print(table(runs))
    if args.csv:
        write_text(args.csv, runs.to_csv(index=False))


if __name__ == "__main__":
    main()
