"""Write the result of one part of ``make mutants`` into docs/testing.md (called by ``make mutants``).

Reads the results ``mutmut run`` left in a part's directory (through mutmut's own functions,
as ``mutmut results`` and ``mutmut show`` do; mutmut is pinned in the ``mutation`` extra): the
status of every mutant and, for every mutant not killed, its change. Keeps them, with the date,
the command and the wall time, as that part's entry of ``tests/mutants/last_run.json``, so
that a part can be run again alone. Then replaces the part of docs/testing.md between the two
``mutants`` markers with what every part's last run found: the score over all of them, the
counts per part and per module, and one line per mutant not killed with the reason recorded
for it in ``tests/mutants/reasons.toml`` (keyed by function and by the changed line, not by
mutmut's number, which moves when the code does). Survivors with no recorded reason are
marked so, and the script exits 1 when there are any or when a part's score or the overall
score is below the bar, so that a new survivor is looked at. A mutant that makes a test run
forever (a timeout) counts as caught, as mutmut counts it: the suite would not finish.

With ``--rerun``, the directory holds survivors of the part's last run that were run again by
name (``mutmut run NAME…``) after tests were written for them, on the same code: their new
status replaces the recorded one, and the rest of the record stays (a mutant killed before
stays killed, as tests were only added). A mutant that is not a recorded survivor, or whose
change is not the recorded one (the code moved), is refused: run the whole part again.
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import json
import os
import re
import sys
import tomllib
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "testing.md"
REASONS = Path(__file__).with_name("reasons.toml")
LAST_RUN = Path(__file__).with_name("last_run.json")
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


def read_part(directory: Path) -> dict:
    """What ``mutmut run`` found in ``directory``: counts per module and status, and the mutants not killed."""
    here = Path.cwd()
    os.chdir(directory)  # mutmut reads its configuration and results relative to where it ran
    try:
        status = statuses()
        survivors = {name: {"status": s, "change": change(name)} for name, s in status.items() if s != "killed"}
    finally:
        os.chdir(here)
    modules = collections.defaultdict(collections.Counter)
    for name, s in status.items():
        modules[module_of(name)][s] += 1
    return {"modules": {m: dict(c) for m, c in sorted(modules.items())}, "not_killed": dict(sorted(survivors.items()))}


def read_rerun(directory: Path) -> dict:
    """The mutants ``mutmut run NAME…`` ran in ``directory`` (the others are not checked), with status and change."""
    here = Path.cwd()
    os.chdir(directory)
    try:
        run = {name: s for name, s in statuses().items() if s != "not checked"}
        return {name: {"status": s, "change": change(name)} for name, s in sorted(run.items())}
    finally:
        os.chdir(here)


def rerun_into(part: dict, rerun: dict) -> int:
    """Survivors run again by name (``read_rerun``) into ``part``'s record; returns how many are now caught.

    Raises SystemExit if one of them is not a survivor the record holds with the same change.
    """
    for name, mutant in rerun.items():
        old = part["not_killed"].get(name)
        if old is None or old["change"] != mutant["change"]:
            raise SystemExit(f"report: {name} is not a survivor of the part's last run on this code; run it again")
        counts = part["modules"][module_of(name)]
        counts[old["status"]] -= 1
        counts[mutant["status"]] = counts.get(mutant["status"], 0) + 1
        part["modules"][module_of(name)] = {s: n for s, n in counts.items() if n}
        if mutant["status"] == "killed":
            del part["not_killed"][name]
        else:
            part["not_killed"][name] = mutant
    return sum(detected({m["status"]: 1}) for m in rerun.values())


def detected(counts) -> int:
    """Mutants the tests catch: those they fail on, and those that make them run forever (as mutmut counts)."""
    return counts.get("killed", 0) + counts.get("timeout", 0)


def section(parts: dict, reasons: dict) -> tuple[list[str], int, list[str]]:
    """The lines between the markers, the number of survivors without a reason, and the parts below the bar."""
    totals = collections.Counter()
    per_part = {}
    for name, part in parts.items():
        counts = collections.Counter()
        for c in part["modules"].values():
            counts.update(c)
        per_part[name] = counts
        totals.update(counts)
    total, caught = sum(totals.values()), detected(totals)
    lines = [
        BEGIN,
        f"**Score: {caught} caught / {total} mutants = {100 * caught / total:.1f} %** over all parts "
        f"({totals['killed']} killed, {totals['timeout']} timed out: a test that never ends fails the suite).",
        "",
    ]
    lines += ["| part | last run | wall time | mutants | caught | score |", "|---|---|---:|---:|---:|---:|"]
    low = []
    for name, part in parts.items():
        c = per_part[name]
        n = sum(c.values())
        score = detected(c) / n
        if score < BAR:
            low.append(name)
        reruns = part.get("reruns", [])
        again = "".join(
            f"; {r['mutants']} of its survivors run again by name on {r['date']} after tests were added "
            f"({r['caught']} caught)"
            for r in reruns
        )
        seconds = part["seconds"] + sum(r["seconds"] for r in reruns)
        lines.append(
            f"| `{name}` | {part['date']}, `{part['command']}` (mutmut {part['mutmut']}, {part['children']} children "
            f"under `nice -n 19`){again} | {seconds / 60:.1f} min | {n} | {detected(c)} | {100 * score:.1f} % |"
        )
    lines += [
        "",
        "| module | part | mutants | killed | timeout | survived | no tests | score |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, part in parts.items():
        for module, c in part["modules"].items():
            n = sum(c.values())
            lines.append(
                f"| `{module}` | {name} | {n} | {c.get('killed', 0)} | {c.get('timeout', 0)} | {c.get('survived', 0)} "
                f"| {c.get('no tests', 0)} | {100 * detected(c) / n:.1f} % |"
            )
    lines += ["", "Mutants not caught, each with why it cannot be caught or why it is equivalent:", ""]
    unexplained = 0
    kinds = collections.Counter()
    for part in parts.values():
        for name, mutant in part["not_killed"].items():
            if mutant["status"] == "timeout":
                continue
            reason = reasons.get(function_of(name), {}).get(mutant["change"])
            if reason is None:
                reason = "**no reason recorded** (add one to tests/mutants/reasons.toml, or a test that kills it)"
                unexplained += 1
            kinds[reason.split(":")[0]] += 1
            lines.append(f"- `{name}` ({mutant['status']}): `{mutant['change']}` — {reason}")
    if total == caught:
        lines.append("- none")
    equivalent = sum(n for kind, n in kinds.items() if kind.startswith("equivalent"))
    lines[2:2] = [
        f"Of the {total - caught} not caught, {equivalent} are equivalent (they compute the same thing), "
        f"{total - caught - equivalent - unexplained} cannot be caught reliably and {unexplained} have no reason "
        f"yet: {caught} of the {total - equivalent} mutants that change what the code computes are caught "
        f"({100 * caught / max(total - equivalent, 1):.1f} %).",
        "",
    ]
    if caught / total < BAR:
        low.append("all parts")
    lines.append(END)
    return lines, unexplained, low


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        epilog="Without --part, only rewrites docs/testing.md from last_run.json and reasons.toml "
        "(after a reason is added, say).",
    )
    parser.add_argument("--part", help="the part's name, as in [tool.mutmut.parts]")
    parser.add_argument("--dir", type=Path, help="where mutmut ran that part")
    parser.add_argument("--command", help="the command that was run, as a person would type it")
    parser.add_argument("--seconds", type=float, help="wall time of mutmut run")
    parser.add_argument("--children", type=int)
    parser.add_argument("--rerun", action="store_true", help="--dir holds survivors run again by name (see above)")
    args = parser.parse_args()

    parts = json.loads(LAST_RUN.read_text("utf-8")) if LAST_RUN.exists() else {}
    if args.rerun:
        if args.part not in parts or None in (args.dir, args.command, args.seconds):
            parser.error("--rerun needs a --part already recorded, --dir, --command and --seconds")
        rerun = read_rerun(args.dir.resolve())
        if not rerun:
            print(f"report: no mutant was run in {args.dir}", file=sys.stderr)
            return 1
        caught = rerun_into(parts[args.part], rerun)
        parts[args.part].setdefault("reruns", []).append(
            {
                "date": dt.date.today().isoformat(),
                "command": args.command,
                "seconds": args.seconds,
                "mutants": len(rerun),
                "caught": caught,
            }
        )
        LAST_RUN.write_text(json.dumps(parts, indent=1, ensure_ascii=False) + "\n", "utf-8")
    elif args.part is not None:
        if None in (args.dir, args.command, args.seconds, args.children):
            parser.error("--part needs --dir, --command, --seconds and --children")
        part = read_part(args.dir.resolve())
        if not part["modules"]:
            print(f"report: no mutmut results found in {args.dir}; run `make mutants`", file=sys.stderr)
            return 1
        part.update(
            date=dt.date.today().isoformat(),
            command=args.command,
            seconds=args.seconds,
            children=args.children,
            mutmut=version("mutmut"),
        )
        known = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["mutmut"]["parts"]
        parts[args.part] = part
        parts = {name: parts[name] for name in known if name in parts}  # in the order of pyproject.toml; none stale
        LAST_RUN.write_text(json.dumps(parts, indent=1, ensure_ascii=False) + "\n", "utf-8")
    elif not parts:
        print(f"report: {LAST_RUN} holds no part yet; run `make mutants`", file=sys.stderr)
        return 1

    reasons = tomllib.loads(REASONS.read_text("utf-8"))
    lines, unexplained, low = section(parts, reasons)
    doc = DOC.read_text("utf-8")
    if BEGIN not in doc or END not in doc:
        print(f"report: {DOC} lacks the {BEGIN} … {END} markers", file=sys.stderr)
        return 1
    head, rest = doc.split(BEGIN, 1)
    tail = rest.split(END, 1)[1]
    DOC.write_text(head + "\n".join(lines) + tail, "utf-8")

    used = {
        (function_of(n), m["change"])
        for p in parts.values()
        for n, m in p["not_killed"].items()
        if m["status"] != "timeout"
    }
    for f, texts in reasons.items():
        for t in texts:
            if (f, t) not in used:
                print(f"report: reason no longer matches any survivor: [{f}] {t}", file=sys.stderr)
    for name, each in parts.items():
        if args.part in (None, name):
            c = collections.Counter()
            for module in each["modules"].values():
                c.update(module)
            n = sum(c.values())
            print(f"part {name}: mutation score {100 * detected(c) / n:.1f} % ({detected(c)}/{n} caught)")
    below = ", ".join(low) or "none"
    print(f"{unexplained} survivor(s) without a reason over all parts; below {100 * BAR:.0f} %: {below}")
    print(f"wrote {DOC.relative_to(ROOT)} and {LAST_RUN.relative_to(ROOT)}")
    return 1 if unexplained or low else 0


if __name__ == "__main__":
    sys.exit(main())
