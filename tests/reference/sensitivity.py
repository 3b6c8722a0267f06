#!/usr/bin/env python3
"""Independent reference numbers for the sensitivity analyses of a pooled
analysis (src/stats/sensitivity.rs): leave-one-out, common vs random
effects, and the test for subgroup differences.

The pooled numbers come from statsmodels `combine_effects` (common effect,
DerSimonian-Laird and Paule-Mandel tau^2, Wald and HKSJ intervals), from
an REML tau^2 found by direct numerical maximisation of the restricted
likelihood (make_reference.reml_tau2, scipy), and, for single 2x2 tables,
from statsmodels `Table2x2`. The subgroup Q is formed here in numpy from
the statsmodels subgroup results; for the common effect it is also checked
against the identity Q_between = Q_total - sum(Q_within).

Run from this directory:

    python3 sensitivity.py

It writes sensitivity.json beside this script.
"""

import json
import math
import os

import numpy as np
from scipy import stats
from statsmodels.stats.contingency_tables import StratifiedTable, Table2x2
from statsmodels.stats.meta_analysis import combine_effects

from make_reference import BCG, Z, reml_tau2

HERE = os.path.dirname(os.path.abspath(__file__))

# Publication years of the BCG trials, in the order of make_reference.BCG
# (metafor dat.bcg; also in bcg.json).
BCG_YEARS = [1948, 1949, 1960, 1977, 1973, 1953, 1973, 1980, 1968, 1961, 1974, 1969, 1976]

# LeoPARDS (2016) and LEVOECMO mortality at 28-30 days as the levosimendan
# topic pools them: (events, total) levosimendan, then placebo.
LEVO = [("leopards", 89, 258, 79, 256), ("levoecmo", 26, 101, 23, 104)]


def log_rr(a, n1, c, n2):
    t = Table2x2(np.array([[a, n1 - a], [c, n2 - c]], dtype=float))
    return float(t.log_riskratio), float(t.log_riskratio_se) ** 2


def est(mu, se, crit):
    """[estimate, ci_low, ci_high] on the analysis scale."""
    return [float(mu), float(mu - crit * se), float(mu + crit * se)]


def statsmodels_pool(y, v, method):
    """Common effect, random effects (Wald) and HKSJ (t, no floor) from
    statsmodels; tau^2 from `method` ("dl" or "pm")."""
    kw = {"atol": 1e-9, "maxiter": 10000} if method == "pm" else {}
    r = combine_effects(np.asarray(y), np.asarray(v), method_re=method, **kw)
    ci_fe, ci_re, _, _ = r.conf_int(alpha=0.05, use_t=False)
    _, _, _, ci_hksj = r.conf_int(alpha=0.05, use_t=True)
    # statsmodels does not truncate the DL tau^2 at zero; the engine does.
    assert r.tau2 >= 0, "a subset with a negative DL tau^2 needs truncating"
    return {
        "common": [float(r.mean_effect_fe), float(ci_fe[0]), float(ci_fe[1])],
        "common_se": float(r.sd_eff_w_fe),
        "random": [float(r.mean_effect_re), float(ci_re[0]), float(ci_re[1])],
        "random_se": float(r.sd_eff_w_re),
        "hksj": [float(r.mean_effect_re), float(ci_hksj[0]), float(ci_hksj[1])],
        "tau2": float(r.tau2),
        "q": float(r.q),
    }


def reml_pool(y, v):
    """REML random effects with the Wald SE and the modified (ad hoc, scale
    floored at 1) HKSJ interval."""
    y = np.asarray(y, dtype=float)
    v = np.asarray(v, dtype=float)
    k = len(y)
    t2 = reml_tau2(y, v) if k > 1 else 0.0
    w = 1 / (v + t2)
    mu = float((w * y).sum() / w.sum())
    se = 1 / math.sqrt(w.sum())
    out = {"tau2": t2, "random": est(mu, se, Z), "random_se": se}
    if k > 1:
        qh = float((w * (y - mu) ** 2).sum() / (k - 1))
        se_a = math.sqrt(max(1.0, qh) / w.sum())
        out["hksj_adhoc"] = est(mu, se_a, stats.t.isf(0.025, k - 1))
    return out


def leave_one_out(y, v, fn):
    return [fn(np.delete(y, i), np.delete(v, i)) for i in range(len(y))]


def q_between(estimates, ses):
    """Cochran's Q of the subgroup estimates about their inverse-variance
    mean, its df and chi-square p."""
    e = np.asarray(estimates)
    w = 1 / np.asarray(ses) ** 2
    mean = (w * e).sum() / w.sum()
    q = float((w * (e - mean) ** 2).sum())
    df = len(e) - 1
    return {"q": q, "df": df, "p": float(stats.chi2.sf(q, df))}


def bcg_subgroups():
    """BCG split by year of publication: before 1955, 1955-1969, 1970 on."""
    return [
        ("before 1955", [i for i, yr in enumerate(BCG_YEARS) if yr < 1955]),
        ("1955-1969", [i for i, yr in enumerate(BCG_YEARS) if 1955 <= yr < 1970]),
        ("1970 on", [i for i, yr in enumerate(BCG_YEARS) if yr >= 1970]),
    ]


def subgroup_tests(y, v, groups):
    y = np.asarray(y)
    v = np.asarray(v)
    parts = {name: (y[idx], v[idx]) for name, idx in groups}
    fe = {n: statsmodels_pool(a, b, "dl") for n, (a, b) in parts.items()}
    common = q_between([r["common"][0] for r in fe.values()], [r["common_se"] for r in fe.values()])
    # The identity Q_between = Q_total - sum Q_within (common effect).
    q_total = statsmodels_pool(y, v, "dl")["q"]
    q_within = sum(r["q"] for r in fe.values())
    assert abs(common["q"] - (q_total - q_within)) < 1e-9 * q_total
    dl = q_between([r["random"][0] for r in fe.values()], [r["random_se"] for r in fe.values()])
    reml = {n: reml_pool(a, b) for n, (a, b) in parts.items()}
    rl = q_between([r["random"][0] for r in reml.values()], [r["random_se"] for r in reml.values()])
    return {
        "groups": [[n, idx] for n, idx in groups],
        "common": common,
        "dl": dl,
        "reml": rl,
        "subgroup_estimates": {
            "common": [fe[n]["common"] for n, _ in groups],
            "dl": [fe[n]["random"] for n, _ in groups],
            "reml": [reml[n]["random"] for n, _ in groups],
        },
    }


def bcg_reference():
    yv = [log_rr(a, a + b, c, c + d) for a, b, c, d in BCG]
    y = np.array([p[0] for p in yv])
    v = np.array([p[1] for p in yv])
    return {
        "yi": y.tolist(),
        "vi": v.tolist(),
        "leave_one_out": {
            "dl": leave_one_out(y, v, lambda a, b: statsmodels_pool(a, b, "dl")),
            "pm": leave_one_out(y, v, lambda a, b: statsmodels_pool(a, b, "pm")),
            "reml": leave_one_out(y, v, reml_pool),
        },
        "subgroups": subgroup_tests(y, v, bcg_subgroups()),
    }


def mh_rr(tables):
    """Mantel-Haenszel RR with the Greenland-Robins (1985) variance, by
    hand; the point estimate is checked against statsmodels StratifiedTable."""
    sr = ss = sp = 0.0
    for a, n1, c, n2 in tables:
        n = n1 + n2
        sr += a * n2 / n
        ss += c * n1 / n
        sp += (n1 * n2 * (a + c) - a * c * n) / n**2
    log_rr_mh = math.log(sr / ss)
    st = StratifiedTable([np.array([[a, n1 - a], [c, n2 - c]], dtype=float) for a, n1, c, n2 in tables])
    assert abs(math.exp(log_rr_mh) - st.riskratio_pooled) < 1e-12
    return est(log_rr_mh, math.sqrt(sp / (sr * ss)), Z)


def levo_dl(y, v):
    """Common effect (inverse variance) and DL random effects. The two
    trials agree (Q < df), so statsmodels' untruncated DL tau^2 is negative;
    truncated at 0, as the engine does, random effects equal the common
    effect."""
    with np.errstate(invalid="ignore"):  # sqrt of the negative tau^2
        r = combine_effects(y, v, method_re="dl")
        ci_fe, _, _, _ = r.conf_int(alpha=0.05, use_t=False)
    fe = [float(r.mean_effect_fe), float(ci_fe[0]), float(ci_fe[1])]
    assert r.tau2 < 0
    return {"common": fe, "random": fe, "tau2": 0.0, "q": float(r.q)}


def levo_reference():
    tables = [t[1:] for t in LEVO]
    yv = [log_rr(*t) for t in tables]
    y = np.array([p[0] for p in yv])
    v = np.array([p[1] for p in yv])
    full = reml_pool(y, v)
    # Omitting one of two trials leaves the other: its own RR and log CI
    # (statsmodels Table2x2), which the one-table MH estimate must equal.
    loo = []
    for i, (name, *_) in enumerate(LEVO):
        a, n1, c, n2 = tables[1 - i]
        t = Table2x2(np.array([[a, n1 - a], [c, n2 - c]], dtype=float))
        lo, hi = t.log_riskratio_confint(alpha=0.05)
        loo.append({"omitted": name, "log_rr": [float(t.log_riskratio), float(lo), float(hi)]})
    return {
        "tables": tables,
        "common_mh": mh_rr(tables),
        "random_reml_hksj_adhoc": full["hksj_adhoc"],
        "tau2_reml": full["tau2"],
        "dl": levo_dl(y, v),
        "leave_one_out": loo,
        # The two trials as two subgroups of one trial each: Q between is
        # then Cochran's Q of the two trials.
        "subgroups_q": q_between(y, np.sqrt(v)),
    }


# The tests/fixtures/good/sensitivity topic: (id, events, total) drug, then
# placebo, in order of publication. Risk of bias for death: alpha low (the
# trial's), beta high, gamma low (the outcome's own; the trial's is some
# concerns), delta not assessed.
FIXTURE = [("alpha", 30, 200, 50, 200), ("beta", 40, 250, 60, 250),
           ("gamma", 20, 100, 22, 100), ("delta", 45, 300, 70, 300)]
LOW_RISK = {"alpha", "gamma"}


def rr_of(tables):
    """[RR, low, high] of one table (statsmodels Table2x2)."""
    a, n1, c, n2 = tables[0]
    t = Table2x2(np.array([[a, n1 - a], [c, n2 - c]], dtype=float))
    lo, hi = t.riskratio_confint(alpha=0.05)
    return [float(t.riskratio), float(lo), float(hi)]


def natural(e):
    return [math.exp(x) for x in e]


def estimate_json(e, k):
    return {"estimate": e[0], "ci_low": e[1], "ci_high": e[2], "k": k}


def cochrane_2025(tables):
    """The headline of the cochrane-2025 preset for 2x2 tables: REML with
    the modified HKSJ interval from 3 trials, else the MH common effect
    (k = 2 trials that agree: Q p >= 0.10; checked)."""
    y, v = map(np.array, zip(*[log_rr(*t) for t in tables]))
    if len(tables) >= 3:
        return natural(reml_pool(y, v)["hksj_adhoc"])
    if len(tables) == 2:
        assert statsmodels_pool(y, v, "dl")["q"] < stats.chi2.isf(0.10, 1)
    return natural(mh_rr(tables))


def fixture_reference():
    """The `sensitivity` and `subgroup_test` of each analysis of the
    fixture topic, in index.json's shape."""
    tables = {t[0]: t[1:] for t in FIXTURE}
    ids = [t[0] for t in FIXTURE]

    def analysis(aid, members, model):
        tb = [tables[i] for i in members]
        y, v = map(np.array, zip(*[log_rr(*t) for t in tb]))
        headline = cochrane_2025 if model == "cochrane-2025" else (
            lambda t: rr_of(t) if len(t) == 1 else natural(mh_rr(t)))
        loo = []
        for i in members:
            e = headline([tables[j] for j in members if j != i])
            loo.append({"omitted": i, "estimate": e[0], "ci_low": e[1], "ci_high": e[2]})
        if model == "cochrane-2025":
            random = natural(reml_pool(y, v)["hksj_adhoc"])
        else:
            # The common preset's random side: DL tau^2, Wald CI, with Q
            # about the MH estimate, as RevMan 5 forms it for MH analyses
            # (statsmodels forms Q about the inverse-variance mean, so the
            # DL step is by hand here).
            w = 1 / v
            q = float((w * (y - mh_rr(tb)[0]) ** 2).sum())
            t2 = max(0.0, (q - (len(y) - 1)) / (w.sum() - (w**2).sum() / w.sum()))
            wr = 1 / (v + t2)
            mu = float((wr * y).sum() / wr.sum())
            random = natural(est(mu, 1 / math.sqrt(wr.sum()), Z))
        low = [i for i in members if i in LOW_RISK]
        low_e = headline([tables[i] for i in low])
        return {"id": aid, "sensitivity": {
            "leave_one_out": loo,
            "low_risk_only": estimate_json(low_e, len(low)),
            "common": estimate_json(natural(mh_rr(tb)), len(tb)),
            "random": estimate_json(random, len(tb)),
        }}

    mortality = analysis("mortality", ids, "cochrane-2025")
    # Subgroups Adults [alpha, beta], Children [gamma, delta]: REML random
    # effects per subgroup with the Wald SE.
    parts = []
    for g in (["alpha", "beta"], ["gamma", "delta"]):
        y, v = map(np.array, zip(*[log_rr(*tables[i]) for i in g]))
        r = reml_pool(y, v)
        parts.append((r["random"][0], r["random_se"]))
    mortality["subgroup_test"] = q_between(*zip(*parts))
    common = analysis("common", ["alpha", "gamma"], "common")
    common["subgroup_test"] = None
    return {"analyses": [mortality, common]}


def main():
    out = {"bcg": bcg_reference(), "levosimendan": levo_reference()}
    with open(os.path.join(HERE, "sensitivity.json"), "w") as f:
        json.dump(out, f, indent=1)
    with open(os.path.join(HERE, "sensitivity_fixture.json"), "w") as f:
        json.dump(fixture_reference(), f, indent=1)


if __name__ == "__main__":
    main()
