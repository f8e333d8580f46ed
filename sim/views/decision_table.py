"""The record of the fundamental decisions as text: ``councils decisions RESULTS_DIR`` (seed §7f).

One block per year: the variants the plan factory offered with their implications (a–e),
those it could not offer and why, the councils' proposals and their conflicts, the
assemblies' and persons' votes, the result and how it was reached, and what became of the
delegates.
"""

from __future__ import annotations

HOW = {
    "majority": "the Condorcet winner, a majority against every other variant",
    "cycle": "majorities in a cycle, no Condorcet winner",
    "not condorcet": "not the Condorcet winner, which the rule passed over",
    "no variant within capacity": "no variant within capacity: the decision in force stays",
}
RULE = {"persons": "one person one vote", "assemblies": "one vote per assembly, weighted by members"}


def decisions_table(decisions: list[dict]) -> str:
    """Every year's decision as a text block; a sentence if the assemblies never voted."""
    if not decisions:
        return (
            "No fundamental decision in this run: hours and shares stayed as the scenario set them "
            "([decision] vote = false)."
        )
    return "\n\n".join(_year(d) for d in decisions)


def _year(d: dict) -> str:
    variants, result = d["variants"], d.get("result")
    first = d.get("first_preferences") or [0] * len(variants)
    won_by = [0] * len(variants)
    for a in d.get("assemblies", []):
        won_by[a["choice"]] += 1
    if result is None:
        head = f"Year {d['year']} (week {d['week']}): {HOW[d['how']]}"
    else:
        v = variants[result]
        head = (
            f"Year {d['year']} (week {d['week']}), {RULE[d['aggregation']]}, {d.get('rule', 'copeland')}: "
            f"{v['hours_per_week']:g} hours a week, "
            f"{100 * v['investment_share']:.1f} % invested, {100 * v['public_share']:.1f} % public: {HOW[d['how']]}"
        )
    rows = [
        f"  {'':2}{'hours':>5} {'private':>7} {'invest':>6} {'consumption':>11} {'in 5 years':>10} "
        f"{'growth':>6} {'first':>6} {'assemblies':>10}  bottlenecks",
        f"  {'':2}{'/week':>5} {'%':>7} {'%':>6} {'h/person/yr':>11} {'h/person/yr':>10} {'%/yr':>6} "
        f"{'prefs':>6} {'choosing':>10}",
    ]
    in_force = d.get("in_force")
    for k, v in enumerate(variants):
        mark = "*" if k == result else ("-" if not v["offered"] else ("=" if k == in_force else " "))
        rows.append(
            f"  {mark:2}{v['hours_per_week']:>5g} {100 * v['private_share']:>7.1f} {100 * v['investment_share']:>6.1f} "
            f"{v['consumption_per_person']:>11,.0f} {v['consumption_in_5_years']:>10,.0f} "
            f"{100 * v['consumption_growth']:>6.2f} {first[k]:>6,} {won_by[k]:>10}  "
            f"{', '.join(v['bottlenecks']) or 'none'}"
        )
    rows.append(
        "  (* decided; = the decision in force"
        + ("" if in_force is None or in_force == result else ", not kept")
        + "; - beyond the capacity there will be: shown, not put to the vote)"
    )
    if d.get("robustness"):
        rows.extend(_robustness(d["robustness"], variants))
    proposals = d.get("proposals", [])
    held = [p for p in proposals if p["status"] != "feasible"]
    if proposals:
        listed = "; ".join(
            f"{p['good']} +{p['capacity']:,.3g}/week ({p['status']}; implies "
            + (", ".join(f"{g} +{q:,.3g}" for g, q in p["implies"].items()) or "nothing else")
            + ")"
            for p in proposals[:5]
        )
        more = f"; and {len(proposals) - 5} more" if len(proposals) > 5 else ""
        rows.append(f"  proposals: {len(proposals)}, {len(held)} held back: {listed}{more}")
    else:
        rows.append("  proposals: none (no council's capacity binds)")
    methods = d.get("methods") or {}
    if methods:
        best = min(methods, key=methods.get)
        mean = sum(methods.values()) / len(methods)
        rows.append(
            f"  methods: labour per unit is {100 * (1 - mean):.1f} % below the old methods on average "
            f"({best}: {100 * (1 - methods[best]):.1f} %)"
        )
    dl = d.get("delegates") or {}
    if dl:
        rows.append(
            f"  delegates: {dl['elected']} elected, {dl['recalled']} recalled, {dl['rotated']} rotated out, "
            f"{dl['moved']} left their assembly"
        )
    return "\n".join([head, *rows])


def _short(variants, k) -> str:
    """A variant as ``[k] 38 h, 12.5 %``."""
    v = variants[k]
    return f"[{k}] {v['hours_per_week']:g} h, {100 * v['investment_share']:.1f} %"


def _robustness(r: dict, variants) -> list[str]:
    """How firm the year's decision was: margin, Condorcet winner, every rule, the direct vote."""
    if r["runner_up"] is None:
        margin = "  margin: one variant on the ballot"
    else:
        margin = (
            f"  margin: {r['margin']:+,.0f} votes ({100 * r['margin_share']:+.1f} % of all) "
            f"head to head against the runner-up, {_short(variants, r['runner_up'])}"
        )
    cw = r["condorcet_winner"]
    condorcet = (
        f"  Condorcet winner: {_short(variants, cw)}"
        if cw is not None
        else "  Condorcet winner: none; Smith set: " + "; ".join(_short(variants, k) for k in r["smith_set"])
    )
    rules = ", ".join(f"{name} [{k}]" for name, k in r["rules"].items())
    differs = [name for name, d in r["differs"].items() if d]
    direct = (
        "the same under every rule"
        if not differs
        else "a different variant under " + ", ".join(f"{n} [{r['direct'][n]}]" for n in differs)
    )
    return [
        margin,
        condorcet,
        f"  every rule: {rules}: {'all agree' if r['agree'] else 'they disagree'}",
        f"  a direct vote of all persons would choose {direct}",
    ]
