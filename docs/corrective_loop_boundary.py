"""Draw docs/corrective_loop_boundary.png: where the one-good corrective loop is stable (docs/corrective_loop.md).

Run once from the repository's root: ``.venv/bin/python docs/corrective_loop_boundary.py``.
It prints the table of critical price responses that the page quotes.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from sim.economics import corrective_loop

#: Other use as a share of households' demand: public bodies' 15 % of the net product against households' 70 %.
OTHER_USE = 0.15 / 0.70
#: (reserve weeks R, demand smoothing λ); the first is the scenarios' default.
CASES = ((4.0, 0.5), (4.0, 0.25), (4.0, 1.0), (2.0, 0.5), (8.0, 0.5))
#: The rebuild horizons of the table, weeks.
TABLE_REBUILD = (1, 1.5, 2, 3, 4, 6, 8, 12, 16)
#: The grid of tests/test_corrective_loop.py.
TEST_RESPONSES = (0.5, 1.0, 2.0, 3.0, 4.0, 6.0)
TEST_REBUILD = (1.0, 2.0, 4.0, 8.0, 16.0)
#: The baseline's rebuild horizon and reserve (scenarios/baseline.toml), for the right-hand panel.
BASELINE_REBUILD, BASELINE_RESERVE, BASELINE_SMOOTHING = 6.0, 4.0, 0.5

OUT = Path(__file__).with_suffix(".png")


def main():
    rebuild = np.geomspace(1.0, 32.0, 80)
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.4))
    for k, (reserve, smoothing) in enumerate(CASES):
        critical = [corrective_loop.critical_response(t, smoothing, reserve, OTHER_USE) for t in rebuild]
        label = f"R = {reserve:g} weeks, λ = {smoothing:g}" + (" (default)" if k == 0 else "")
        left.plot(critical, rebuild, lw=2.2 if k == 0 else 1.2, label=label)
        if k == 0:
            left.fill_betweenx(rebuild, 0.1, critical, color="C0", alpha=0.08)
        row = [corrective_loop.critical_response(t, smoothing, reserve, OTHER_USE) for t in TABLE_REBUILD]
        print(f"| {reserve:g} | {smoothing:g} | " + " | ".join(f"{r:.2f}" for r in row) + " |")
    reserve, smoothing = CASES[0]
    for t in TEST_REBUILD:
        for r in TEST_RESPONSES:
            stable = corrective_loop.spectral_radius(corrective_loop.jacobian(r, t, smoothing, reserve, OTHER_USE)) < 1
            left.plot(r, t, "o" if stable else "x", color="k", ms=5, mfc="none")
    left.set(
        xscale="log",
        yscale="log",
        xlim=(0.1, 20),
        ylim=(0.9, 150),
        xlabel="price response r",
        ylabel="rebuild horizon τ, weeks",
        title=f"ρ(J) = 1: stable to the left (ω = {OTHER_USE:.2f})\n○ ρ < 1, × ρ > 1 on the test's grid (default R, λ)",
    )
    left.legend(fontsize=7, loc="upper center", ncol=2)

    responses = np.linspace(0.0, 3.5, 141)
    eigenvalues = [
        corrective_loop.dominant_eigenvalue(
            corrective_loop.jacobian(r, BASELINE_REBUILD, BASELINE_SMOOTHING, BASELINE_RESERVE, OTHER_USE)
        )
        for r in responses
    ]
    right.plot(responses, [abs(mu) for mu in eigenvalues], color="C0", label="ρ(J) = |μ|, factor per week")
    right.axhline(1.0, color="k", lw=0.6)
    right.set(xlabel="price response r", ylabel="|μ| of the dominant eigenvalue", ylim=(0.8, 1.05))
    period = right.twinx()
    period.plot(
        responses,
        [corrective_loop.period(mu) for mu in eigenvalues],
        color="C3",
        ls="--",
        label="period 2π/|arg μ|, weeks",
    )
    period.set(ylabel="period, weeks (∞: no oscillation)", ylim=(0, 8))
    right.set_title(
        f"the slowest mode at τ = {BASELINE_REBUILD:g}, R = {BASELINE_RESERVE:g}, λ = {BASELINE_SMOOTHING:g} (baseline)"
    )
    right.legend(loc="lower left", fontsize=8)
    period.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    fig.savefig(OUT, dpi=120)
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
