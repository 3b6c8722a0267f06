#!/usr/bin/env python3
"""Convert a gen_corpus.py corpus into an appraise site (stdlib only).

Usage:
    to_appraise.py CORPUS_DIR SITE_DIR [--topic-tag TAG] [--topic-size K]
    to_appraise.py CORPUS_DIR SITE_DIR --pages-only

Reads CORPUS_DIR/content/trials/<slug>.md (as written by
/work/shared/bench/gen_corpus.py) and writes SITE_DIR/content/trials/<slug>.md
with ONLY the front matter rewritten into appraise's schema. The Markdown
body after the closing `---` is copied byte for byte, so appraise renders
exactly the Markdown Hugo renders.

Front matter mapping (title, date and tags lines are copied verbatim):

    trial: {acronym, year, journal, n_randomised}
 -> trial:
      acronym
      publication: {journal, year}
      arms: two arms (intervention / control) whose n add up to n_randomised;
            labels are taken from the title ("ACRO: X versus Y in Z")
      outcomes: 2-3 binary outcomes, counts derived deterministically from
            the page index (the 5-digit suffix of the slug):
        - death-28d   endpoint all-cause-mortality, primary,
                      reported RR + Wald 95% CI + Wald p (consistent)
        - sae         endpoint serious-adverse-events, safety,
                      reported RD (percentage points) + Wald CI + Wald p
        - rrt         (even page indices only) endpoint renal-replacement-therapy,
                      secondary, counts only

Unless --pages-only, also writes (appraise only, not part of the Hugo site):
    content/_index.md          site title + base_url
    content/trials/_index.md   copied from the corpus
    content/topics/_index.md   section page
    content/topics/pooled-mortality.md
                               a topic pooling all-cause-mortality (RR,
                               cochrane-2025) over the first K trials (by
                               page index) tagged TAG (default: sepsis, 50)

--pages-only converts the trial pages only (used for the "add one page"
rebuild, where the topic and index pages already exist).
"""
import argparse
import math
import os
import re
import sys

FM_END = "---\n"


def parse_gen_front_matter(text, path):
    """Split a generated page into (kept_lines, trial dict, body)."""
    if not text.startswith("---\n"):
        sys.exit("%s: no front matter" % path)
    end = text.find("\n---\n", 3)
    if end < 0:
        sys.exit("%s: unterminated front matter" % path)
    fm = text[4:end + 1]  # YAML lines, each ending in \n
    body = text[end + 5:]  # after the closing fence line: byte-identical body
    kept, trial, in_trial = [], {}, False
    for line in fm.splitlines(keepends=True):
        if line.rstrip("\n") == "trial:":
            in_trial = True
            continue
        if in_trial and line.startswith("  "):
            k, _, v = line.strip().partition(": ")
            trial[k] = v
            continue
        in_trial = False
        kept.append(line)
    for k in ("acronym", "year", "journal", "n_randomised"):
        if k not in trial:
            sys.exit("%s: trial.%s missing" % (path, k))
    title = next((l for l in kept if l.startswith("title: ")), None)
    return kept, trial, title, body


def unquote(s):
    s = s.strip()
    if len(s) >= 2 and s[0] == '"' and s[-1] == '"':
        return s[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    return s


def yq(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def arm_labels(title_line):
    """'ACRO: X versus Y in Z' -> ('X', 'Y')."""
    t = unquote(title_line[len("title: "):]) if title_line else ""
    rest = t.split(": ", 1)[1] if ": " in t else t
    if " versus " in rest:
        a, b = rest.split(" versus ", 1)
        b = b.split(" in ", 1)[0]
        return a.strip() or "Intervention", b.strip() or "Control"
    return "Intervention", "Control"


def arm_sizes(body, n):
    """Take the arm sizes from the body's Design list when present (so the
    front matter agrees with the prose), else split n in two."""
    a = re.search(r"^- \*\*Intervention:\*\* .* \(n = (\d+)\)$", body, re.M)
    b = re.search(r"^- \*\*Comparator:\*\* .* \(n = (\d+)\)$", body, re.M)
    if a and b and int(a.group(1)) + int(b.group(1)) == n:
        return int(a.group(1)), int(b.group(1))
    return n - n // 2, n // 2


def counts(i, salt, n_a, n_b, base_lo, base_span, eff_lo, eff_span):
    """Deterministic events per arm from the page index."""
    h = (i * 2654435761 + salt * 40503) % 1000003
    base = base_lo + base_span * ((h % 997) / 996.0)
    eff = eff_lo + eff_span * (((h // 997) % 991) / 990.0)
    eb = int(round(n_b * base))
    ea = int(round(n_a * min(base * eff, 0.95)))
    ea = min(max(ea, 1), n_a - 1)
    eb = min(max(eb, 1), n_b - 1)
    return ea, eb


def fmt_p(p):
    if p < 0.001:
        return "<0.001"
    if p < 0.01:
        return "%.3f" % p
    return "%.2f" % p


def rr_reported(ea, na, eb, nb):
    rr = (ea / na) / (eb / nb)
    se = math.sqrt(1 / ea - 1 / na + 1 / eb - 1 / nb)
    lo, hi = rr * math.exp(-1.959964 * se), rr * math.exp(1.959964 * se)
    p = math.erfc(abs(math.log(rr) / se) / math.sqrt(2))
    return "%.2f" % rr, "%.2f" % lo, "%.2f" % hi, fmt_p(p)


def rd_reported(ea, na, eb, nb):
    pa, pb = ea / na, eb / nb
    rd = pa - pb
    se = math.sqrt(pa * (1 - pa) / na + pb * (1 - pb) / nb)
    lo, hi = rd - 1.959964 * se, rd + 1.959964 * se
    p = math.erfc(abs(rd / se) / math.sqrt(2))
    return "%.1f" % (100 * rd), "%.1f" % (100 * lo), "%.1f" % (100 * hi), fmt_p(p)


def outcome_yaml(oid, label, endpoint, role, ea, na, eb, nb, reported):
    out = [
        "    - id: %s" % oid,
        "      label: %s" % yq(label),
        "      endpoint: %s" % endpoint,
        "      role: %s" % role,
        "      binary:",
        '        int: "%d/%d"' % (ea, na),
        '        ctl: "%d/%d"' % (eb, nb),
    ]
    if reported:
        measure, (est, lo, hi, p), dec = reported
        out += [
            "      reported:",
            "        measure: %s" % measure,
            "        estimate: %s" % est,
            "        ci: [%s, %s]" % (lo, hi),
            '        p: "%s"' % p,
            "        decimals: %d" % dec,
        ]
    return out


def convert_page(text, path, index):
    kept, trial, title_line, body = parse_gen_front_matter(text, path)
    n = int(trial["n_randomised"])
    n_a, n_b = arm_sizes(body, n)
    lab_a, lab_b = arm_labels(title_line)
    fm = ["---\n"] + kept
    lines = [
        "trial:",
        "  acronym: %s" % trial["acronym"],
        "  publication:",
        "    journal: %s" % trial["journal"],
        "    year: %s" % trial["year"],
        "  arms:",
        "    - id: int",
        "      label: %s" % yq(lab_a[:1].upper() + lab_a[1:]),
        "      n: %d" % n_a,
        "    - id: ctl",
        "      label: %s" % yq(lab_b[:1].upper() + lab_b[1:]),
        "      n: %d" % n_b,
        "      control: true",
        "  outcomes:",
    ]
    ea, eb = counts(index, 1, n_a, n_b, 0.15, 0.30, 0.75, 0.45)
    lines += outcome_yaml("death-28d", "All-cause mortality at 28 days", "all-cause-mortality",
                          "primary", ea, n_a, eb, n_b, ("RR", rr_reported(ea, n_a, eb, n_b), 2))
    ea, eb = counts(index, 2, n_a, n_b, 0.10, 0.30, 0.80, 0.50)
    lines += outcome_yaml("sae", "Serious adverse events", "serious-adverse-events",
                          "safety", ea, n_a, eb, n_b, ("RD", rd_reported(ea, n_a, eb, n_b), 1))
    if index % 2 == 0:
        ea, eb = counts(index, 3, n_a, n_b, 0.05, 0.20, 0.70, 0.60)
        lines += outcome_yaml("rrt", "Need for renal-replacement therapy", "renal-replacement-therapy",
                              "secondary", ea, n_a, eb, n_b, None)
    fm += [l + "\n" for l in lines]
    fm.append(FM_END)
    tags = [l.strip()[2:] for l in kept if l.startswith("  - ")]
    return "".join(fm) + body, tags


def page_index(slug):
    m = re.search(r"-(\d{5,})$", slug)
    return int(m.group(1)) if m else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("corpus")
    ap.add_argument("site")
    ap.add_argument("--topic-tag", default="sepsis")
    ap.add_argument("--topic-size", type=int, default=50)
    ap.add_argument("--pages-only", action="store_true")
    a = ap.parse_args()
    src = os.path.join(a.corpus, "content", "trials")
    dst = os.path.join(a.site, "content", "trials")
    os.makedirs(dst, exist_ok=True)
    tagged = []
    names = sorted(f for f in os.listdir(src) if f.endswith(".md") and f != "_index.md")
    for f in names:
        slug = f[:-3]
        i = page_index(slug)
        with open(os.path.join(src, f), encoding="utf-8", newline="") as fh:
            text = fh.read()
        out, tags = convert_page(text, f, i)
        with open(os.path.join(dst, f), "w", encoding="utf-8", newline="") as fh:
            fh.write(out)
        if a.topic_tag in tags:
            tagged.append((i, slug))
    if a.pages_only:
        print("converted %d pages into %s" % (len(names), dst))
        return
    with open(os.path.join(a.site, "content", "_index.md"), "w") as fh:
        # Hugo draws no link-preview images, so the like-for-like build
        # leaves appraise's off (about 30 ms of CPU each: see results.md).
        fh.write('---\ntitle: "Critical care trial appraisals"\nbase_url: https://example.org/\n'
                 'social_images: false\n---\n\n'
                 "Synthetic benchmark corpus (gen_corpus.py), converted by benches/to_appraise.py.\n")
    idx = os.path.join(src, "_index.md")
    if os.path.exists(idx):
        with open(idx) as fh, open(os.path.join(dst, "_index.md"), "w") as out:
            out.write(fh.read())
    tdir = os.path.join(a.site, "content", "topics")
    os.makedirs(tdir, exist_ok=True)
    with open(os.path.join(tdir, "_index.md"), "w") as fh:
        fh.write('---\ntitle: Topics\n---\n\nPooled analyses.\n')
    chosen = [s for _, s in sorted(tagged)[: a.topic_size]]
    with open(os.path.join(tdir, "pooled-mortality.md"), "w") as fh:
        fh.write("---\n")
        fh.write('title: "All-cause mortality in %s trials (first %d)"\n' % (a.topic_tag, len(chosen)))
        fh.write("date: 2025-01-01\n")
        fh.write("tags: [%s]\n" % a.topic_tag)
        fh.write("topic:\n  trials:\n")
        for s in chosen:
            fh.write("    - %s\n" % s)
        fh.write("  analyses:\n    - id: mortality\n      title: \"All-cause mortality at 28 days\"\n"
                 "      endpoint: all-cause-mortality\n      measure: RR\n      model: cochrane-2025\n")
        fh.write("---\n\nA pooled analysis of all-cause mortality across %d synthetic trials tagged `%s`.\n"
                 % (len(chosen), a.topic_tag))
    print("converted %d pages into %s; topic pools %d trials tagged %s"
          % (len(names), dst, len(chosen), a.topic_tag))


if __name__ == "__main__":
    main()
