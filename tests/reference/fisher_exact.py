#!/usr/bin/env python3
"""Fisher's exact test counted in whole numbers, for the tables where
floating point cannot be trusted to say which side of 0.05 p is on.

Python integers have no size limit, so each two-sided p here is an exact
fraction: the number of tables (weighted by C(n1, x) * C(n2, m - x)) at most
(1 + 1e-7) times as likely as the observed one, over C(n1 + n2, m). The
1e-7 tolerance is R's and scipy's, compared exactly:
10**7 * h <= (10**7 + 1) * h_observed.

Run from this directory (no packages needed, about 7 s):

    python3 fisher_exact.py

It writes fisher_exact.json, read by `src/stats/tests.rs`:
- "ties": every table with 1 <= n1, n2 <= 40 whose p is exactly 1/20, with
  its fragility or reverse fragility index by brute force on exact p;
- "near": tables of the same sizes whose p is within 1% of 0.05 but not
  equal to it (every 5th of them);
- "large": tables of 50 to 72 patients per arm, where C(n, m) approaches
  the 2**121 the engine counts exactly, and past it.
"""

import json
import os
import random
from fractions import Fraction
from math import comb

HERE = os.path.dirname(os.path.abspath(__file__))
TOL = 10**7


def counts(a, n1, c, n2):
    """(at_most, all, observed) for the table a/n1 against c/n2."""
    m = a + c
    lo, hi = max(0, m - n2), min(m, n1)
    obs = comb(n1, a) * comb(n2, m - a)
    at_most = total = 0
    for x in range(lo, hi + 1):
        h = comb(n1, x) * comb(n2, m - x)
        total += h
        if TOL * h <= (TOL + 1) * obs:
            at_most += h
    return at_most, total, obs


def p_exact(a, n1, c, n2):
    s, t, _ = counts(a, n1, c, n2)
    return Fraction(s, t)


def significant(a, n1, c, n2):
    return p_exact(a, n1, c, n2) < Fraction(1, 20)


def fragility(a, n1, c, n2):
    """The arm with fewer events (both on a tie) gains events until p is no
    longer below 0.05 or its risk reaches the other arm's (the engine's
    definition, see fragility_index in src/stats/fisher.rs)."""
    if not significant(a, n1, c, n2):
        return None
    best = None
    for exp_arm in (True, False):
        mine, mine_n, other, other_n = (a, n1, c, n2) if exp_arm else (c, n2, a, n1)
        if mine > other:
            continue
        was_at_least = mine * other_n >= other * mine_n
        for k in range(1, mine_n - mine + 1):
            crossed = not was_at_least and (mine + k) * other_n >= other * mine_n
            table = (a + k, n1, c, n2) if exp_arm else (a, n1, c + k, n2)
            if crossed or not significant(*table):
                best = k if best is None else min(best, k)
                break
    return best


def reverse_fragility(a, n1, c, n2):
    """The fewest changes in one arm and one direction that make p < 0.05."""
    if significant(a, n1, c, n2):
        return None
    best = None
    for arm, step in (("exp", 1), ("exp", -1), ("ctl", 1), ("ctl", -1)):
        for k in range(1, (n1 if arm == "exp" else n2) + 1):
            aa = a + step * k if arm == "exp" else a
            cc = c + step * k if arm == "ctl" else c
            if not (0 <= aa <= n1 and 0 <= cc <= n2):
                break
            if significant(aa, n1, cc, n2):
                best = k if best is None else min(best, k)
                break
    return best


def row(a, n1, c, n2, indices=False):
    s, t, obs = counts(a, n1, c, n2)
    # Counts as decimal strings: past 2**64 JSON readers differ.
    r = {"a": a, "n1": n1, "c": c, "n2": n2, "at_most": str(s), "all": str(t), "observed": str(obs)}
    r["below_005"] = Fraction(s, t) < Fraction(1, 20)
    if indices:
        r["fragility"] = fragility(a, n1, c, n2)
        r["reverse_fragility"] = reverse_fragility(a, n1, c, n2)
    return r


def main():
    ties, near = [], []
    for n1 in range(1, 41):
        for n2 in range(1, 41):
            for a in range(n1 + 1):
                for c in range(n2 + 1):
                    s, t, _ = counts(a, n1, c, n2)
                    if 20 * s == t:
                        ties.append(row(a, n1, c, n2, indices=True))
                    elif abs(Fraction(20 * s, t) - 1) < Fraction(1, 100):
                        near.append((a, n1, c, n2))
    near = [row(*x, indices=True) for x in near[::5]]
    rng = random.Random(20261202)
    large = []
    for _ in range(40):
        n1, n2 = rng.randint(50, 72), rng.randint(50, 72)
        a, c = rng.randint(0, n1), rng.randint(0, n2)
        large.append(row(a, n1, c, n2))
    out = {"ties": ties, "near": near, "large": large}
    with open(os.path.join(HERE, "fisher_exact.json"), "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    print(f"{len(ties)} ties, {len(near)} near ties, {len(large)} large tables")


if __name__ == "__main__":
    main()
