"""The assignment solver on random instances: exact against the LP, every hard rule kept."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contest.review.assignment import AssignmentInfeasible, Problem, lp_optimum, solve

pytestmark = pytest.mark.unit


def random_problem(seed: int, *, entries=30, judges=12, k=3, per_entry=8, conflict_rate=0.05, cap=None,
                   orgs=0, investors=0.0, distinct=False, min_inv=0, forced=0) -> tuple[Problem, set]:  # fmt: skip
    rng = np.random.default_rng(seed)
    ce, cj, sc, conflicts = [], [], [], set()
    for e in range(entries):
        for j in rng.choice(judges, size=min(per_entry, judges), replace=False):
            if rng.random() < conflict_rate:
                conflicts.add((e, int(j)))  # a conflict of interest: never a candidate
                continue
            ce.append(e)
            cj.append(int(j))
            sc.append(int(rng.integers(0, 101)))
    capacity = np.full(judges, cap or (k * entries // judges + 3))
    judge_org = rng.integers(0, orgs, size=judges) if orgs else None
    investor = rng.random(judges) < investors if investors else None
    forced_mask = np.zeros(len(ce), dtype=bool)
    forced_mask[rng.choice(len(ce), size=forced, replace=False)] = True if forced else forced_mask[:0]
    problem = Problem(entries, judges, k, ce, cj, sc, capacity, forced=forced_mask, judge_org=judge_org,
                      judge_is_investor=investor, distinct_orgs=distinct, min_investors=min_inv)  # fmt: skip
    return problem, conflicts


def assert_hard_rules(problem: Problem, solution, conflicts: set) -> None:
    pairs = solution.pairs
    assert len(pairs) == len(set(pairs))
    assert not set(pairs) & conflicts
    per_entry = np.bincount([e for e, _ in pairs], minlength=problem.n_entries)
    assert per_entry.tolist() == [problem.k] * problem.n_entries
    assert (solution.loads <= problem.capacity).all()
    candidates = set(zip(problem.cand_entry.tolist(), problem.cand_judge.tolist(), strict=True))
    assert set(pairs) <= candidates
    if problem.forced is not None:
        forced = {(int(e), int(j)) for e, j, f in zip(problem.cand_entry, problem.cand_judge, problem.forced,
                                                       strict=True) if f}  # fmt: skip
        assert forced <= set(pairs)
    if problem.distinct_orgs:
        seen = [(e, int(problem.judge_org[j])) for e, j in pairs]
        assert len(seen) == len(set(seen))
    if problem.min_investors:
        inv = np.bincount([e for e, j in pairs if problem.judge_is_investor[j]], minlength=problem.n_entries)
        assert (inv >= problem.min_investors).all()


@settings(max_examples=25, deadline=None, derandomize=True)
@given(st.integers(0, 10**6))
def test_flow_matches_the_lp_optimum_and_keeps_every_hard_rule(seed):
    problem, conflicts = random_problem(seed)
    solution = solve(problem)
    assert solution.method == "min_cost_flow"
    assert solution.optimal
    assert solution.objective == pytest.approx(lp_optimum(problem), abs=1e-6)
    assert_hard_rules(problem, solution, conflicts)


@settings(max_examples=15, deadline=None, derandomize=True)
@given(st.integers(0, 10**6))
def test_flow_with_distinct_organisations_matches_the_lp(seed):
    problem, conflicts = random_problem(seed, orgs=5, distinct=True, per_entry=10)
    try:
        solution = solve(problem)
    except AssignmentInfeasible:
        return
    assert solution.objective == pytest.approx(lp_optimum(problem), abs=1e-6)
    assert_hard_rules(problem, solution, conflicts)


@settings(max_examples=15, deadline=None, derandomize=True)
@given(st.integers(0, 10**6))
def test_flow_with_a_minimum_of_investment_judges_matches_the_lp(seed):
    problem, conflicts = random_problem(seed, investors=0.4, min_inv=1, per_entry=10)
    try:
        solution = solve(problem)
    except AssignmentInfeasible:
        return
    assert solution.objective == pytest.approx(lp_optimum(problem), abs=1e-6)
    assert_hard_rules(problem, solution, conflicts)


def test_both_organisation_and_investment_rules_use_cp_sat_and_reach_the_lp_bound():
    problem, conflicts = random_problem(11, entries=20, judges=10, orgs=6, distinct=True, investors=0.5, min_inv=1,
                                        per_entry=10)  # fmt: skip
    solution = solve(problem)
    assert solution.method == "cp_sat"
    assert solution.optimal
    assert solution.objective >= lp_optimum(problem) - 1e-6
    assert_hard_rules(problem, solution, conflicts)


def test_pinned_pairs_are_always_kept():
    problem, conflicts = random_problem(3, forced=10)
    solution = solve(problem)
    assert_hard_rules(problem, solution, conflicts)
    assert solution.objective == pytest.approx(lp_optimum(problem), abs=1e-6)


def test_loads_are_balanced_when_candidates_allow():
    problem, _ = random_problem(5, entries=40, judges=10, k=3, per_entry=10, cap=30)
    solution = solve(problem)
    assert (solution.min_load, solution.max_load) == (12, 12)


def test_same_input_gives_the_same_assignment():
    problem, _ = random_problem(8)
    assert solve(problem).pairs == solve(random_problem(8)[0]).pairs


def test_an_entry_with_too_few_candidates_is_reported():
    problem = Problem(2, 3, 2, [0, 0, 1], [0, 1, 2], [5, 5, 5], [2, 2, 2])
    with pytest.raises(AssignmentInfeasible) as exc:
        solve(problem)
    assert (exc.value.message, exc.value.entries) == ("1 个项目的候选评审少于 2 人（已排除回避关系）。", [1])


def test_too_little_capacity_is_reported():
    problem = Problem(2, 2, 2, [0, 0, 1, 1], [0, 1, 0, 1], [5, 5, 5, 5], [1, 1])
    with pytest.raises(AssignmentInfeasible, match="评审总容量 2 小于所需评审次数 4。"):
        solve(problem)
