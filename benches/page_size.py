#!/usr/bin/env python3
"""HTML bytes per trial page of a built site, split into the author's prose
and what appraise generates around it (result card, charts, tables, head).

    python3 benches/page_size.py PUBLIC_DIR [--every N]

Prints the median over every Nth trial page (default 20): total, prose
(`<section class="prose">`), inline SVG, <head>, and total minus prose.
The prose is the same Markdown Hugo renders, so "minus prose" is what the
page format costs.
"""
import glob
import re
import statistics
import sys


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    every = int(sys.argv[sys.argv.index("--every") + 1]) if "--every" in sys.argv else 20
    files = sorted(glob.glob(f"{sys.argv[1]}/trials/*/index.html"))[::every]
    if not files:
        sys.exit(f"no trial pages under {sys.argv[1]}/trials/")
    rows = {"total": [], "prose": [], "svg": [], "head": [], "minus prose": []}
    for f in files:
        h = open(f, encoding="utf-8").read()
        total = len(h.encode())
        m = re.search(r'<section class="prose">.*?</section>', h, re.S)
        prose = len(m.group(0).encode()) if m else 0
        rows["total"].append(total)
        rows["prose"].append(prose)
        rows["svg"].append(sum(len(x.encode()) for x in re.findall(r"<svg.*?</svg>", h, re.S)))
        rows["head"].append(len(h[: h.find("<body")].encode()))
        rows["minus prose"].append(total - prose)
    print(f"{len(files)} trial pages (every {every}th), median bytes:")
    for k, v in rows.items():
        print(f"  {k:12} {statistics.median(v):>9,.0f}")


if __name__ == "__main__":
    main()
