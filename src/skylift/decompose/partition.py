"""Cut the weighted graph into services (networkx Louvain), then give each table one owner.

Criterion for the number of services when ``k`` is not given: the Louvain
partition of highest modularity (resolution 1, fixed seed, so runs repeat).
With ``k``: while too few, the largest service that has community structure
of its own (Louvain on its subgraph finds more than one community) is split
into those communities, else the largest is cut in halves (Kernighan–Lin);
then, while too many, the smallest joins the service it is most tied to
(w_ij / (N_i N_j)).
Units with no tie join the service holding most of their package; those
with no package peer in any service form one service of their own.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import networkx as nx

    from skylift.decompose.model import Unit

SEED = 7


def graph(names: list[str], weights: dict[tuple[str, str], float]) -> nx.Graph[str]:
    """Undirected weighted graph over every unit (pairs keyed a < b)."""
    import networkx as nx

    g: nx.Graph[str] = nx.Graph()
    g.add_nodes_from(names)
    g.add_weighted_edges_from((a, b, w) for (a, b), w in weights.items() if w > 0)
    return g


def partition(g: nx.Graph[str], k: int | None) -> dict[str, int]:
    """Unit -> service number 0..K-1 (numbered by size, largest first)."""
    import networkx as nx

    connected = _induced(g, [n for n in g if g.degree(n) > 0])
    groups = [set(c) for c in nx.community.louvain_communities(connected, seed=SEED)]
    groups = groups or [set(g.nodes)]
    _attach_isolated(g, groups)
    if k is not None:
        groups = _to_k(g, groups, k)
    groups.sort(key=lambda c: (-len(c), min(c)))
    return {n: i for i, c in enumerate(groups) for n in sorted(c)}


def _induced(g: nx.Graph[str], nodes: Iterable[str]) -> nx.Graph[str]:
    """A copy of the subgraph on ``nodes`` in sorted order: networkx's subgraph views iterate
    a set, whose order changes with the string hash seed, and Louvain follows that order."""
    import networkx as nx

    keep = set(nodes)
    sub: nx.Graph[str] = nx.Graph()
    sub.add_nodes_from(sorted(keep))
    sub.add_weighted_edges_from(
        sorted((min(a, b), max(a, b), w) for a, b, w in g.edges(keep, data="weight", default=1.0)
               if a in keep and b in keep)
    )  # fmt: skip
    return sub


def _attach_isolated(g: nx.Graph[str], groups: list[set[str]]) -> None:
    placed = set().union(*groups)
    by_package: dict[str, Counter[int]] = {}
    for i, c in enumerate(groups):
        for m in c:
            by_package.setdefault(m.rsplit(".", 1)[0], Counter())[i] += 1
    untied: set[str] = set()  # no tie and no package peer: gathered in one service of their own
    for n in sorted(set(g) - placed):
        votes = by_package.get(n.rsplit(".", 1)[0]) if "." in n else None
        if votes:
            groups[votes.most_common(1)[0][0]].add(n)
        else:
            untied.add(n)
    if untied:
        groups.append(untied)


def _to_k(g: nx.Graph[str], groups: list[set[str]], k: int) -> list[set[str]]:
    import networkx as nx

    k = max(1, min(k, g.number_of_nodes()))
    while len(groups) < k:  # split along community structure where a service has some
        groups.sort(key=lambda c: (-len(c), min(c)))
        for i, c in enumerate(groups):
            found = [set(x) for x in nx.community.louvain_communities(_induced(g, c), seed=SEED)]
            if len(found) > 1:
                groups[i : i + 1] = found
                break
        else:  # none has: the largest is cut in two halves (Kernighan–Lin)
            if len(groups[0]) < 2:
                break
            halves = nx.community.kernighan_lin_bisection(_induced(g, groups[0]), seed=SEED)
            groups[0:1] = [set(h) for h in halves]
    while len(groups) > k:
        where = {n: i for i, c in enumerate(groups) for n in c}
        ties: dict[tuple[int, int], float] = {}
        for a, b, w in g.edges(data="weight", default=1.0):
            i, j = sorted((where[a], where[b]))
            if i != j:
                ties[(i, j)] = ties.get((i, j), 0.0) + w / (len(groups[i]) * len(groups[j]))
        small = min(range(len(groups)), key=lambda x: (len(groups[x]), x))
        mine = {p: w for p, w in ties.items() if small in p}
        if mine:  # the smallest service joins the one it is most tied to (per class pair)
            i, j = max(mine, key=lambda p: (mine[p], -p[0], -p[1]))
        else:  # no ties: the two smallest merge
            i, j = sorted(sorted(range(len(groups)), key=lambda x: (len(groups[x]), x))[:2])
        groups[i] |= groups.pop(j)
    return groups


def assign_tables(parts: dict[str, int], units: dict[str, Unit]) -> dict[str, int]:
    """Table -> owning service: where most of its users are; its entity class moves there.

    Mutates ``parts``: an entity/model class whose table's users sit mostly in
    another service is moved to that service (the "one owner per table" rule,
    kept where the users agree; ties stay with the entity's service).
    """
    users: dict[str, Counter[int]] = {}
    for name, unit in units.items():
        for table in unit.tables:
            users.setdefault(table, Counter())[parts[name]] += 1
    entity_of = {u.owns_table: n for n, u in units.items() if u.owns_table}
    owner: dict[str, int] = {}
    for table, votes in sorted(users.items()):
        entity = entity_of.get(table)
        here = parts[entity] if entity else None
        best, count = votes.most_common(1)[0]
        owner[table] = here if here is not None and votes[here] == count else best
        if entity is not None and len(set(parts.values())) > 1:
            rest = Counter(parts.values())
            if rest[parts[entity]] > 1:  # never empty a service
                parts[entity] = owner[table]
    return owner


def table_owners(parts: dict[str, int], units: dict[str, Unit]) -> dict[str, int]:
    """Table -> owning service without moving anything: its entity's service, else where
    most of its users are (ties: the lowest service number)."""
    users: dict[str, Counter[int]] = {}
    for name, unit in units.items():
        for table in unit.tables:
            users.setdefault(table, Counter())[parts[name]] += 1
    entity_of = {u.owns_table: n for n, u in units.items() if u.owns_table}
    return {
        t: parts[entity_of[t]] if t in entity_of else max(v, key=lambda p: (v[p], -p))
        for t, v in sorted(users.items())
    }
