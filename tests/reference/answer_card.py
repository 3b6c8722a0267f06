#!/usr/bin/env python3
"""Independent reference text for the result cards of tests/fixtures/good/answer.

Every number is computed here with scipy / statsmodels (through the
helpers of make_reference.py and example_site.py, which use no appraise
code) and then worded with the card's display rules (one decimal per 100
patients, NNT rounded up, ratio limits as whole percentages). Run from this
directory:

    pip install scipy statsmodels numpy
    python3 answer_card.py        # writes answer_card.json

tests/it/answer.rs compares the built cards with these strings.
"""

import json
import math
import os

from statsmodels.stats.contingency_tables import Table2x2
from statsmodels.stats.proportion import confint_proportions_2indep

from example_site import pooled
from make_reference import fragility, reverse_fragility

HERE = os.path.dirname(os.path.abspath(__file__))


def one(x):
    """One decimal, as the card prints it."""
    return f"{abs(x):.1f}"


def side(x):
    """A difference per 100 patients: '6.0 fewer', '0.5 more'."""
    v = one(100 * x)
    if float(v) == 0:
        return v
    return f"{v} fewer" if x < 0 else f"{v} more"


def binary(a, n1, c, n2):
    """RR (log CI), Wald RD, NNT limits and the fragility indices."""
    t = Table2x2([[a, n1 - a], [c, n2 - c]])
    rr, (rr_lo, rr_hi) = t.riskratio, t.riskratio_confint()
    rd = a / n1 - c / n2
    lo, hi = confint_proportions_2indep(a, n1, c, n2, method="wald", compare="diff")
    return {
        "rr": [rr, rr_lo, rr_hi],
        "rd": [rd, lo, hi],
        "difference": f"{side(rd)} per 100 patients (95% CI {side(lo)} to {side(hi)})",
        # Events are harmful: a negative difference is a benefit.
        "nnt": [math.ceil(1 / abs(x)) for x in (rd, lo, hi)],
        "fragility": fragility(a, n1, c, n2),
        "reverse_fragility": reverse_fragility(a, n1, c, n2),
    }


def ratio_side(x):
    pct = f"{abs(x - 1) * 100:.0f}"
    return f"{pct}% lower risk" if x < 1 else f"{pct}% higher risk"


def main():
    clear = binary(40, 500, 70, 500)
    alpha = binary(50, 200, 49, 200)
    pair = pooled([(50, 200, 49, 200), (30, 150, 36, 150)])
    lo, hi = pair["ci_low"], pair["ci_high"]
    rlo, rhi = pair["random"][1], pair["random"][2]
    out = {
        "clear": clear,
        "alpha": alpha,
        "pair": {
            "numbers": pair,
            "estimate": f"RR {pair['estimate']:.2f} ({lo:.2f} to {hi:.2f})",
            "reading": (
                "Too uncertain to tell: with only 2 trials, the 95% CI fits anything "
                f"from {ratio_side(lo)} to {ratio_side(hi)}; allowing for variation "
                f"between trials, from {ratio_side(rlo)} to {ratio_side(rhi)}"
            ),
        },
    }
    with open(os.path.join(HERE, "answer_card.json"), "w") as f:
        json.dump(out, f, indent=1, sort_keys=True, default=float)
        f.write("\n")


if __name__ == "__main__":
    main()
