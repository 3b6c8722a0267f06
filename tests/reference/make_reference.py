#!/usr/bin/env python3
"""Independent reference numbers for the appraise statistics engine.

Every number here comes from scipy / statsmodels (or a brute-force search
with scipy's Fisher test), not from a port of the Rust code. Run from this
directory:

    pip install scipy statsmodels numpy
    python3 make_reference.py

It writes binary.json, continuous.json and meta.json beside this script.
"""

import json
import math
import os

import numpy as np
from scipy import optimize, stats
from statsmodels.stats.contingency_tables import StratifiedTable, Table2x2
from statsmodels.stats.meta_analysis import combine_effects, effectsize_smd
from statsmodels.stats.proportion import (
    confint_proportions_2indep,
    proportion_confint,
)

HERE = os.path.dirname(os.path.abspath(__file__))
Z = stats.norm.isf(0.025)

# (label, a, n1, c, n2): experimental events/total, control events/total.
TABLES = [
    # LeoPARDS, NEJM 2016, Table 3 (binary rows).
    ("leopards_death_28d", 89, 258, 79, 256),
    ("leopards_death_icu", 83, 258, 76, 257),
    ("leopards_death_hospital", 97, 258, 84, 256),
    ("leopards_major_aki", 148, 258, 139, 256),
    ("leopards_new_rrt", 62, 257, 62, 257),
    ("leopards_sustained_renal_failure", 118, 258, 108, 257),
    ("leopards_any_sae", 32, 258, 23, 257),
    ("leopards_life_threatening_arrhythmia", 15, 258, 6, 257),
    ("leopards_svt", 8, 258, 1, 257),
    ("leopards_bradycardia", 0, 258, 2, 257),
    ("leopards_vf_vt", 7, 258, 3, 257),
    ("leopards_mi_acs", 3, 258, 1, 257),
    ("leopards_other_sae", 18, 258, 17, 257),
    # LEVOECMO key results.
    ("levoecmo_weaning", 69, 101, 71, 104),
    ("levoecmo_death_before_weaning", 15, 101, 12, 104),
    ("levoecmo_weaning_failure", 15, 101, 21, 104),
    ("levoecmo_mortality_d30", 26, 101, 23, 104),
    ("levoecmo_mortality_d60", 28, 101, 26, 104),
    ("levoecmo_kidney_replacement", 29, 101, 38, 104),
    ("levoecmo_mace", 36, 101, 39, 104),
    ("levoecmo_transplant", 0, 101, 5, 104),
    ("levoecmo_ventricular_arrhythmia", 18, 101, 9, 104),
    ("levoecmo_adverse_event_stop", 12, 101, 4, 104),
    # Significant results for the fragility index.
    ("sig_small", 2, 30, 12, 30),
    ("sig_medium", 30, 200, 55, 200),
    ("sig_unequal", 5, 40, 30, 120),
    # Zero cells and degenerate tables.
    ("zero_exp", 0, 20, 5, 20),
    ("zero_ctl_nonevents", 10, 10, 4, 10),
    ("both_zero", 0, 10, 0, 12),
    ("both_full", 10, 10, 12, 12),
    ("opposite_extremes", 0, 10, 10, 10),
    ("tiny", 1, 1, 0, 1),
    ("equal_halves", 5, 10, 5, 10),
    # Huge counts.
    ("huge_rare", 1000, 10**9, 1500, 10**9),
    ("huge_common", 500_000_000, 10**9, 499_990_000, 10**9),
    ("huge_very_rare", 3, 10**9, 10, 10**9),
]


def none_if_nan(x):
    x = float(x)
    return None if (math.isnan(x) or math.isinf(x)) else x


def fisher_p(a, n1, c, n2):
    return float(stats.fisher_exact([[a, n1 - a], [c, n2 - c]])[1])


def fragility(a, n1, c, n2):
    """Walsh 2014 by brute force: flip non-events to events in the arm with
    fewer events (both arms tried on a tie) until Fisher p >= 0.05."""
    if fisher_p(a, n1, c, n2) >= 0.05:
        return None
    best = None
    arms = []
    if a <= c:
        arms.append("exp")
    if c <= a:
        arms.append("ctl")
    for arm in arms:
        k = 0
        aa, cc = a, c
        while True:
            k += 1
            if arm == "exp":
                aa += 1
                if aa > n1:
                    k = None
                    break
            else:
                cc += 1
                if cc > n2:
                    k = None
                    break
            if fisher_p(aa, n1, cc, n2) >= 0.05:
                break
        if k is not None and (best is None or k < best):
            best = k
    return best


def reverse_fragility(a, n1, c, n2):
    """Minimum number of one-arm, one-direction event-status changes that
    makes Fisher p < 0.05 (brute force over the four options)."""
    if fisher_p(a, n1, c, n2) < 0.05:
        return None
    best = None
    for arm, step in (("exp", 1), ("exp", -1), ("ctl", 1), ("ctl", -1)):
        aa, cc, k = a, c, 0
        while True:
            k += 1
            if arm == "exp":
                aa += step
                if aa < 0 or aa > n1:
                    break
            else:
                cc += step
                if cc < 0 or cc > n2:
                    break
            if fisher_p(aa, n1, cc, n2) < 0.05:
                if best is None or k < best:
                    best = k
                break
    return best


def binary_reference():
    out = []
    for label, a, n1, c, n2 in TABLES:
        b, d = n1 - a, n2 - c
        row = {"label": label, "a": a, "n1": n1, "c": c, "n2": n2}
        huge = n1 > 10**7
        # Wilson intervals per arm.
        for key, x, n in (("exp", a, n1), ("ctl", c, n2)):
            lo, hi = proportion_confint(x, n, alpha=0.05, method="wilson")
            row[f"wilson_{key}"] = [x / n, float(lo), float(hi)]
        both_zero = a == 0 and c == 0
        both_full = b == 0 and d == 0
        # RR and OR with the convention of the Cochrane Handbook / metafor
        # (add = 1/2, to = "only0"): when any cell is zero, 0.5 is added to
        # all four cells. (statsmodels' own shift_zeros only shifts the zero
        # cells, so the corrected table is passed in directly.)
        cells = np.array([[a, b], [c, d]], dtype=float)
        if (cells == 0).any():
            cells = cells + 0.5
        if not both_zero:
            t = Table2x2(cells)
            lo, hi = t.riskratio_confint(alpha=0.05)
            row["rr"] = [float(t.riskratio), float(lo), float(hi), float(t.log_riskratio_se)]
            row["rr_p"] = float(t.log_riskratio_pvalue())
        else:
            row["rr"] = None
        if not (both_zero or both_full):
            t = Table2x2(cells)
            lo, hi = t.oddsratio_confint(alpha=0.05)
            row["or"] = [float(t.oddsratio), float(lo), float(hi), float(t.log_oddsratio_se)]
            row["or_p"] = float(t.log_oddsratio_pvalue())
        else:
            row["or"] = None
        # Risk difference.
        diff = a / n1 - c / n2
        lo, hi = confint_proportions_2indep(a, n1, c, n2, method="wald", compare="diff")
        row["rd_wald"] = [diff, float(lo), float(hi)]
        cc = 0.5 * (1 / n1 + 1 / n2)
        row["rd_wald_cc"] = [diff, float(lo) - cc, float(hi) + cc]
        lo, hi = confint_proportions_2indep(a, n1, c, n2, method="newcomb", compare="diff")
        row["rd_newcombe"] = [diff, float(lo), float(hi)]
        # Chi-square tests (undefined when an expected count is zero).
        tab = np.array([[a, b], [c, d]], dtype=float)
        if (a + c) > 0 and (b + d) > 0:
            chi, p, _, _ = stats.chi2_contingency(tab, correction=False)
            row["chi2"] = [float(chi), float(p)]
            chi, p, _, _ = stats.chi2_contingency(tab, correction=True)
            row["chi2_yates"] = [float(chi), float(p)]
        else:
            row["chi2"] = None
            row["chi2_yates"] = None
        row["fisher_p"] = fisher_p(a, n1, c, n2)
        if not huge:
            row["fragility"] = fragility(a, n1, c, n2)
            row["reverse_fragility"] = reverse_fragility(a, n1, c, n2)
        out.append(row)
    return out


# (label, m1, sd1, n1, m2, sd2, n2) -- LeoPARDS Table 3 SOFA rows and others.
CONTINUOUS = [
    ("leopards_sofa_total", 6.68, 3.96, 258, 6.06, 3.89, 257),
    ("leopards_sofa_respiratory", 1.70, 1.18, 258, 1.56, 1.15, 257),
    ("leopards_sofa_coagulation", 0.75, 1.05, 258, 0.75, 1.02, 257),
    ("leopards_sofa_hepatic", 0.51, 0.84, 258, 0.45, 0.77, 257),
    ("leopards_sofa_cardiovascular", 2.27, 1.20, 258, 2.02, 1.20, 257),
    ("leopards_sofa_renal", 1.46, 1.49, 258, 1.28, 1.38, 257),
    ("leopards_sofa_noncardiovascular", 4.41, 3.13, 258, 4.05, 3.07, 257),
    ("small_unequal", 10.0, 2.0, 5, 7.5, 4.0, 9),
    ("negative_effect", 20.0, 5.0, 30, 25.0, 6.0, 35),
    ("large", 100.0, 15.0, 100000, 99.9, 15.5, 120000),
]


def continuous_reference():
    out = []
    for label, m1, s1, n1, m2, s2, n2 in CONTINUOUS:
        row = {"label": label, "m1": m1, "sd1": s1, "n1": n1, "m2": m2, "sd2": s2, "n2": n2}
        d = m1 - m2
        # Normal (z) CI with the unpooled SE, via scipy's Welch statistic.
        welch = stats.ttest_ind_from_stats(m1, s1, n1, m2, s2, n2, equal_var=False)
        se = d / welch.statistic if welch.statistic != 0 else math.sqrt(s1**2 / n1 + s2**2 / n2)
        row["md_z"] = [d, d - Z * se, d + Z * se, float(2 * stats.norm.sf(abs(d / se)))]
        row["welch_p"] = float(welch.pvalue)
        student = stats.ttest_ind_from_stats(m1, s1, n1, m2, s2, n2, equal_var=True)
        se_t = d / student.statistic if student.statistic != 0 else None
        tcrit = stats.t.isf(0.025, n1 + n2 - 2)
        if se_t is not None:
            row["md_t"] = [d, d - tcrit * se_t, d + tcrit * se_t, float(student.pvalue)]
        else:
            row["md_t"] = None
        g, var_g = effectsize_smd(m1, s1, n1, m2, s2, n2)
        g, var_g = float(g), float(var_g)
        row["hedges_g"] = [g, g - Z * math.sqrt(var_g), g + Z * math.sqrt(var_g), var_g]
        out.append(row)
    return out


# BCG vaccine trials (metafor dat.bcg; Colditz et al. 1994, JAMA 271:698).
BCG = [
    (4, 119, 11, 128),
    (6, 300, 29, 274),
    (3, 228, 11, 209),
    (62, 13536, 248, 12619),
    (33, 5036, 47, 5761),
    (180, 1361, 372, 1079),
    (8, 2537, 10, 619),
    (505, 87886, 499, 87892),
    (29, 7470, 45, 7232),
    (17, 1699, 65, 1600),
    (186, 50448, 141, 27197),
    (5, 2493, 3, 2338),
    (27, 16886, 29, 17825),
]


def reml_tau2(y, v):
    """REML tau^2 by direct numerical maximisation of the restricted
    log-likelihood (scipy bounded scalar minimisation), an algorithm
    independent of Fisher scoring."""

    def negll(t2):
        w = 1 / (v + t2)
        mu = (w * y).sum() / w.sum()
        return 0.5 * (np.log(v + t2).sum() + math.log(w.sum()) + (w * (y - mu) ** 2).sum())

    hi = max(10 * np.var(y), 1.0)
    res = optimize.minimize_scalar(negll, bounds=(0, hi), method="bounded",
                                   options={"xatol": 1e-13, "maxiter": 5000})
    t2 = float(res.x)
    # Boundary: compare with tau2 = 0.
    if negll(0.0) <= negll(t2):
        t2 = 0.0
    return t2


def meta_block(y, v, reml_only=False):
    y = np.asarray(y, dtype=float)
    v = np.asarray(v, dtype=float)
    k = len(y)
    block = {"yi": y.tolist(), "vi": v.tolist()}
    for name, method in () if reml_only else (("dl", "dl"), ("pm", "pm")):
        # atol well below the default 1e-5, but not so small that rounding
        # noise makes the estimating equation negative (statsmodels then
        # resets tau2 to 0).
        kw = {"atol": 1e-9, "maxiter": 10000} if method == "pm" else {}
        r = combine_effects(y, v, method_re=method, **kw)
        ci_fe, ci_re, _, ci_re_hksj = r.conf_int(alpha=0.05, use_t=False)
        _, _, _, ci_re_hksj_t = r.conf_int(alpha=0.05, use_t=True)
        tau2 = float(r.tau2)
        block[name] = {
            "fe": [float(r.mean_effect_fe), float(r.sd_eff_w_fe), float(ci_fe[0]), float(ci_fe[1])],
            "re": [float(r.mean_effect_re), float(r.sd_eff_w_re), float(ci_re[0]), float(ci_re[1])],
            # HKSJ: t with k-1 df and the WLS scale (no floor).
            "hksj": [float(r.mean_effect_re), float(math.sqrt(r.var_hksj_re)),
                     float(ci_re_hksj_t[0]), float(ci_re_hksj_t[1])],
            "tau2": tau2,
            "q": float(r.q),
            "weights_re_percent": (100 * np.asarray(r.weights_rel_re)).tolist(),
        }
    # REML (independent numerical maximisation) with Wald CI, HKSJ and PI.
    t2 = reml_tau2(y, v)
    w = 1 / (v + t2)
    mu = float((w * y).sum() / w.sum())
    se = float(1 / math.sqrt(w.sum()))
    qh = float((w * (y - mu) ** 2).sum() / (k - 1))
    se_h = math.sqrt(qh / w.sum())
    tc = stats.t.isf(0.025, k - 1)
    # Modified (ad hoc) HKSJ: the scale q is floored at 1 (Knapp & Hartung
    # 2003; Roever, Knapp & Friede 2015), metafor test="adhoc".
    se_a = math.sqrt(max(1.0, qh) / w.sum())
    block["reml"] = {"tau2": t2, "re": [mu, se, mu - Z * se, mu + Z * se],
                     "hksj": [mu, se_h, mu - tc * se_h, mu + tc * se_h],
                     "hksj_adhoc": [mu, se_a, mu - tc * se_a, mu + tc * se_a],
                     "q_hksj": qh}
    if k >= 3:
        tp = stats.t.isf(0.025, k - 2)
        half = tp * math.sqrt(t2 + se * se)
        block["reml"]["pi"] = [mu - half, mu + half]
    return block


def meta_reference():
    out = {}
    # BCG, log RR.
    y, v = [], []
    for a, b, c, d in BCG:
        t = Table2x2(np.array([[a, b], [c, d]], dtype=float))
        y.append(float(t.log_riskratio))
        v.append(float(t.log_riskratio_se) ** 2)
    out["bcg_log_rr"] = meta_block(y, v)
    # BCG MH odds ratio via statsmodels StratifiedTable (RBG variance).
    st = StratifiedTable([np.array([[a, b], [c, d]], dtype=float) for a, b, c, d in BCG])
    lo, hi = st.logodds_pooled_confint(alpha=0.05)
    out["bcg_mh_or"] = {"log_or": float(st.logodds_pooled), "se": float(st.logodds_pooled_se),
                        "ci": [float(lo), float(hi)], "rr_mh": float(st.riskratio_pooled)}
    # LEVOECMO + LeoPARDS mortality as a two-study toy (log RR) and a
    # five-study heterogeneous set.
    tables = [(26, 101, 23, 104), (89, 258, 79, 256), (28, 101, 26, 104),
              (12, 101, 4, 104), (148, 258, 139, 256)]
    y, v = [], []
    for a, n1, c, n2 in tables:
        t = Table2x2(np.array([[a, n1 - a], [c, n2 - c]], dtype=float))
        y.append(float(t.log_riskratio))
        v.append(float(t.log_riskratio_se) ** 2)
    out["trials_log_rr"] = meta_block(y, v)
    out["trials_log_rr"]["tables"] = tables
    # Two agreeing trials (LeoPARDS and LEVOECMO mortality, log RR): the
    # unmodified HKSJ interval is narrower than the Wald one here.
    pair = [(89, 258, 79, 256), (26, 101, 23, 104)]
    y, v = [], []
    for a, n1, c, n2 in pair:
        t = Table2x2(np.array([[a, n1 - a], [c, n2 - c]], dtype=float))
        y.append(float(t.log_riskratio))
        v.append(float(t.log_riskratio_se) ** 2)
    out["pair_log_rr"] = meta_block(y, v, reml_only=True)
    # Three near-identical estimates (q far below 1).
    out["near_identical"] = meta_block([0.20, 0.21, 0.19], [0.04, 0.09, 0.02], reml_only=True)
    # A heterogeneous generic set on the linear scale.
    out["generic_md"] = meta_block([0.5, -0.2, 1.3, 0.9, 0.1, 2.0],
                                   [0.04, 0.09, 0.25, 0.05, 0.16, 0.5])
    return out


def main():
    with open(os.path.join(HERE, "binary.json"), "w") as f:
        json.dump(binary_reference(), f, indent=1)
    with open(os.path.join(HERE, "continuous.json"), "w") as f:
        json.dump(continuous_reference(), f, indent=1)
    with open(os.path.join(HERE, "meta.json"), "w") as f:
        json.dump(meta_reference(), f, indent=1)


if __name__ == "__main__":
    main()
