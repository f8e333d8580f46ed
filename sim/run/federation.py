"""The federation of assemblies as a graph, and the delegates who answer to those who sent them (seed §5).

Persons → primary work groups → the enterprise's General Assembly and council → the
Central Assembly of Delegates, and the rural communes' assemblies beside the enterprises.
The assemblies and groups are nodes of a ``networkx`` graph, edges point the way votes
and delegations travel; which person is in which group stays in the persons' arrays
(``Consumers.group``, ``Consumers.commune``), which change every month. A
:class:`Federation` keeps what the graph is made of as its assemblies met, and makes the
graph when it is first read: at national proportions (``population.councils = "auto"``, 10⁷
persons) it has about a million nodes, some 10 s and a gigabyte that a run that never
looks at it does not pay.

Delegates: each assembly elects one delegate to its council per ``WORKERS_PER_DELEGATE``
members (at least one), and sends delegates to the Central Assembly, one each plus
``central_seats`` shared by members (largest remainder). A delegate is elected from the
members whose favourite variant is the assembly's choice, serves ``delegate_years``, and
is recalled as soon as their assembly's majority disagrees with what they supported: where
the Central Assembly's result differs from their assembly's choice, a delegate who
prefers the result supported it, against the mandate.
"""

from __future__ import annotations

import functools

import networkx as nx
import numpy as np

from agents.factory_council import WORKERS_PER_DELEGATE
from sim.economics.ordering import stable_order
from sim.economics.production import largest_remainder

CENTRAL = "Central Assembly"


def assembly_of(group, commune, group_council, councils: int) -> np.ndarray:
    """Each person's General Assembly: their enterprise (0 … councils − 1), or ``councils + commune``."""
    out = np.where(commune >= 0, councils + commune, 0)
    workers = group >= 0
    out[workers] = group_council[group[workers]]
    return out


def assembly_names(councils: int, communes: int) -> list[str]:
    """``council 0`` … then ``commune 0`` …: the graph's names of the General Assemblies."""
    return [f"council {k}" for k in range(councils)] + [f"commune {k}" for k in range(communes)]


def federation_graph(group_council, members, councils: int, communes: int) -> nx.DiGraph:
    """The federation: groups → assemblies → the Central Assembly, with members and delegates on the nodes.

    Parameters
    ----------
    group_council : numpy.ndarray of int, shape (M,)
        The enterprise of each primary work group.
    members : numpy.ndarray of int, shape (councils + communes,)
        Persons in each General Assembly.
    """
    graph = nx.DiGraph()
    graph.add_node(CENTRAL, kind="central")
    names = assembly_names(councils, communes)
    for a, name in enumerate(names):
        kind = "council" if a < councils else "commune"
        graph.add_node(
            name, kind=kind, members=int(members[a]), delegates=max(1, round(members[a] / WORKERS_PER_DELEGATE))
        )
        graph.add_edge(name, CENTRAL)
    for g, council in enumerate(group_council):
        graph.add_node(f"group {g}", kind="group")
        graph.add_edge(f"group {g}", names[council])
    return graph


class Federation:
    """The federation as its assemblies met: the groups' enterprises and the assemblies' members; the graph on asking.

    Parameters
    ----------
    group_council : numpy.ndarray of int, shape (M,)
        The enterprise of each primary work group (copied: groups formed later are not on it).
    members : numpy.ndarray of int, shape (councils + communes,)
        Persons in each General Assembly.
    councils, communes : int
        Enterprises and communes.
    """

    def __init__(self, group_council, members, councils: int, communes: int):
        self.group_council = np.array(group_council)
        self.members = np.asarray(members)
        self.councils, self.communes = councils, communes

    @functools.cached_property
    def graph(self) -> nx.DiGraph:
        """The federation as a graph (:func:`federation_graph`), made the first time it is read."""
        return federation_graph(self.group_council, self.members, self.councils, self.communes)


class Delegates:
    """The Central Assembly's delegates: who they are, whom they answer to, since when, what they supported.

    Parameters
    ----------
    members : numpy.ndarray of int, shape (A,)
        Persons in each assembly.
    seats : int
        Seats shared by members, beside one per assembly.
    """

    def __init__(self, members, seats: int):
        per_assembly = 1 + largest_remainder(np.asarray(members, dtype=float), seats)
        self.assembly = np.repeat(np.arange(len(members)), per_assembly)  # the assembly each delegate answers to
        self.person = np.full(self.assembly.size, -1)  # the person who is the delegate (−1: none yet)
        self.elected_year = np.zeros(self.assembly.size, dtype=int)
        self.supported = np.full(self.assembly.size, -1)  # the variant the delegate spoke for at the last vote

    def answer(self, person_assembly, utility, choice, result: int, year: int, term: int, rng) -> dict:
        """After a vote: recall, rotate and replace; return the counts.

        A delegate who supported the Central Assembly's result against their assembly's
        choice (they prefer it to the choice) is recalled; one
        who has served ``term`` years rotates out; one who left the assembly is replaced. Each
        new delegate is drawn from the members whose favourite is the assembly's choice (any
        member if none). Seats are apportioned once, to the members at the start.

        Parameters
        ----------
        person_assembly : numpy.ndarray of int, shape (N,)
        utility : numpy.ndarray, shape (N, V)
            Each person's utility of each variant on the ballot.
        choice : numpy.ndarray of int, shape (A,)
            Each assembly's majority choice.
        result : int
            The Central Assembly's result.
        year, term : int
        rng : numpy.random.Generator

        Returns
        -------
        dict
            ``recalled``, ``rotated``, ``moved`` (delegates who left their assembly), ``elected``
            (seats filled: an assembly with no members elects nobody).
        """
        seated = self.person >= 0
        who = np.maximum(self.person, 0)
        moved = seated & (person_assembly[who] != self.assembly)
        mandate = choice[self.assembly]
        against = utility[who, result] > utility[who, mandate]
        self.supported = np.where(seated, np.where(against, result, mandate), -1)
        favourite = np.argmax(utility, axis=1)
        recalled = seated & ~moved & (self.supported != choice[self.assembly])
        rotated = seated & ~moved & ~recalled & (year - self.elected_year >= term)
        vacant = ~seated | moved | recalled | rotated
        # Each assembly's members, those whose favourite is its choice first, each kind by row:
        # the pool a new delegate is drawn from is the first kind, or all if it is empty.
        kind = 2 * person_assembly + (favourite != choice[person_assembly])
        order = stable_order(kind, 2 * choice.size)
        count = np.bincount(kind, minlength=2 * choice.size)
        start = (np.cumsum(count) - count)[0::2]
        pool = np.where(count[0::2] > 0, count[0::2], count[1::2])
        seats = np.flatnonzero(vacant)
        filled = seats[pool[self.assembly[seats]] > 0]
        self.person[seats] = -1
        a = self.assembly[filled]
        self.person[filled] = order[start[a] + rng.integers(0, pool[a])]  # as rng.choice(pool), seat by seat
        self.elected_year[seats] = year
        return {
            "recalled": int(recalled.sum()),
            "rotated": int(rotated.sum()),
            "moved": int(moved.sum()),
            "elected": int((vacant & (self.person >= 0)).sum()),
        }
