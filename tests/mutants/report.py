"""Write the result of ``mutmut run`` into docs/testing.md (called by ``make mutants``).

Reads mutmut's results (through its own functions, as ``mutmut results`` and ``mutmut show``
do; mutmut is pinned in the ``mutation`` extra) and, for every mutant not killed, its change;
looks each change up in ``tests/mutants/reasons.toml`` (keyed by
function and by the changed line, not by mutmut's number, which moves when the code does);
and replaces the part of docs/testing.md between the two ``mutants`` markers with the score,
the date, the command, the counts per module and one line per survivor. Survivors with no
recorded reason are marked so, and the script exits 1 when there are any or when the score is
below the bar, so that a new survivor is looked at.
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import os
import re
import sys
import tomllib
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "testing.md"
REASONS = Path(__file__).with_name("reasons.toml")
BEGIN, END = "<!-- mutants:begin -->", "<!-- mutants:end -->"
BAR = 0.90


def statuses() -> dict[str, str]:
    """Status of every mutant of the mutated files, by name (what ``mutmut results --all true`` prints)."""
    from mutmut.__main__ import SourceFileMutationData, status_by_exit_code, walk_mutatable_files

    out = {}
    for path in walk_mutatable_files():
        data = SourceFileMutationData(path=path)
        data.load()
        out.update({name: status_by_exit_code[code] for name, code in data.exit_code_by_key.items()})
    return out


def change(name: str) -> str:
    """The mutated line(s) as ``old → new``, whitespace collapsed (from the diff ``mutmut show`` prints)."""
    from mutmut.mutation.diff_apply import find_mutant, get_diff_for_mutant

    old, new = [], []
    for line in get_diff_for_mutant(name, path=find_mutant(name).path).splitlines():
        if line.startswith(("---", "+++")):
            continue
        if line.startswith("-"):
            old.append(line[1:].strip())
        elif line.startswith("+"):
            new.append(line[1:].strip())
    return f"{' '.join(old)} → {' '.join(new)}"


def function_of(name: str) -> str:
    return re.sub(r"__mutmut_\d+$", "", name)


def module_of(name: str) -> str:
    return name.split(".x")[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--command", required=True, help="the command that was run, as a person would type it")
    parser.add_argument("--seconds", type=float, required=True, help="wall time of mutmut run")
    parser.add_argument("--children", type=int, required=True)
    args = parser.parse_args()

    os.chdir(ROOT)  # mutmut reads its configuration and results relative to the project root
    status = statuses()
    if not status:
        print("report: no mutmut results found; run `make mutants`", file=sys.stderr)
        return 1
    reasons = tomllib.loads(REASONS.read_text("utf-8"))
    counts = collections.Counter(status.values())
    by_module = collections.defaultdict(collections.Counter)
    for name, s in status.items():
        by_module[module_of(name)][s] += 1

    total = len(status)
    killed = counts["killed"]
    score = killed / total
    lines = [
        BEGIN,
        f"Last run: {dt.date.today().isoformat()}, `{args.command}` "
        f"(mutmut {version('mutmut')}, {args.children} children under `nice -n 19`, "
        f"{args.seconds / 60:.1f} min wall time).",
        "",
        f"**Score: {killed} killed / {total} mutants = {100 * score:.1f} %** "
        f"({counts['survived']} survived, {counts['timeout']} timed out, {counts['no tests']} reached by no test, "
        f"{counts['suspicious']} suspicious).",
        "",
        "| module | mutants | killed | survived | timeout | no tests | score |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for module in sorted(by_module):
        c = by_module[module]
        n = sum(c.values())
        lines.append(
            f"| `{module}` | {n} | {c['killed']} | {c['survived']} | {c['timeout']} | {c['no tests']} "
            f"| {100 * c['killed'] / n:.1f} % |"
        )
    lines += ["", "Mutants not killed, each with why it cannot be caught or why it is equivalent:", ""]

    unexplained = 0
    used = set()
    kinds = collections.Counter()
    for name in sorted(n for n, s in status.items() if s != "killed"):
        text = change(name)
        func = function_of(name)
        reason = reasons.get(func, {}).get(text)
        if reason is None:
            reason = "**no reason recorded** (add one to tests/mutants/reasons.toml, or a test that kills it)"
            unexplained += 1
        else:
            used.add((func, text))
        kinds[reason.split(":")[0]] += 1
        lines.append(f"- `{name}` ({status[name]}): `{text}` — {reason}")
    if not any(s != "killed" for s in status.values()):
        lines.append("- none")
    equivalent = sum(n for kind, n in kinds.items() if kind.startswith("equivalent"))
    lines[5:5] = [
        f"Of the {total - killed} not killed, {equivalent} are equivalent (they compute the same thing), "
        f"{total - killed - equivalent - unexplained} cannot be caught reliably and {unexplained} have no reason "
        f"yet: {killed} of the {total - equivalent} mutants that change what the code computes are killed "
        f"({100 * killed / max(total - equivalent, 1):.1f} %).",
        "",
    ]
    lines.append(END)

    doc = DOC.read_text("utf-8")
    if BEGIN not in doc or END not in doc:
        print(f"report: {DOC} lacks the {BEGIN} … {END} markers", file=sys.stderr)
        return 1
    head, rest = doc.split(BEGIN, 1)
    tail = rest.split(END, 1)[1]
    DOC.write_text(head + "\n".join(lines) + tail, "utf-8")

    stale = [(f, t) for f, texts in reasons.items() for t in texts if (f, t) not in used]
    for f, t in stale:
        print(f"report: reason no longer matches any survivor: [{f}] {t}", file=sys.stderr)
    print(f"mutation score {100 * score:.1f} % ({killed}/{total}); {unexplained} survivor(s) without a reason")
    print(f"wrote {DOC.relative_to(ROOT)}")
    return 1 if unexplained or score < BAR else 0


if __name__ == "__main__":
    sys.exit(main())
