"""Reference numbers for trial sequential analysis (src/stats/tsa.rs).

Independent of the Rust code in method, not only in language:

- the required information size from its closed form with scipy's normal
  quantiles (Wetterslev et al. 2008), inflated by 1/(1 - D^2);
- D^2 = (V_R - V_F) / V_R from the study variances and tau^2
  (Wetterslev et al. 2009);
- the Lan-DeMets O'Brien-Fleming boundaries by the multivariate normal
  distribution of the cumulative z statistics (corr(Z_i, Z_j) =
  sqrt(t_i / t_j), i < j), evaluated with scipy.stats.multivariate_normal
  (Genz's quasi-Monte Carlo integration) and solved look by look with
  brentq; the Rust code uses recursive numerical integration instead.

Run: python3 tsa.py  (writes tsa.json beside this script)
"""

import json
import os

import numpy as np
from scipy import optimize, stats

# Total two-sided alpha spent by information fraction t: alpha/2 on each
# side, each side by the Lan-DeMets O'Brien-Fleming function.
ALPHA_SPENT = lambda t, a: 4 * stats.norm.sf(stats.norm.isf(a / 4) / np.sqrt(t))


def ris(pc, rrr, alpha, beta, d2):
    pe = pc * (1 - rrr)
    pbar = (pc + pe) / 2
    z = stats.norm.isf(alpha / 2) + stats.norm.isf(beta)
    return 4 * z * z * pbar * (1 - pbar) / (pc - pe) ** 2 / (1 - d2)


def p_continue(bounds, t):
    """P(|Z_j| < c_j for every look j so far)."""
    k = len(bounds)
    if k == 0:
        return 1.0
    cov = np.array([[np.sqrt(min(t[i], t[j]) / max(t[i], t[j])) for j in range(k)] for i in range(k)])
    c = np.array(bounds)
    return float(
        stats.multivariate_normal.cdf(
            c, mean=np.zeros(k), cov=cov, lower_limit=-c,
            maxpts=500_000 * k, abseps=1e-8, releps=1e-8, rng=np.random.default_rng(1),
        )
    )


def boundaries(t, alpha):
    out = []
    for k, tk in enumerate(t):
        prev = ALPHA_SPENT(t[k - 1], alpha) if k else 0.0
        target = ALPHA_SPENT(tk, alpha) - prev
        before = p_continue(out, t[:k])
        f = lambda c: before - p_continue(out + [c], t[: k + 1]) - target
        out.append(optimize.brentq(f, 0.5, 15.0, xtol=1e-7))
    return out


def diversity(vi, tau2):
    vi = np.asarray(vi)
    vf = 1 / np.sum(1 / vi)
    vr = 1 / np.sum(1 / (vi + tau2))
    return (vr - vf) / vr


SIZES = [
    (0.30, 0.20, 0.05, 0.20, 0.0),
    (0.35, 0.20, 0.05, 0.10, 0.0),
    (0.309, 0.25, 0.05, 0.20, 0.0),
    (0.40, 0.15, 0.01, 0.10, 0.25),
    (0.10, 0.30, 0.05, 0.20, 0.5),
]
LOOKS = [
    ([1.0], 0.05),
    ([0.25, 0.5, 0.75, 1.0], 0.05),
    ([0.2, 0.6], 0.05),
    ([0.3, 0.45, 0.9], 0.01),
    ([0.1, 0.35, 0.36, 0.8], 0.05),
]
DIVERSITY = [([0.02, 0.05, 0.11], 0.03), ([0.0169, 0.0281], 0.0), ([0.1, 0.1], 0.1)]

out = {
    "information_size": [
        dict(control_risk=pc, rrr=r, alpha=a, beta=b, d2=d, required_information_size=ris(pc, r, a, b, d))
        for pc, r, a, b, d in SIZES
    ],
    "boundaries": [dict(fractions=t, alpha=a, boundaries=boundaries(t, a)) for t, a in LOOKS],
    "diversity": [dict(vi=v, tau2=t, d2=diversity(v, t)) for v, t in DIVERSITY],
}
here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, "tsa.json"), "w") as f:
    json.dump(out, f, indent=1)
    f.write("\n")
