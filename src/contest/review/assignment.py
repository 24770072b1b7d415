"""Optimal assignment of judges to entries.

The problem: every entry gets exactly ``k`` judges from its candidates (the judges whose
expertise fits and who have no conflict of interest with it); no judge exceeds their load cap;
loads are as even as the candidates allow; and, within that, the total expertise match is as
high as possible.

Rules and how they are solved:

==========================================  ========  ==============================================
rule                                        kind      how
==========================================  ========  ==============================================
exactly k judges per entry                  hard      flow: entry → sink arcs of capacity k, demand kE
load cap per judge                          hard      flow: source → judge capacity
no conflicted pair                          hard      the pair is not a candidate (no arc)
pinned / already-reviewed pairs kept        hard      flow: arc lower bound 1 (supplies adjusted)
no two judges of one organisation per entry hard      flow: a capacity-1 node per (entry, organisation)
at least one investment judge per entry     hard      flow: arc lower bound via an (entry, investment) node
both of the last two together               hard      CP-SAT (flow cannot keep a unit's kind and
                                                      organisation apart at once)
balanced loads                              soft, 1st convex costs on source → judge arcs: the unit
                                                      above ⌊mean⌋ costs P, above ⌈mean⌉ costs 3P,
                                                      P > the whole score range, so balance dominates
expertise match                             soft, 2nd cost −score on judge → entry arcs
==========================================  ========  ==============================================

The flow is solved exactly (network simplex; ``optimal`` is the solver's certificate). The same
objective as a linear programme is solved in tests with GLOP and must give the same value.
Deterministic: the same input gives the same assignment (arcs are added in input order, and
ties are broken by that order).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
from ortools.graph.python import min_cost_flow

FORCED = 10**7  # cost reward for a pinned / kept pair: always taken when feasible


class AssignmentInfeasible(Exception):
    def __init__(self, message: str, *, entries: list[int] | None = None):
        super().__init__(message)
        self.message = message
        self.entries = entries or []


@dataclass
class Problem:
    n_entries: int
    n_judges: int
    k: int
    cand_entry: np.ndarray  # int, one row per candidate pair (already free of conflicts)
    cand_judge: np.ndarray  # int
    score: np.ndarray  # int ≥ 0: expertise match of the pair
    capacity: np.ndarray  # int per judge: maximum load this round
    forced: np.ndarray | None = None  # bool per candidate: pinned or already reviewed
    judge_org: np.ndarray | None = None  # int per judge (−1: none) for organisation diversity
    judge_is_investor: np.ndarray | None = None  # bool per judge for the investment rule
    distinct_orgs: bool = False
    min_investors: int = 0

    def __post_init__(self):
        self.cand_entry = np.asarray(self.cand_entry, dtype=np.int64)
        self.cand_judge = np.asarray(self.cand_judge, dtype=np.int64)
        self.score = np.asarray(self.score, dtype=np.int64)
        self.capacity = np.asarray(self.capacity, dtype=np.int64)
        if self.forced is not None:
            self.forced = np.asarray(self.forced, dtype=bool)


@dataclass
class Solution:
    pairs: list[tuple[int, int]]  # (entry, judge), sorted
    loads: np.ndarray
    total_score: int
    objective: int  # the solver's optimal cost (balance penalties − scores − forced rewards)
    optimal: bool
    method: str
    seconds: float
    stats: dict = field(default_factory=dict)

    @property
    def min_load(self) -> int:
        return int(self.loads.min()) if len(self.loads) else 0

    @property
    def max_load(self) -> int:
        return int(self.loads.max()) if len(self.loads) else 0


def balance_tiers(problem: Problem) -> tuple[int, int, int]:
    """(⌊mean⌋, ⌈mean⌉, P) of the target load, over judges that have any candidate."""
    active = np.zeros(problem.n_judges, dtype=bool)
    active[problem.cand_judge] = True
    active &= problem.capacity > 0
    n_active = max(int(active.sum()), 1)
    demand = problem.k * problem.n_entries
    low, high = demand // n_active, -(-demand // n_active)
    score_range = int(problem.score.max() - problem.score.min()) if len(problem.score) else 0
    return low, high, score_range + 1


def check_feasible(problem: Problem) -> None:
    counts = np.bincount(problem.cand_entry, minlength=problem.n_entries)
    short = [int(e) for e in np.flatnonzero(counts < problem.k)]
    if short:
        raise AssignmentInfeasible(
            f"{len(short)} 个项目的候选评审少于 {problem.k} 人（已排除回避关系）。", entries=short
        )
    if int(problem.capacity.sum()) < problem.k * problem.n_entries:
        raise AssignmentInfeasible(
            f"评审总容量 {int(problem.capacity.sum())} 小于所需评审次数 {problem.k * problem.n_entries}。"
        )


def solve(problem: Problem) -> Solution:
    check_feasible(problem)
    if problem.distinct_orgs and problem.min_investors:
        return solve_cpsat(problem)
    return solve_flow(problem)


def solve_flow(problem: Problem) -> Solution:
    started = time.perf_counter()
    p = problem
    E, J, k = p.n_entries, p.n_judges, p.k
    low, high, P = balance_tiers(p)
    source, sink = 0, 1
    judge_node = 2 + np.arange(J, dtype=np.int64)
    entry_node = 2 + J + np.arange(E, dtype=np.int64)
    next_node = 2 + J + E

    tails, heads, caps, costs = [], [], [], []

    def arcs(t, h, c, w):
        tails.append(np.asarray(t, dtype=np.int64))
        heads.append(np.asarray(h, dtype=np.int64))
        caps.append(np.asarray(c, dtype=np.int64))
        costs.append(np.asarray(w, dtype=np.int64))

    cap = p.capacity
    t1 = np.minimum(cap, low)
    t2 = np.minimum(cap, high) - t1
    t3 = cap - t1 - t2
    for tier_cap, unit_cost in ((t1, 0), (t2, P), (t3, 3 * P)):
        keep = tier_cap > 0
        arcs(
            np.full(int(keep.sum()), source),
            judge_node[keep],
            tier_cap[keep],
            np.full(int(keep.sum()), unit_cost),
        )

    supplies = np.zeros(next_node, dtype=np.int64)
    pair_cost = -p.score.copy()
    forced = p.forced if p.forced is not None else np.zeros(len(p.score), dtype=bool)
    pair_cost[forced] -= FORCED

    # Where a candidate's unit of flow enters the entry: directly, through a capacity-1
    # (entry, organisation) node, or through an (entry, investment) node with a lower bound.
    target = entry_node[p.cand_entry].copy()
    if p.distinct_orgs and p.judge_org is not None:
        org = p.judge_org[p.cand_judge]
        grouped = org >= 0
        keys = p.cand_entry[grouped] * (int(p.judge_org.max()) + 1) + org[grouped]
        uniq, inverse = np.unique(keys, return_inverse=True)
        group_nodes = next_node + np.arange(len(uniq), dtype=np.int64)
        next_node += len(uniq)
        target[grouped] = group_nodes[inverse]
        group_entry = uniq // (int(p.judge_org.max()) + 1)
        arcs(group_nodes, entry_node[group_entry], np.ones(len(uniq)), np.zeros(len(uniq)))
    elif p.min_investors and p.judge_is_investor is not None:
        inv = p.judge_is_investor[p.cand_judge]
        inv_nodes = next_node + np.arange(E, dtype=np.int64)
        next_node += E
        target[inv] = inv_nodes[p.cand_entry[inv]]
        # (entry, investment) → entry carries ≥ min_investors: pre-send them.
        arcs(inv_nodes, entry_node, np.full(E, k - p.min_investors), np.zeros(E))
        supplies = np.concatenate([supplies, np.zeros(E, dtype=np.int64)])
        supplies[inv_nodes] -= p.min_investors
        supplies[entry_node] += p.min_investors
    supplies = np.concatenate([supplies, np.zeros(next_node - len(supplies), dtype=np.int64)])

    pair_arc_start = sum(len(t) for t in tails)
    arcs(judge_node[p.cand_judge], target, np.ones(len(p.cand_judge)), pair_cost)
    arcs(entry_node, np.full(E, sink), np.full(E, k), np.zeros(E))
    supplies[source] += k * E
    supplies[sink] -= k * E

    solver = min_cost_flow.SimpleMinCostFlow()
    solver.add_arcs_with_capacity_and_unit_cost(
        np.concatenate(tails), np.concatenate(heads), np.concatenate(caps), np.concatenate(costs)
    )
    solver.set_nodes_supplies(np.arange(next_node, dtype=np.int64), supplies)
    built = time.perf_counter()
    status = solver.solve()
    if status != solver.OPTIMAL:
        raise AssignmentInfeasible(_status_message(status, p))
    flows = solver.flows(np.arange(pair_arc_start, pair_arc_start + len(p.cand_judge), dtype=np.int64))
    chosen = np.flatnonzero(flows > 0)
    objective = solver.optimal_cost() + FORCED * int(forced.sum())  # report without the forcing reward
    return _solution(p, chosen, objective=objective, optimal=True, method="min_cost_flow",
                     started=started, stats={"build_seconds": round(built - started, 3), "arcs": solver.num_arcs(),
                                             "nodes": solver.num_nodes()})  # fmt: skip


def _status_message(status, p: Problem) -> str:
    if p.min_investors:
        return f"无法满足约束：部分项目的候选评审中投资类专家少于 {p.min_investors} 人，或容量不足。"
    if p.distinct_orgs:
        return f"无法满足约束：部分项目的候选评审来自不同单位的人数少于 {p.k} 人，或容量不足。"
    return "无法满足约束：候选评审或评审容量不足。"


def _solution(p: Problem, chosen: np.ndarray, *, objective: int, optimal: bool, method: str, started: float,
              stats: dict) -> Solution:  # fmt: skip
    entries, judges = p.cand_entry[chosen], p.cand_judge[chosen]
    order = np.lexsort((judges, entries))
    pairs = [(int(entries[i]), int(judges[i])) for i in order]
    loads = np.bincount(judges, minlength=p.n_judges)
    return Solution(pairs=pairs, loads=loads, total_score=int(p.score[chosen].sum()), objective=int(objective),
                    optimal=optimal, method=method, seconds=time.perf_counter() - started, stats=stats)  # fmt: skip


def solve_cpsat(problem: Problem, *, time_limit: float = 60.0) -> Solution:
    """Organisation diversity and a minimum of investment judges together: CP-SAT, same objective."""
    from ortools.sat.python import cp_model  # noqa: PLC0415 -- CP-SAT is heavy; only rounds with both diversity rules need it

    started = time.perf_counter()
    p = problem
    low, high, P = balance_tiers(p)
    model = cp_model.CpModel()
    x = [model.new_bool_var(f"x{i}") for i in range(len(p.cand_judge))]
    by_entry: dict[int, list[int]] = {}
    by_judge: dict[int, list[int]] = {}
    for i, (e, j) in enumerate(zip(p.cand_entry.tolist(), p.cand_judge.tolist(), strict=True)):
        by_entry.setdefault(e, []).append(i)
        by_judge.setdefault(j, []).append(i)
    for e in range(p.n_entries):
        idx = by_entry.get(e, [])
        model.add(sum(x[i] for i in idx) == p.k)
        if p.min_investors and p.judge_is_investor is not None:
            model.add(sum(x[i] for i in idx if p.judge_is_investor[p.cand_judge[i]]) >= p.min_investors)
        if p.distinct_orgs and p.judge_org is not None:
            per_org: dict[int, list[int]] = {}
            for i in idx:
                o = int(p.judge_org[p.cand_judge[i]])
                if o >= 0:
                    per_org.setdefault(o, []).append(i)
            for members in per_org.values():
                if len(members) > 1:
                    model.add(sum(x[i] for i in members) <= 1)
    penalty_terms = []
    for j in range(p.n_judges):
        idx = by_judge.get(j, [])
        if not idx:
            continue
        load = sum(x[i] for i in idx)
        model.add(load <= int(p.capacity[j]))
        over_low = model.new_int_var(0, int(p.capacity[j]), f"ol{j}")
        over_high = model.new_int_var(0, int(p.capacity[j]), f"oh{j}")
        model.add(over_low >= load - low)
        model.add(over_high >= load - high)
        # tier costs P above ⌊mean⌋ and 3P above ⌈mean⌉ (P + 2P extra), as in the flow
        penalty_terms.append(P * over_low + 2 * P * over_high)
    forced = p.forced if p.forced is not None else np.zeros(len(p.score), dtype=bool)
    for i in np.flatnonzero(forced):
        model.add(x[int(i)] == 1)
    model.minimize(sum(penalty_terms) - sum(int(p.score[i]) * x[i] for i in range(len(x))))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = 2
    solver.parameters.random_seed = 7
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        raise AssignmentInfeasible(_status_message(status, p))
    chosen = np.array([i for i in range(len(x)) if solver.value(x[i])], dtype=np.int64)
    objective = round(solver.objective_value)
    return _solution(p, chosen, objective=objective, optimal=status == cp_model.OPTIMAL, method="cp_sat",
                     started=started, stats={"bound": solver.best_objective_bound})  # fmt: skip


def lp_optimum(problem: Problem) -> float:
    """The same objective as a linear programme (GLOP): the exact bound the flow must meet."""
    from ortools.linear_solver import pywraplp  # noqa: PLC0415 -- GLOP is loaded only by the tests that check the flow

    p = problem
    low, high, P = balance_tiers(p)
    lp = pywraplp.Solver.CreateSolver("GLOP")
    x = [lp.NumVar(0, 1, "") for _ in range(len(p.cand_judge))]
    forced = p.forced if p.forced is not None else np.zeros(len(p.score), dtype=bool)
    for i in np.flatnonzero(forced):
        x[int(i)].SetLb(1)
    for e in range(p.n_entries):
        lp.Add(sum(x[i] for i in np.flatnonzero(p.cand_entry == e)) == p.k)
        if p.min_investors and p.judge_is_investor is not None:
            idx = [i for i in np.flatnonzero(p.cand_entry == e) if p.judge_is_investor[p.cand_judge[i]]]
            lp.Add(sum(x[i] for i in idx) >= p.min_investors)
        if p.distinct_orgs and p.judge_org is not None:
            idx = np.flatnonzero(p.cand_entry == e)
            for o in set(p.judge_org[p.cand_judge[idx]].tolist()) - {-1}:
                lp.Add(sum(x[i] for i in idx if p.judge_org[p.cand_judge[i]] == o) <= 1)
    penalty = []
    for j in range(p.n_judges):
        idx = np.flatnonzero(p.cand_judge == j)
        if not len(idx):
            continue
        load = sum(x[i] for i in idx)
        lp.Add(load <= int(p.capacity[j]))
        ol, oh = lp.NumVar(0, lp.infinity(), ""), lp.NumVar(0, lp.infinity(), "")
        lp.Add(ol >= load - low)
        lp.Add(oh >= load - high)
        penalty.append(P * ol + 2 * P * oh)
    lp.Minimize(sum(penalty) - sum(int(p.score[i]) * x[i] for i in range(len(x))))
    if lp.Solve() != pywraplp.Solver.OPTIMAL:
        raise AssignmentInfeasible("线性规划无可行解。")
    return lp.Objective().Value()
