#!/usr/bin/env bash
# Link and fragment check over the built example site, under the base path
# of a GitHub Pages project site (/appraise-demo/): every internal href and
# src (and og:image / twitter:image) must resolve to a file of the output,
# and every #fragment to an id (or <a name>) in the page it points to.
# Exits non-zero listing every broken link with the page it is on.
#
#   scripts/link-check.sh             # builds the example site, then checks it
#   scripts/link-check.sh DIR [BASE]  # checks a site already built in DIR
#
# APPRAISE_BIN: an appraise binary to build with (default: cargo build --release).
# Needs Python 3 (standard library only).
set -euo pipefail
cd "$(dirname "$0")/.."
base_url="https://example.github.io/appraise-demo/"
if [ $# -ge 1 ]; then
  site="$1"
  base_url="${2:-$base_url}"
else
  source scripts/lib.sh
  appraise_bin
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  site="$work/site"
  "$APPRAISE_BIN" build --root . --output "$site" --base-url "$base_url" >/dev/null 2>&1
fi
python3 - "$site" "$base_url" <<'PY'
import html.parser, pathlib, sys, urllib.parse

site = pathlib.Path(sys.argv[1])
base_url = sys.argv[2]
base = urllib.parse.urlsplit(base_url)
base_path = base.path if base.path.endswith("/") else base.path + "/"


class Page(html.parser.HTMLParser):
    """The ids of a page and the links it makes."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids, self.links = set(), []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"])
        if tag == "a" and a.get("name"):
            self.ids.add(a["name"])
        for key in ("href", "src"):
            if a.get(key) is not None:
                self.links.append((tag, key, a[key]))
        if tag == "meta" and a.get("property") in ("og:image", "og:url") or (
            tag == "meta" and a.get("name") == "twitter:image"
        ):
            self.links.append((tag, "content", a.get("content", "")))


pages = {}
for f in sorted(site.rglob("*.html")):
    p = Page()
    p.feed(f.read_text(encoding="utf-8"))
    pages[f] = p


def target(page, url):
    """The output file `url` (on `page`) points to, or None when it is not
    internal; raises ValueError with the reason when it is broken."""
    u = urllib.parse.urlsplit(url)
    if u.scheme in ("mailto", "tel", "data", "javascript"):
        return None
    if u.scheme or u.netloc:
        if (u.scheme, u.netloc) != (base.scheme, base.netloc):
            return None  # another site
        path = u.path
    elif u.path == "":
        return page  # a fragment on the same page
    elif u.path.startswith("/"):
        path = u.path
    else:
        rel = page.parent.relative_to(site).as_posix()
        path = urllib.parse.urljoin(base_path + ("" if rel == "." else rel + "/"), u.path)
    path = urllib.parse.unquote(path)
    if not path.startswith(base_path):
        raise ValueError(f"outside the base path {base_path}")
    f = site / path[len(base_path):]
    if path.endswith("/") or f.is_dir():
        f = f / "index.html"
    if not f.is_file():
        raise ValueError("no such file in the output")
    return f


broken, checked = [], 0
for page, p in pages.items():
    where = page.relative_to(site).as_posix()
    for tag, key, url in p.links:
        if not url.strip():
            broken.append(f"{where}: <{tag} {key}=\"\">: empty link")
            continue
        try:
            f = target(page, url)
        except ValueError as e:
            broken.append(f"{where}: <{tag} {key}=\"{url}\">: {e}")
            continue
        if f is None:
            continue
        checked += 1
        frag = urllib.parse.unquote(urllib.parse.urlsplit(url).fragment)
        if frag and f.suffix == ".html":
            ids = pages[f].ids if f in pages else set()
            if frag not in ids:
                broken.append(f"{where}: <{tag} {key}=\"{url}\">: no id \"{frag}\" in {f.relative_to(site).as_posix()}")

if broken:
    print(f"link check: {len(broken)} broken link(s) in {len(pages)} pages:")
    print("\n".join(broken))
    sys.exit(1)
print(f"link check: {checked} internal links and fragments in {len(pages)} pages resolve (base path {base_path})")
PY
