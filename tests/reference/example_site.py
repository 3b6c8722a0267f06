#!/usr/bin/env python3
"""Independent reference numbers for the example site's JSON twins.

The arm counts below are typed from the seeds (LeoPARDS NEJM 2016 Table 3;
LEVOECMO JAMA 2026 key-results table), keyed by the trial and outcome ids
the example site uses. Every number is computed with scipy / statsmodels,
not with appraise's code. Run from this directory:

    pip install scipy statsmodels numpy
    python3 example_site.py        # writes example_site.json

tests/it/example_site.rs builds content/ and compares each trial's and the
levosimendan topic's index.json with this file (tolerance 1e-4).
"""

import json
import math
import os

import numpy as np
from scipy import optimize, stats
from statsmodels.stats.contingency_tables import Table2x2
from statsmodels.stats.proportion import confint_proportions_2indep

HERE = os.path.dirname(os.path.abspath(__file__))

# (trial, outcome id, events/total experimental, events/total control, events are harmful)
OUTCOMES = [
    ("leopards", "death-28d", 89, 258, 79, 256, True),
    ("leopards", "death-icu", 83, 258, 76, 257, True),
    ("leopards", "death-hospital", 97, 258, 84, 256, True),
    ("levoecmo", "weaning-30d", 69, 101, 71, 104, False),
    ("levoecmo", "death-before-weaning", 15, 101, 12, 104, True),
    ("levoecmo", "weaning-failure", 15, 101, 21, 104, True),
    ("levoecmo", "death-30d", 26, 101, 23, 104, True),
    ("levoecmo", "death-60d", 28, 101, 26, 104, True),
    ("levoecmo", "krt-30d", 29, 101, 38, 104, True),
    ("levoecmo", "mace-60d", 36, 101, 39, 104, True),
    ("levoecmo", "ventricular-arrhythmia", 18, 101, 9, 104, True),
    ("levoecmo", "drug-stopped-adverse-event", 12, 101, 4, 104, True),
]

# The levosimendan topic pools all-cause mortality (28/30 days) by RR.
POOLED = [("leopards", 89, 258, 79, 256), ("levoecmo", 26, 101, 23, 104)]


def fisher_p(a, n1, c, n2):
    return stats.fisher_exact([[a, n1 - a], [c, n2 - c]])[1]


def fragility(a, n1, c, n2):
    """Walsh 2014, by brute force: add events to the arm with fewer events."""
    if fisher_p(a, n1, c, n2) >= 0.05:
        return None
    k = 0
    while fisher_p(a, n1, c, n2) < 0.05:
        if a / n1 < c / n2:
            a += 1
        else:
            c += 1
        k += 1
    return k


def outcome(a, n1, c, n2, harmful):
    t = Table2x2(np.array([[a, n1 - a], [c, n2 - c]]))
    rr_lo, rr_hi = t.riskratio_confint(alpha=0.05, method="normal")
    or_lo, or_hi = t.oddsratio_confint(alpha=0.05, method="normal")
    rd = a / n1 - c / n2
    rd_lo, rd_hi = confint_proportions_2indep(a, n1, c, n2, method="wald", compare="diff")
    benefit = -rd if harmful else rd
    return {
        "RR": [t.riskratio, rr_lo, rr_hi],
        "OR": [t.oddsratio, or_lo, or_hi],
        "RD": [rd, rd_lo, rd_hi],
        "nnt_exact": 1 / abs(rd) if rd != 0 else None,
        "nnt_direction": "benefit" if benefit > 0 else "harm",
        "fisher_p": fisher_p(a, n1, c, n2),
        "chi2_p": stats.chi2_contingency([[a, n1 - a], [c, n2 - c]], correction=False)[1],
        "fragility_index": fragility(a, n1, c, n2),
    }


def mantel_haenszel_rr(rows):
    """Mantel-Haenszel risk ratio with the Greenland & Robins (1985)
    variance of its log, written from the paper's formula (the engine's MH
    RR is also checked against metafor's published BCG result)."""
    r_sum = s_sum = v_num = 0.0
    weights = []
    for a, n1, c, n2 in rows:
        n = n1 + n2
        r_sum += a * n2 / n
        s_sum += c * n1 / n
        v_num += (n1 * n2 * (a + c) - a * c * n) / n ** 2
        weights.append(c * n1 / n)
    rr = r_sum / s_sum
    se = math.sqrt(v_num / (r_sum * s_sum))
    z = stats.norm.isf(0.025)
    lo, hi = math.exp(math.log(rr) - z * se), math.exp(math.log(rr) + z * se)
    p = 2 * stats.norm.sf(abs(math.log(rr) / se))
    return rr, lo, hi, p, [100 * w / sum(weights) for w in weights]


def pooled(rows):
    """The default (cochrane-2025) analysis of 2 trials: the common effect
    (Mantel-Haenszel) leads because tau^2 cannot be estimated from 2 trials;
    the random-effects interval is REML with the modified (ad hoc) HKSJ
    interval, q floored at 1 (metafor test="adhoc")."""
    y = np.array([math.log((a / n1) / (c / n2)) for a, n1, c, n2 in rows])
    v = np.array([1 / a - 1 / n1 + 1 / c - 1 / n2 for a, n1, c, n2 in rows])
    k = len(y)

    def neg_restricted_loglik(tau2):
        w = 1 / (v + tau2)
        mu = np.sum(w * y) / np.sum(w)
        return 0.5 * (np.sum(np.log(v + tau2)) + math.log(np.sum(w)) + np.sum(w * (y - mu) ** 2))

    res = optimize.minimize_scalar(neg_restricted_loglik, bounds=(0, 10), method="bounded", options={"xatol": 1e-12})
    tau2 = max(0.0, res.x) if neg_restricted_loglik(res.x) < neg_restricted_loglik(0.0) else 0.0
    w = 1 / (v + tau2)
    mu = np.sum(w * y) / np.sum(w)
    q_hk = max(1.0, np.sum(w * (y - mu) ** 2) / (k - 1))
    se_hk = math.sqrt(q_hk / np.sum(w))
    tcrit = stats.t.ppf(0.975, k - 1)
    wf = 1 / v
    mu_f = np.sum(wf * y) / np.sum(wf)
    q = float(np.sum(wf * (y - mu_f) ** 2))
    rr, lo, hi, p, weights = mantel_haenszel_rr(rows)
    return {
        "lead": "common-too-few-studies",
        "tau2": tau2,
        "estimate": rr,
        "ci_low": lo,
        "ci_high": hi,
        "p": p,
        "random": [math.exp(mu), math.exp(mu - tcrit * se_hk), math.exp(mu + tcrit * se_hk)],
        "q": q,
        "weights": weights,
        "study_rr": [math.exp(x) for x in y],
    }


def main():
    out = {"outcomes": [], "pooled": {}}
    for trial, oid, a, n1, c, n2, harmful in OUTCOMES:
        r = outcome(a, n1, c, n2, harmful)
        r.update({"trial": trial, "outcome": oid})
        out["outcomes"].append(r)
    out["pooled"]["levosimendan/mortality"] = pooled([r[1:] for r in POOLED])
    with open(os.path.join(HERE, "example_site.json"), "w") as f:
        json.dump(out, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
