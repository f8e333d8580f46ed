"""What a run or a sweep will need, estimated before anything is allocated, against what the machine has.

The figures are measured on the default economy (``benchmarks/``, and the calibration
below), rounded up: a person costs about 0.3 kB of arrays with tastes in float32, 0.44 kB in
float64 (:func:`person_bytes`; its Mesa agent, made only when asked for, would add about
0.45 kB), and a week about 0.2 µs of CPU a person at 10⁷ persons (0.35 µs assumed); an
enterprise about 0.3 kB (its council's Mesa agent, its rows and its first group's agent: 10⁷
persons with ``population.councils = "auto"``, 473,026 enterprises, peaked 0.2 GB above the
same persons in 1,000; 1 kB assumed; under ``"auto"`` one per 20.78 persons), a row of the
tidy time series about 80 bytes (200 assumed: writing and drawing hold copies), an
interpreter with NumPy, pandas,
SciPy, Mesa and Matplotlib about 160 MB (300 MB assumed, figures included). Time is only
reported, never a reason to refuse.

Time grows with the economy as well as with the persons and weeks: measured on economies
of 20 to 500 goods (3,000 to 6,000 persons, half a year, on a shared 2-core machine), the
set-up took about 9 ms per good, a week about 50 to 100 ms from 100 goods on (1.5 ms at 20),
and the figures (one panel per consumer good, laid out together, and every good's output)
2.8 s at 17 consumer goods, 17 s at 95, 31 s at 163, 70 s at 236 and 433 s at 395 (the
machine busy): the estimate takes ``2 + 0.08 g + 0.0026 g²`` seconds for ``g`` goods, every
good counted as a consumer good, no less than any of these and at most three times one.
"""

from __future__ import annotations

import ctypes
import math
import os
import resource
import sys
from dataclasses import dataclass
from pathlib import Path

from sim.economics.firm_sizes import MEAN_FIRM_SIZE
from sim.run.record import GOOD_SERIES, WEEK_SERIES
from sim.run.scenario import AUTO, Population, Scenario

#: Bytes per person besides their tastes (consumer arrays, demand temporaries; no Mesa agent, made only on asking).
BYTES_PER_PERSON = 320
#: Each person's tastes, one number a good, count this many times over (held once, and the rows demand forms).
TASTE_COPIES = 1.5
#: Bytes per enterprise (its council's Mesa agent and rows, its first group's agent).
BYTES_PER_ENTERPRISE = 1_000
#: Bytes per row of the tidy time series (``week, good, variable, value``) while it is built and written.
BYTES_PER_ROW = 200
#: Bytes of one interpreter with the model's libraries loaded, figures drawn.
PROCESS_BYTES = 300 * 2**20
#: Bytes per entry of an n × n matrix, over the model's dense copies (A, A + D, estimates, LU, capital).
BYTES_PER_MATRIX_ENTRY = 8 * 40
#: Bytes of a sweep's parent per run it holds (the run's scenario table and its row).
BYTES_PER_SWEEP_RUN = 8_000
#: Seconds: set-up per person and per good, a week per person, a week of the plan and records, and per good.
SECONDS_SETUP_PER_PERSON = 5e-6
SECONDS_SETUP_PER_GOOD = 0.01
SECONDS_PER_PERSON_WEEK = 3.5e-7
SECONDS_PER_WEEK = 2e-3
SECONDS_PER_WEEK_PER_GOOD = 5e-4
#: Seconds to draw a run's figures: ``SECONDS_FIGURES + g × SECONDS_FIGURES_PER_GOOD + g² × SECONDS_FIGURES_PER_GOOD2``.
SECONDS_FIGURES = 2.0
SECONDS_FIGURES_PER_GOOD = 0.08
SECONDS_FIGURES_PER_GOOD2 = 2.6e-3


#: glibc's ``mallopt`` parameters: the most blocks served by mapping memory, the free top kept unreturned.
_M_MMAP_MAX, _M_TRIM_THRESHOLD = -4, -1
#: Bytes: the largest freed block glibc keeps for reuse of its own accord (its largest mapping threshold).
_GLIBC_LARGEST_KEPT = 32 * 2**20


def keep_freed_memory(persons: int) -> bool:
    """Keep the memory a run of ``persons`` frees for its next week, instead of handing it back (glibc).

    A week makes and frees temporaries of one number a person: 80 MB each at 10⁷ persons.
    glibc maps blocks that large afresh each time, and the kernel zeroes every page mapped:
    measured at 10⁷ persons, 1.4 s of system time a week besides 2.1 s of the run's own.
    Served from the heap and kept, they are reused from the second week on (the week's CPU
    time 1.9 s), for about 30 % more peak memory. glibc keeps blocks up to 32 MB of its own
    accord, so this acts only where a number a person is more (above 4 million persons). The
    process's allocator keeps the setting, so only the command line's ``run`` asks for it.
    Does nothing off glibc.

    Parameters
    ----------
    persons : int
        The run's persons.

    Returns
    -------
    bool
        Whether the allocator took the settings.
    """
    if persons * 8 <= _GLIBC_LARGEST_KEPT or not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL("libc.so.6").mallopt
    except (OSError, AttributeError):
        return False
    return bool(mallopt(_M_MMAP_MAX, 0)) and bool(mallopt(_M_TRIM_THRESHOLD, 2**31 - 1))


class BudgetError(ValueError):
    """A valid run or sweep that would not fit the machine; the message says how to shrink it."""


@dataclass(frozen=True)
class Need:
    """An estimate.

    Attributes
    ----------
    memory : int
        Peak memory of one process, bytes.
    seconds : float
        Wall time on one core, seconds.
    """

    memory: int
    seconds: float


def run_need(scenario: Scenario, n_goods: int, figures: bool = True) -> Need:
    """Memory and time of one run of ``scenario`` on an economy of ``n_goods`` goods.

    Parameters
    ----------
    scenario : Scenario
        A validated scenario (its population and horizon count).
    n_goods : int
        Sectors of its economy.
    figures : bool
        Whether the run draws its figures.
    """
    persons, weeks = scenario.population.consumers, scenario.weeks
    rows = weeks * (len(GOOD_SERIES) * n_goods + len(WEEK_SERIES))
    memory = (
        PROCESS_BYTES
        + persons * person_bytes(scenario.population, n_goods)
        + enterprises(scenario.population) * BYTES_PER_ENTERPRISE
        + rows * BYTES_PER_ROW
        + n_goods**2 * BYTES_PER_MATRIX_ENTRY
    )
    setup = persons * SECONDS_SETUP_PER_PERSON + n_goods * SECONDS_SETUP_PER_GOOD
    week = SECONDS_PER_WEEK + persons * SECONDS_PER_PERSON_WEEK + n_goods * SECONDS_PER_WEEK_PER_GOOD
    return Need(int(memory), setup + weeks * week + (figure_seconds(n_goods) if figures else 0.0))


def person_bytes(population: Population, n_goods: int) -> float:
    """Bytes a person costs on an economy of ``n_goods`` goods: arrays, and tastes in ``taste_precision``.

    Measured at 10⁷ persons on the default economy (16 consumer goods), peak less the
    interpreter and the enterprises: 4.4 GB in float64 (keeping what a week frees), 3.0 GB in
    float32; every good is counted as a consumer good.
    """
    itemsize = 4 if population.taste_precision == "float32" else 8
    return BYTES_PER_PERSON + TASTE_COPIES * n_goods * itemsize


def enterprises(population: Population) -> int:
    """Enterprises a population will have: the number set, or under ``"auto"`` its persons over the mean firm size.

    Under ``"auto"`` the communes' members form none, so persons / 20.78
    (:data:`sim.economics.firm_sizes.MEAN_FIRM_SIZE`) is an upper bound.
    """
    if population.councils == AUTO:
        return math.ceil(population.consumers / MEAN_FIRM_SIZE)
    return population.councils


def figure_seconds(n_goods: int) -> float:
    """Seconds to draw a run's figures on an economy of ``n_goods`` goods (every one counted as a consumer good)."""
    return SECONDS_FIGURES + n_goods * SECONDS_FIGURES_PER_GOOD + n_goods**2 * SECONDS_FIGURES_PER_GOOD2


def available_memory() -> int:
    """Bytes this process may still take: the least of the machine's available memory, its cgroup's room and its
    address-space limit (``RLIMIT_AS``) less what it already maps."""
    limits = [_meminfo_available()]
    limits.append(_cgroup_room())
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    if soft != resource.RLIM_INFINITY:
        limits.append(soft - _own_virtual_size())
    return max(0, min(x for x in limits if x is not None))


def check_run(scenario: Scenario, n_goods: int, where: str, figures: bool = True) -> Need:
    """Refuse a run that would not fit in :func:`available_memory`; return its need.

    Raises
    ------
    BudgetError
        Naming the estimate, what is available and how many persons would fit.
    """
    need = run_need(scenario, n_goods, figures)
    free = available_memory()
    if need.memory > free:
        pop = scenario.population
        persons = pop.consumers
        per_person = person_bytes(pop, n_goods) + (BYTES_PER_ENTERPRISE / MEAN_FIRM_SIZE if pop.councils == AUTO else 0)
        room = int((free - (need.memory - persons * per_person)) // per_person)
        shrink = (
            f"lower population.consumers (about {room:,} would fit)"
            if room >= 100
            else f"shorten years (now {scenario.years:g}) or lower population.consumers"
        )
        raise BudgetError(
            f"{where}: population.consumers = {persons} for {scenario.weeks} weeks needs about "
            f"{gigabytes(need.memory)} of memory and {gigabytes(free)} is available: {shrink}"
        )
    return need


def plan_workers(requested: int | None, runs: int, per_worker: int, parent: int) -> int:
    """How many local worker processes a sweep of ``runs`` runs gets.

    Default: one per core, at most one per run, and only as many as fit in memory. An
    explicit ``requested`` above the cores is honoured (up to one per run) only if that many
    fit in memory.

    Parameters
    ----------
    requested : int or None
        ``--workers``, if given.
    runs : int
        Runs to do.
    per_worker : int
        Peak memory of a worker, bytes (its interpreter and its largest run).
    parent : int
        Memory of the sweep's own process, bytes.

    Raises
    ------
    BudgetError
        Not even one worker fits, or the requested number does not.
    """
    free = available_memory() - parent
    fit = max(0, free // per_worker)
    want = min(requested if requested is not None else cores(), max(runs, 1))
    if fit < 1:
        raise BudgetError(
            f"sweep: one worker needs about {gigabytes(per_worker + parent)} of memory with the sweep itself and "
            f"{gigabytes(free + parent)} is available: lower population.consumers or years"
        )
    if requested is not None and want > fit:
        raise BudgetError(
            f"--workers {requested}: {want} workers need about {gigabytes(want * per_worker + parent)} of memory "
            f"and {gigabytes(free + parent)} is available: use --workers {fit} or fewer"
        )
    return min(want, fit)


def cores() -> int:
    """Cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def gigabytes(n: int) -> str:
    """``n`` bytes for a person: ``"1.2 GB"``."""
    return f"{n / 1e9:.3g} GB" if n >= 1e8 else f"{n / 1e6:.3g} MB"


def _meminfo_available() -> int:
    try:
        for line in Path("/proc/meminfo").read_text(encoding="ascii").splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")


def _cgroup_room() -> int | None:
    """Room left under a cgroup (v2) memory limit, or ``None`` if there is none."""
    base = Path("/sys/fs/cgroup")
    try:
        limit = (base / "memory.max").read_text(encoding="ascii").strip()
        if limit == "max":
            return None
        return int(limit) - int((base / "memory.current").read_text(encoding="ascii"))
    except (OSError, ValueError):
        return None


def _own_virtual_size() -> int:
    try:
        for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0
