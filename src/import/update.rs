//! Re-importing a record onto its existing page: only the page's
//! `trial.registry` block is rewritten (and, when the record brings results
//! to a page without arms, a `trial.arms` block is added after it); every
//! other byte of the page stays as the author left it.
//!
//! The block is found in the YAML text with the parse stage's locator and
//! its lines replaced; the new page is then parsed again and must give the
//! same front matter as the old one except for the registry block (and the
//! added arms), and the same body, or nothing is written. The author's own
//! additions inside the block are carried over where the registry has no
//! say: the `outcome:` link of a posted result (matched by title), and the
//! target `enrollment` once the registry reports only the actual one. The
//! block's full-line comments stay above their field (those inside a
//! rewritten value move above it); end-of-line comments are lost; both
//! are reported ([`Update::comments`]).

use serde_yaml::Value as Yaml;

use super::results::{key, Arm};
use super::{within_page_limit, FrontRegistry, Record};
use crate::parse::front_matter::{self, RawArm, RawFrontMatter, RawRegistration, RawRegistry};
use crate::parse::locate::{locate, Seg};

/// What a re-import does to an existing page.
#[derive(Debug, Clone, PartialEq)]
pub struct Update {
    /// The page, relative to the site root.
    pub rel_path: String,
    /// The registration id.
    pub id: String,
    /// The updated page, or `None` when the record brings no change (the
    /// file is then left untouched).
    pub text: Option<String>,
    /// What changed, one line each (`status: Recruiting → Completed`).
    pub changes: Vec<String>,
    /// Values left out, one sentence each (as for a new page).
    pub skipped: Vec<String>,
    /// What became of the comments inside the rewritten block, one line
    /// each, when one is not kept where it was: moved above its field, or
    /// lost (an end-of-line comment; one above a field the record drops).
    pub comments: Vec<String>,
}

impl Record {
    /// The record applied to its existing page `old` (at `rel_path`).
    /// Refused, with the reason, when the page has errors, is not a trial
    /// page, does not list the record's NCT id in `registration`, has no
    /// `trial.registry` block, or names its arms so that a group of the
    /// record matches none of them.
    pub fn update(&self, rel_path: &str, old: &[u8]) -> Result<Update, String> {
        let text =
            std::str::from_utf8(old).map_err(|_| "the page is not UTF-8 text".to_string())?;
        let (doc, diags) = crate::parse::parse_page(rel_path, old);
        let doc = match doc {
            Some(d) if !diags.has_errors() => d,
            _ => {
                return Err(format!(
                    "the page has errors; fix them, then import again:\n{}",
                    diags.to_string().trim_end()
                ))
            }
        };
        let trial = (doc.front.trial.as_ref())
            .ok_or("the page is not a trial page (it has no `trial:`)")?;
        let ids: Vec<&str> = trial.registration.iter().map(reg_id).collect();
        if !ids.iter().any(|r| r.trim().eq_ignore_ascii_case(&self.id)) {
            return Err(format!(
                "the page's `registration` ({}) does not include {}; is this the right record?",
                if ids.is_empty() {
                    "none".into()
                } else {
                    ids.join(", ")
                },
                self.id
            ));
        }
        let old_reg = trial.registry.as_ref().ok_or(
            "the page has no `trial.registry` block to update; add `registry: {}` under \
             `trial:` to let import fill it",
        )?;
        let page_arms: Vec<Arm> = (trial.arms.iter())
            .map(|a| Arm {
                id: a.id.clone(),
                label: if a.label.is_empty() {
                    a.id.clone()
                } else {
                    a.label.clone()
                },
            })
            .collect();
        let mut skipped = Vec::new();
        let given = (!page_arms.is_empty()).then_some(page_arms.as_slice());
        let (mut reg, arms) = self.registry(given, &mut skipped)?;
        carry_over(&mut reg, old_reg);
        let add_arms = page_arms.is_empty() && !arms.is_empty();
        let old_v = serde_yaml::from_str::<Yaml>(&doc.yaml)
            .ok()
            .and_then(|v| v.get("trial")?.get("registry").cloned())
            .unwrap_or(Yaml::Null);
        let new_v = serde_yaml::to_value(&reg).map_err(|e| format!("cannot write YAML: {e}"))?;
        let mut changes = diff(&old_v, &new_v);
        if add_arms {
            let names: Vec<String> = arms
                .iter()
                .map(|a| format!("{} ({})", a.id, a.label))
                .collect();
            changes.push(format!("arms: added {}", names.join(", ")));
        }
        let mut up = Update {
            rel_path: rel_path.to_string(),
            id: self.id.clone(),
            text: None,
            changes,
            skipped,
            comments: Vec::new(),
        };
        if !up.changes.is_empty() {
            let (new_text, comments) = splice(text, &reg, add_arms.then_some(arms.as_slice()))?;
            up.comments = comments;
            same_but_registry(rel_path, &doc.front, text, &new_text)?;
            within_page_limit(&new_text)?;
            up.text = Some(new_text);
        }
        Ok(up)
    }
}

fn reg_id(r: &RawRegistration) -> &str {
    match r {
        RawRegistration::Id(id) | RawRegistration::Long { id, .. } => id,
    }
}

/// Keep what the author added to the old block where the record has no say.
fn carry_over(reg: &mut FrontRegistry, old: &RawRegistry) {
    if reg.enrollment.is_none() {
        reg.enrollment = old.enrollment;
    }
    let (Some(new), Some(old)) = (reg.results.as_mut(), old.results.as_ref()) else {
        return;
    };
    // The linked old results by title, for a lookup per new result (a
    // record may post thousands).
    let mut linked: std::collections::HashMap<String, Vec<&front_matter::RawRegistryOutcome>> =
        std::collections::HashMap::new();
    for p in old.outcomes.iter().filter(|p| p.outcome.is_some()) {
        linked.entry(key(&p.title)).or_default().push(p);
    }
    for o in &mut new.outcomes {
        let Some(same_title) = linked.get(&key(&o.title)) else {
            continue;
        };
        let frame = o.time_frame.as_deref().map(key);
        let best = (same_title.iter())
            .max_by_key(|p| p.time_frame.as_deref().map(key) == frame)
            .copied();
        if let Some(p) = best {
            o.outcome.clone_from(&p.outcome);
        }
    }
}

/// A YAML value in a change line: text as it is (shortened past 60
/// characters), `(none)` when absent.
fn show(v: Option<&Yaml>) -> String {
    match v {
        None | Some(Yaml::Null) => "(none)".into(),
        Some(Yaml::String(s)) => {
            let one_line = s.replace('\n', " ");
            if one_line.chars().count() > 60 {
                one_line.chars().take(59).collect::<String>() + "…"
            } else {
                one_line
            }
        }
        Some(Yaml::Sequence(items)) => {
            let shown: Vec<String> = items.iter().map(|i| show(Some(i))).collect();
            shown.join(", ")
        }
        Some(other) => serde_yaml::to_string(other)
            .unwrap_or_default()
            .trim()
            .to_string(),
    }
}

/// The number of items of the list at `key` of `v`.
fn count(v: Option<&Yaml>, key: &str) -> usize {
    v.and_then(|v| v.get(key))
        .and_then(Yaml::as_sequence)
        .map_or(0, Vec::len)
}

/// One line per field of the registry block that differs, in the block's
/// order: `status: Recruiting → Completed`, `results: 3 outcome measures
/// posted`. Empty when nothing differs.
fn diff(old: &Yaml, new: &Yaml) -> Vec<String> {
    let mut keys: Vec<&Yaml> = Vec::new();
    for v in [new, old] {
        if let Some(m) = v.as_mapping() {
            keys.extend(m.keys().filter(|k| !keys.contains(k)).collect::<Vec<_>>());
        }
    }
    let mut out = Vec::new();
    for k in keys {
        let (a, b) = (old.get(k), new.get(k));
        if a == b {
            continue;
        }
        let name = k.as_str().unwrap_or("?");
        let is_list_of_maps = |v: Option<&Yaml>| {
            v.and_then(Yaml::as_sequence)
                .is_some_and(|s| s.iter().any(Yaml::is_mapping))
        };
        out.push(if name == "results" {
            results_change(a, b)
        } else if is_list_of_maps(a) || is_list_of_maps(b) {
            let (n, m) = (a.and_then(Yaml::as_sequence), b.and_then(Yaml::as_sequence));
            let (n, m) = (n.map_or(0, Vec::len), m.map_or(0, Vec::len));
            match (n, m) {
                (0, m) => format!("{name}: {m} registered"),
                (n, m) if n == m => format!("{name}: changed"),
                (n, m) => format!("{name}: {n} → {m}"),
            }
        } else {
            format!("{name}: {} → {}", show(a), show(b))
        });
    }
    out
}

/// The change line of the `results` block.
fn results_change(old: Option<&Yaml>, new: Option<&Yaml>) -> String {
    let what = |v: Option<&Yaml>| {
        let (o, e) = (count(v, "outcomes"), count(v, "adverse_events"));
        match e {
            0 => format!("{o} outcome measure{}", if o == 1 { "" } else { "s" }),
            e => format!(
                "{o} outcome measure{}, {e} adverse event{}",
                if o == 1 { "" } else { "s" },
                if e == 1 { "" } else { "s" }
            ),
        }
    };
    match (old, new) {
        (None, _) => format!("results: {} posted", what(new)),
        (_, None) => "results: no longer in the record (removed)".into(),
        _ if what(old) == what(new) => format!("results: updated ({})", what(new)),
        _ => format!("results: {} → {}", what(old), what(new)),
    }
}

/// `value` serialised as the lines of the block `name:` at column `col`,
/// its content at column `inner`, each line ending in `nl`.
fn block(
    name: &str,
    value: &impl serde::Serialize,
    col: usize,
    inner: usize,
    nl: &str,
    comments: &mut Comments,
) -> Result<String, String> {
    let yaml = serde_yaml::to_string(value).map_err(|e| format!("cannot write YAML: {e}"))?;
    let pad = " ".repeat(col);
    let inner = " ".repeat(inner.max(col + 1));
    let mut out = if yaml.trim() == "{}" {
        format!("{pad}{name}: {{}}{nl}")
    } else {
        format!("{pad}{name}:{nl}")
    };
    for line in yaml.lines().filter(|_| yaml.trim() != "{}") {
        if let Some(kept) = top_key(line).and_then(|k| comments.above.remove(k)) {
            for c in kept {
                out.push_str(&format!("{inner}{c}{nl}"));
            }
        }
        out.push_str(&inner);
        out.push_str(line);
        out.push_str(nl);
    }
    for c in std::mem::take(&mut comments.tail) {
        out.push_str(&format!("{inner}{c}{nl}"));
    }
    Ok(out)
}

/// The key of a line of serde_yaml's output at the top level (`status`
/// of `status: Completed`); `None` for a nested or list line.
fn top_key(line: &str) -> Option<&str> {
    if line.starts_with([' ', '-', '#']) {
        return None;
    }
    line.split_once(':')
        .map(|(k, _)| k.trim_matches(['"', '\'']))
}

/// The full-line comments of a registry block, by the top-level field
/// they sit above (or inside), and those after its last field.
#[derive(Debug, Default)]
struct Comments {
    /// Comment texts (from the `#`) per field key, in order.
    above: std::collections::BTreeMap<String, Vec<String>>,
    /// Comments after the block's last field.
    tail: Vec<String>,
    /// The report: comments moved or lost.
    report: Vec<String>,
}

/// The comments of the block's lines `lines` (below its key line), whose
/// fields sit at indentation `inner`: one above a field is kept above it;
/// one inside a field's value is moved above the field (the value is
/// rewritten) and reported; an end-of-line comment is reported as lost.
fn comments_of(lines: &[&str], inner: usize) -> Comments {
    let mut c = Comments::default();
    let mut pending: Vec<(String, bool)> = Vec::new();
    let mut current: Option<String> = None;
    for l in lines {
        let t = l.trim_end_matches(['\n', '\r']);
        let body = t.trim_start_matches(' ');
        let indent = t.len() - body.len();
        if body.is_empty() {
            continue;
        }
        if body.starts_with('#') {
            // Inside the current field's value when deeper than its key
            // and another line of the value follows; decided below.
            pending.push((body.to_string(), indent > inner && current.is_some()));
            continue;
        }
        if indent == inner && !body.starts_with('-') {
            let key = body
                .split_once(':')
                .map_or(body, |(k, _)| k)
                .trim_matches(['"', '\'']);
            for (text, inside) in pending.drain(..) {
                // A comment deeper than the key that follows belongs to
                // the value before it.
                let owner = if inside { current.clone() } else { None };
                match owner {
                    Some(o) => {
                        c.report
                            .push(format!("comment inside `{o}` moved above it: {text}"));
                        c.above.entry(o).or_default().push(text);
                    }
                    None => c.above.entry(key.to_string()).or_default().push(text),
                }
            }
            current = Some(key.to_string());
        } else if let Some(o) = &current {
            for (text, _) in pending.drain(..) {
                c.report
                    .push(format!("comment inside `{o}` moved above it: {text}"));
                c.above.entry(o.clone()).or_default().push(text);
            }
        }
        if let Some(pos) = end_comment(body) {
            c.report.push(format!(
                "end-of-line comment not kept (`{}`): {}",
                body[..pos].trim_end(),
                &body[pos..]
            ));
        }
    }
    c.tail = pending.into_iter().map(|p| p.0).collect();
    c
}

/// Where an end-of-line comment starts in a YAML line's text: a `#` after
/// a space, outside quotes.
fn end_comment(body: &str) -> Option<usize> {
    let (mut single, mut double) = (false, false);
    let mut prev = ' ';
    for (i, ch) in body.char_indices() {
        match ch {
            '\'' if !double => single = !single,
            '"' if !single => double = !double,
            '#' if !single && !double && prev == ' ' && i > 0 => return Some(i),
            _ => {}
        }
        prev = ch;
    }
    None
}

const UNUSUAL: &str = "cannot find the `trial.registry` block's lines in the page (is it \
                       written in an unusual layout?); nothing written";

/// The page `text` with the lines of its `trial.registry` block replaced
/// by `reg`, and `arms` added after it; with the report of the block's
/// comments that could not stay where they were.
fn splice(
    text: &str,
    reg: &FrontRegistry,
    arms: Option<&[Arm]>,
) -> Result<(String, Vec<String>), String> {
    let split = front_matter::split(text).map_err(|_| UNUSUAL.to_string())?;
    let yaml_at = split.yaml.as_ptr() as usize - text.as_ptr() as usize;
    let path = [Seg::Key("trial".into()), Seg::Key("registry".into())];
    let (line, col) = locate(split.yaml, &path).ok_or(UNUSUAL)?;
    let lines: Vec<&str> = split.yaml.split_inclusive('\n').collect();
    let first = lines.get(line).ok_or(UNUSUAL)?;
    let (prefix, rest) = first.split_at(col.min(first.len()));
    if !prefix.bytes().all(|b| b == b' ')
        || !(rest.starts_with("registry:") || rest.starts_with("\"registry\":"))
    {
        return Err(UNUSUAL.into());
    }
    // The block: its line, then every line indented deeper (blank lines
    // within it included), up to the next line at its level or above.
    let mut last = line;
    for (j, l) in lines.iter().enumerate().skip(line + 1) {
        let t = l.trim_end_matches(['\n', '\r']);
        if t.trim().is_empty() {
            continue;
        }
        if t.len() - t.trim_start_matches(' ').len() <= col {
            break;
        }
        last = j;
    }
    let start = yaml_at + lines[..line].iter().map(|l| l.len()).sum::<usize>();
    let end = yaml_at + lines[..=last].iter().map(|l| l.len()).sum::<usize>();
    let nl = if first.ends_with("\r\n") {
        "\r\n"
    } else {
        "\n"
    };
    // The block's own indentation: that of its first line below the key.
    let inner = (line + 1..=last)
        .map(|j| lines[j].trim_end_matches(['\n', '\r']))
        .find(|t| !t.trim().is_empty())
        .map_or(col + 2, |t| t.len() - t.trim_start_matches(' ').len());
    let mut comments = comments_of(&lines[line + 1..=last], inner);
    let mut new = block("registry", reg, col, inner, nl, &mut comments)?;
    for (key, lost) in std::mem::take(&mut comments.above) {
        for text in lost {
            comments.report.push(format!(
                "comment above `{key}` not kept: the record no longer has the field: {text}"
            ));
        }
    }
    if let Some(arms) = arms {
        new.push_str(&block(
            "arms",
            &arms,
            col,
            inner,
            nl,
            &mut Comments::default(),
        )?);
    }
    let mut out = String::with_capacity(text.len() + new.len());
    out.push_str(&text[..start]);
    out.push_str(&new);
    out.push_str(&text[end..]);
    Ok((out, comments.report))
}

/// An error unless `new` parses to `old_front` with only its registry
/// block (and added arms) different, with the same body.
fn same_but_registry(
    rel_path: &str,
    old_front: &RawFrontMatter,
    old: &str,
    new: &str,
) -> Result<(), String> {
    let refuse = || {
        "updating the `trial.registry` block would change more of the page than the block; \
         nothing written"
            .to_string()
    };
    let (doc, diags) = crate::parse::parse_page(rel_path, new.as_bytes());
    let doc = doc.filter(|_| !diags.has_errors()).ok_or_else(refuse)?;
    let body = |t: &str| front_matter::split(t).map(|s| s.body.to_string()).ok();
    if body(old) != body(new) {
        return Err(refuse());
    }
    let (Some(new_trial), Some(old_trial)) = (doc.front.trial.as_ref(), old_front.trial.as_ref())
    else {
        return Err(refuse());
    };
    let mut expected = old_front.clone();
    if let Some(t) = expected.trial.as_mut() {
        t.registry.clone_from(&new_trial.registry);
        if old_trial.arms.is_empty() {
            let arms: &Vec<RawArm> = &new_trial.arms;
            t.arms.clone_from(arms);
        }
    }
    if expected != *doc.front {
        return Err(refuse());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn end_of_line_comments_are_found_outside_quotes_only() {
        assert_eq!(end_comment("status: Recruiting  # note"), Some(20));
        assert_eq!(end_comment("sponsor: 'A # B'"), None);
        assert_eq!(end_comment("sponsor: \"A #1\""), None);
        assert_eq!(end_comment("contact: A#B"), None);
    }

    #[test]
    fn block_comments_are_kept_above_their_field_or_moved_up_from_inside() {
        let lines = [
            "    # above status\n",
            "    status: Recruiting\n",
            "    conditions:\n",
            "    # inside conditions\n",
            "    - Shock\n",
            "      # deeper, before the next field\n",
            "    phase: Phase 3 # end\n",
            "    # at the end\n",
        ];
        let c = comments_of(&lines, 4);
        let above: Vec<(&str, Vec<&str>)> = c
            .above
            .iter()
            .map(|(k, v)| (k.as_str(), v.iter().map(String::as_str).collect()))
            .collect();
        assert_eq!(
            above,
            [
                (
                    "conditions",
                    vec!["# inside conditions", "# deeper, before the next field"]
                ),
                ("status", vec!["# above status"]),
            ]
        );
        assert_eq!(c.tail, ["# at the end"]);
        assert_eq!(
            c.report,
            [
                "comment inside `conditions` moved above it: # inside conditions",
                "comment inside `conditions` moved above it: # deeper, before the next field",
                "end-of-line comment not kept (`phase: Phase 3`): # end",
            ]
        );
    }

    fn y(s: &str) -> Yaml {
        serde_yaml::from_str(s).unwrap()
    }

    #[test]
    fn changes_are_one_line_each_in_the_block_order() {
        let old = y("status: Recruiting\nenrollment: 206\nconditions: [Shock]\n");
        let new = y(
            "status: Completed\nenrollment: 206\nconditions: [Shock, ECMO]\n\
             enrollment_actual: 205\nprimary_outcomes: [{measure: Weaning}]\n\
             results: {outcomes: [{title: a}, {title: b}, {title: c}]}\n",
        );
        assert_eq!(
            diff(&old, &new),
            [
                "status: Recruiting → Completed",
                "conditions: Shock → Shock, ECMO",
                "enrollment_actual: (none) → 205",
                "primary_outcomes: 1 registered",
                "results: 3 outcome measures posted",
            ]
        );
        assert!(diff(&new, &new).is_empty());
        assert_eq!(
            diff(&new, &old)[4],
            "results: no longer in the record (removed)"
        );
    }

    /// A small record: completed, stopped for a reason of two lines, the
    /// second starting with `#`.
    fn record() -> Record {
        Record::read(
            br#"{"protocolSection": {"identificationModule": {"nctId": "NCT01234567"},
                "statusModule": {"overallStatus": "TERMINATED",
                                 "whyStopped": "Slow recruitment.\n# of sites fell to 2"}}}"#,
        )
        .unwrap()
    }

    const REL: &str = "content/trials/nct01234567/index.md";

    #[test]
    fn windows_line_ends_and_a_flow_style_block_are_kept_around_the_update() {
        let old =
            "---\r\ntitle: T\r\ntrial:\r\n  acronym: T\r\n  registration: [NCT01234567]\r\n  \
                   registry: { status: Recruiting }\r\n  question: Why?\r\n---\r\nBody.\r\n";
        let up = record().update(REL, old.as_bytes()).unwrap();
        assert_eq!(
            up.changes,
            [
                "status: Recruiting → Terminated",
                "why_stopped: (none) → Slow recruitment. # of sites fell to 2"
            ]
        );
        let text = up.text.unwrap();
        assert_eq!(
            text,
            "---\r\ntitle: T\r\ntrial:\r\n  acronym: T\r\n  registration: [NCT01234567]\r\n  \
             registry:\r\n    status: Terminated\r\n    why_stopped: |-\r\n      Slow \
             recruitment.\r\n      # of sites fell to 2\r\n  question: Why?\r\n---\r\nBody.\r\n"
        );
        // The block's last line starts with `#` inside the text: it is
        // still found whole, and the same record is then no change.
        let again = record().update(REL, text.as_bytes()).unwrap();
        assert_eq!(again.text, None);
        assert!(again.changes.is_empty());
    }

    #[test]
    fn a_registry_block_inside_flow_style_trial_is_refused() {
        let old = "---\ntitle: T\ntrial: { acronym: T, registration: [NCT01234567], registry: {} }\n---\n";
        assert_eq!(record().update(REL, old.as_bytes()).unwrap_err(), UNUSUAL);
    }
}
