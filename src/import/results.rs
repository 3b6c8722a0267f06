//! A record's posted results (API v2 `resultsSection`) as the page's
//! `trial.registry.results` block: participant flow (started, completed),
//! baseline denominators, outcome measures (counts of participants, mean
//! and SD, median and IQR) and adverse events (serious and other), each
//! keyed by the trial's arm ids.
//!
//! The registry numbers its groups per module (`FG000` in the flow,
//! `OG000` in each outcome measure, `EG000` for adverse events) and repeats
//! their titles: groups are matched to arms by title, ignoring case and
//! punctuation. The arms are the page's own when it has them (a re-import);
//! otherwise they are made from the record's groups, their ids slugs of the
//! group titles. Anything appraise cannot read (a category breakdown, a
//! least-squares mean, a value `NA`) is left out with a sentence.

use std::collections::BTreeMap;

use serde::Serialize;

use super::json::Node;

/// An arm as the page names it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(super) struct Arm {
    /// Its id (`levosimendan`).
    pub id: String,
    /// Its label (`Levosimendan`).
    pub label: String,
}

/// The `results:` block.
#[derive(Debug, Clone, Default, Serialize)]
pub(super) struct Results {
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    groups: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    flow: BTreeMap<String, Flow>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    baseline: BTreeMap<String, i64>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub outcomes: Vec<Outcome>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    adverse_events: Vec<Event>,
}

#[derive(Debug, Clone, Default, Serialize)]
struct Flow {
    #[serde(skip_serializing_if = "Option::is_none")]
    started: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    completed: Option<i64>,
}

/// One posted outcome measure.
#[derive(Debug, Clone, Serialize)]
pub(super) struct Outcome {
    /// As posted.
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    role: Option<&'static str>,
    /// As posted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_frame: Option<String>,
    /// The trial outcome the author linked it to (kept on re-import).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    unit: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    binary: Option<BTreeMap<String, String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    continuous: Option<BTreeMap<String, MeanSd>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    median: Option<BTreeMap<String, Median>>,
}

#[derive(Debug, Clone, Serialize)]
struct MeanSd {
    mean: f64,
    sd: f64,
    n: i64,
}

#[derive(Debug, Clone, Serialize)]
struct Median {
    median: f64,
    q1: f64,
    q3: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    n: Option<i64>,
}

#[derive(Debug, Clone, Serialize)]
struct Event {
    term: String,
    serious: bool,
    binary: BTreeMap<String, String>,
}

/// A title reduced to what matching compares: letters and digits, lower
/// case (`Levosimendan (24 h)` → `levosimendan24h`).
pub(super) fn key(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// An arm id from a group title, slugged as tags and headings are (the
/// `slug` crate: other scripts transliterated, not dropped), at most 40
/// characters (`Placebo + usual care` → `placebo-usual-care`).
fn slug(title: &str) -> String {
    let s: String = slug::slugify(title).chars().take(40).collect();
    let s = s.trim_end_matches('-');
    if s.is_empty() {
        "arm".into()
    } else {
        s.into()
    }
}

/// A group of one module: its id (`OG000`) and title.
struct Group {
    id: String,
    title: String,
}

fn groups(n: &Node, key_: &str, skipped: &mut Vec<String>) -> Vec<Group> {
    (n.list(key_, skipped).iter())
        .filter_map(|g| {
            Some(Group {
                id: g.text("id", skipped)?,
                title: g.text("title", skipped)?,
            })
        })
        .collect()
}

/// The registry's whole-population column.
fn is_total(title: &str) -> bool {
    key(title) == "total"
}

/// The most arms a record's results are imported for: trials have a few;
/// a record claiming thousands of groups is not read further.
const MAX_ARMS: usize = 20;

/// Matches each module's groups to arms and remembers those it could not.
struct Mapper<'a> {
    arms: &'a [Arm],
    /// Group titles matching no arm, each once, with where it was first.
    unmatched: Vec<String>,
    /// The titles in `unmatched`.
    seen: std::collections::HashSet<String>,
    /// The registry's title of each arm (first seen).
    titles: BTreeMap<String, String>,
}

impl Mapper<'_> {
    /// Group id → arm id for `groups`, found in `place`.
    fn map(&mut self, groups: &[Group], place: &str) -> BTreeMap<String, String> {
        let mut m = BTreeMap::new();
        for g in groups.iter().filter(|g| !is_total(&g.title)) {
            let k = key(&g.title);
            let arm = (self.arms.iter()).find(|a| key(&a.id) == k || key(&a.label) == k);
            match arm {
                Some(a) => {
                    m.insert(g.id.clone(), a.id.clone());
                    (self.titles.entry(a.id.clone())).or_insert_with(|| g.title.clone());
                }
                None => {
                    if self.seen.insert(g.title.clone()) {
                        (self.unmatched).push(format!("`{}` (first in the {place})", g.title));
                    }
                }
            }
        }
        m
    }
}

/// The groups a new page's arms are made from: those of the participant
/// flow, else of the baseline table (without its total), of the first
/// outcome measure, or of the adverse events.
fn arms_of(rs: &Node) -> Vec<Group> {
    // Type problems are reported when each module is read.
    let mut sk = Vec::new();
    let first_measure = (rs.obj("outcomeMeasuresModule", &mut sk))
        .and_then(|m| m.list("outcomeMeasures", &mut sk).into_iter().next());
    let candidates = [
        rs.obj("participantFlowModule", &mut sk)
            .map(|m| groups(&m, "groups", &mut sk)),
        rs.obj("baselineCharacteristicsModule", &mut sk)
            .map(|m| groups(&m, "groups", &mut sk)),
        first_measure.map(|m| groups(&m, "groups", &mut sk)),
        rs.obj("adverseEventsModule", &mut sk)
            .map(|m| groups(&m, "eventGroups", &mut sk)),
    ];
    candidates
        .into_iter()
        .flatten()
        .map(|g| g.into_iter().filter(|g| !is_total(&g.title)).collect())
        .find(|g: &Vec<Group>| !g.is_empty())
        .unwrap_or_default()
}

/// Arms for `groups`: ids slugs of their titles (made unique), the titles
/// as labels.
fn slug_arms(groups: Vec<Group>) -> Vec<Arm> {
    let mut arms: Vec<Arm> = Vec::new();
    for g in groups {
        let base = slug(&g.title);
        let mut id = base.clone();
        let mut n = 2;
        while arms.iter().any(|a| a.id == id) {
            id = format!("{base}-{n}");
            n += 1;
        }
        arms.push(Arm { id, label: g.title });
    }
    arms
}

/// The record's posted results and the arms they are keyed by, or `None`
/// when it has none. `page_arms` are the page's arms; without them the
/// arms are made from the record's groups. With the page's arms, a group
/// that matches none of them is an error (nothing is written); with made
/// arms, its numbers are left out with a sentence.
pub(super) fn posted(
    study: &Node,
    page_arms: Option<&[Arm]>,
    skipped: &mut Vec<String>,
) -> Result<Option<(Results, Vec<Arm>)>, String> {
    let Some(rs) = study.obj("resultsSection", skipped) else {
        return Ok(None);
    };
    let arms = match page_arms {
        Some(a) => a.to_vec(),
        None => {
            let groups = arms_of(&rs);
            if groups.len() < 2 || groups.len() > MAX_ARMS {
                skipped.push(format!(
                    "the posted results: the record has {} group(s) and appraise compares two \
                     to {MAX_ARMS} arms",
                    groups.len()
                ));
                return Ok(None);
            }
            slug_arms(groups)
        }
    };
    let mut mapper = Mapper {
        arms: &arms,
        unmatched: Vec::new(),
        seen: Default::default(),
        titles: BTreeMap::new(),
    };
    let mut r = Results::default();
    if let Some(m) = rs.obj("participantFlowModule", skipped) {
        let map = mapper.map(&groups(&m, "groups", skipped), "participant flow");
        r.flow = flow(&m, &map, skipped);
    }
    if let Some(m) = rs.obj("baselineCharacteristicsModule", skipped) {
        let map = mapper.map(&groups(&m, "groups", skipped), "baseline");
        r.baseline = first_denoms(&m, &map, skipped);
    }
    if let Some(m) = rs.obj("outcomeMeasuresModule", skipped) {
        for om in m.list("outcomeMeasures", skipped) {
            let title = om.text("title", skipped).unwrap_or_default();
            let place = format!("outcome measure `{title}`");
            let map = mapper.map(&groups(&om, "groups", skipped), &place);
            r.outcomes.extend(measure(&om, title, &map, skipped));
        }
    }
    if let Some(m) = rs.obj("adverseEventsModule", skipped) {
        let map = mapper.map(&groups(&m, "eventGroups", skipped), "adverse events");
        r.adverse_events = events(&m, &map, skipped);
    }
    if !mapper.unmatched.is_empty() {
        let ids: Vec<String> = arms
            .iter()
            .map(|a| format!("`{}` ({})", a.id, a.label))
            .collect();
        let n = mapper.unmatched.len();
        let mut groups = mapper.unmatched[..n.min(5)].join(", ");
        if n > 5 {
            groups.push_str(&format!(" and {} more", n - 5));
        }
        if page_arms.is_some() {
            return Err(format!(
                "the record's group(s) {groups} match no arm of the page ({}); give the arm the \
                 group's title as its `label` (case and punctuation do not matter), then import \
                 again",
                ids.join(", ")
            ));
        }
        skipped.push(format!(
            "the numbers of group(s) {groups}: they match no arm ({})",
            ids.join(", ")
        ));
    }
    r.groups = mapper.titles;
    Ok(Some((r, arms)))
}

/// Participants who started (the first period's `STARTED`) and completed
/// (the last period's `COMPLETED`), per arm.
fn flow(
    m: &Node,
    map: &BTreeMap<String, String>,
    skipped: &mut Vec<String>,
) -> BTreeMap<String, Flow> {
    let periods = m.list("periods", skipped);
    let milestone = |kind: &str, skipped: &mut Vec<String>, last: bool| {
        let mut found = None;
        for p in &periods {
            for ms in p.list("milestones", skipped) {
                if ms.text("type", skipped).as_deref() == Some(kind) {
                    found = Some(ms);
                    break;
                }
            }
            if found.is_some() && !last {
                break;
            }
        }
        found
    };
    let mut out: BTreeMap<String, Flow> = BTreeMap::new();
    for (kind, last) in [("STARTED", false), ("COMPLETED", true)] {
        let Some(ms) = milestone(kind, skipped, last) else {
            continue;
        };
        for a in ms.list("achievements", skipped) {
            let arm = a.text("groupId", skipped).and_then(|g| map.get(&g));
            let (Some(arm), Some(n)) = (arm, a.count("numSubjects", skipped)) else {
                continue;
            };
            let f = out.entry(arm.clone()).or_default();
            if last {
                f.completed = Some(n);
            } else {
                f.started = Some(n);
            }
        }
    }
    out
}

/// The first denominator (participants analysed) per arm of a module.
fn first_denoms(
    m: &Node,
    map: &BTreeMap<String, String>,
    skipped: &mut Vec<String>,
) -> BTreeMap<String, i64> {
    let mut out = BTreeMap::new();
    if let Some(d) = m.list("denoms", skipped).into_iter().next() {
        for c in d.list("counts", skipped) {
            let arm = c.text("groupId", skipped).and_then(|g| map.get(&g));
            if let (Some(arm), Some(n)) = (arm, c.count("value", skipped)) {
                out.insert(arm.clone(), n);
            }
        }
    }
    out
}

/// What kind of numbers a measure holds.
enum Kind {
    Binary,
    Continuous,
    Median,
}

/// How a measure's numbers are read, or why they are not.
fn kind_of(param: &str, dispersion: &str, unit: &str) -> Result<Kind, String> {
    let unit = unit.to_lowercase();
    let counts = unit.contains("participant") && !unit.contains("percent") && !unit.contains('%');
    match (param, dispersion) {
        ("COUNT_OF_PARTICIPANTS", _) => Ok(Kind::Binary),
        ("NUMBER", _) if counts => Ok(Kind::Binary),
        ("MEAN", "STANDARD_DEVIATION") => Ok(Kind::Continuous),
        ("MEDIAN", "INTER_QUARTILE_RANGE") => Ok(Kind::Median),
        _ => Err(format!(
            "its numbers are {} (appraise reads counts of participants, means with SD and \
             medians with IQR)",
            [param, dispersion]
                .iter()
                .filter(|s| !s.is_empty())
                .map(|s| s.replace('_', " ").to_lowercase())
                .collect::<Vec<_>>()
                .join(" with ")
        )),
    }
}

/// One outcome measure, or `None` (with a sentence) when its numbers
/// cannot be read.
fn measure(
    om: &Node,
    title: String,
    map: &BTreeMap<String, String>,
    skipped: &mut Vec<String>,
) -> Option<Outcome> {
    if title.is_empty() {
        skipped.push(format!("`{}`: an outcome measure without a title", om.path));
        return None;
    }
    let unit = om.text("unitOfMeasure", skipped);
    let param = om.text("paramType", skipped).unwrap_or_default();
    let dispersion = om.text("dispersionType", skipped).unwrap_or_default();
    let left_out = |why: String, skipped: &mut Vec<String>| {
        skipped.push(format!("outcome measure `{title}`: {why}"));
        None
    };
    let kind = match kind_of(&param, &dispersion, unit.as_deref().unwrap_or("")) {
        Ok(k) => k,
        Err(why) => return left_out(why, skipped),
    };
    let classes = om.list("classes", skipped);
    let categories = match classes.as_slice() {
        [one] => one.list("categories", skipped),
        _ => Vec::new(),
    };
    let [category] = categories.as_slice() else {
        let why = if classes.len() <= 1 && categories.is_empty() {
            "it has no numbers"
        } else {
            "it is posted by category or subgroup, which appraise does not import"
        };
        return left_out(why.into(), skipped);
    };
    let denoms = first_denoms(om, map, skipped);
    let mut o = Outcome {
        title: title.clone(),
        role: om.text("type", skipped).and_then(|t| role(&t)),
        time_frame: om.text("timeFrame", skipped),
        outcome: None,
        unit,
        binary: None,
        continuous: None,
        median: None,
    };
    let nums = match numbers(&kind, category, map, &denoms, skipped) {
        Ok(n) => n,
        Err(why) => return left_out(why, skipped),
    };
    let Numbers {
        binary,
        continuous,
        median,
    } = nums;
    if binary.len() + continuous.len() + median.len() < 2 {
        return left_out("fewer than two arms have numbers".into(), skipped);
    }
    o.binary = (!binary.is_empty()).then_some(binary);
    o.continuous = (!continuous.is_empty()).then_some(continuous);
    o.median = (!median.is_empty()).then_some(median);
    Some(o)
}

/// One measure's numbers per arm.
#[derive(Default)]
struct Numbers {
    binary: BTreeMap<String, String>,
    continuous: BTreeMap<String, MeanSd>,
    median: BTreeMap<String, Median>,
}

/// Each arm's numbers in `category`, read as `kind` with the arms'
/// denominators `denoms`, or why they cannot be read.
fn numbers(
    kind: &Kind,
    category: &Node,
    map: &BTreeMap<String, String>,
    denoms: &BTreeMap<String, i64>,
    skipped: &mut Vec<String>,
) -> Result<Numbers, String> {
    let mut out = Numbers::default();
    for m in category.list("measurements", skipped) {
        let Some(arm) = m.text("groupId", skipped).and_then(|g| map.get(&g)) else {
            continue;
        };
        let n = denoms.get(arm).copied();
        let ok = match kind {
            Kind::Binary => match (m.count("value", skipped), n) {
                (Some(e), Some(n)) if e <= n => {
                    out.binary.insert(arm.clone(), format!("{e}/{n}"));
                    true
                }
                (Some(_), Some(_)) => return Err("more participants with it than analysed".into()),
                _ => false,
            },
            Kind::Continuous => {
                match (m.number("value", skipped), m.number("spread", skipped), n) {
                    (Some(mean), Some(sd), Some(n)) => {
                        out.continuous.insert(arm.clone(), MeanSd { mean, sd, n });
                        true
                    }
                    _ => false,
                }
            }
            Kind::Median => match (
                m.number("value", skipped),
                m.number("lowerLimit", skipped),
                m.number("upperLimit", skipped),
            ) {
                (Some(x), Some(q1), Some(q3)) => {
                    out.median.insert(
                        arm.clone(),
                        Median {
                            median: x,
                            q1,
                            q3,
                            n,
                        },
                    );
                    true
                }
                _ => false,
            },
        };
        if !ok {
            return Err(format!(
                "the numbers of group `{arm}` are missing or unreadable"
            ));
        }
    }
    Ok(out)
}

/// `PRIMARY` → `primary`...
fn role(t: &str) -> Option<&'static str> {
    match t {
        "PRIMARY" => Some("primary"),
        "SECONDARY" => Some("secondary"),
        "OTHER_PRE_SPECIFIED" | "POST_HOC" => Some("other"),
        _ => None,
    }
}

/// Serious and other adverse events: participants affected / at risk.
fn events(m: &Node, map: &BTreeMap<String, String>, skipped: &mut Vec<String>) -> Vec<Event> {
    let mut out = Vec::new();
    for (list, serious) in [("seriousEvents", true), ("otherEvents", false)] {
        'event: for e in m.list(list, skipped) {
            let Some(term) = e.text("term", skipped) else {
                continue;
            };
            let mut binary = BTreeMap::new();
            for s in e.list("stats", skipped) {
                let Some(arm) = s.text("groupId", skipped).and_then(|g| map.get(&g)) else {
                    continue;
                };
                match (
                    s.count("numAffected", skipped),
                    s.count("numAtRisk", skipped),
                ) {
                    (Some(a), Some(n)) if a <= n => {
                        binary.insert(arm.clone(), format!("{a}/{n}"));
                    }
                    _ => {
                        skipped.push(format!(
                            "adverse event `{term}`: the numbers of group `{arm}` are missing \
                             or unreadable"
                        ));
                        continue 'event;
                    }
                }
            }
            if !binary.is_empty() {
                out.push(Event {
                    term,
                    serious,
                    binary,
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_match_whatever_their_case_and_punctuation() {
        assert_eq!(key("Levosimendan (24 h)"), "levosimendan24h");
        assert_eq!(key("PLACEBO"), key("placebo."));
        assert_eq!(slug("Placebo + usual care"), "placebo-usual-care");
        assert_eq!(slug("Lévosimendan"), "levosimendan");
        assert_eq!(slug("¿?"), "arm");
        assert_eq!(slug(&"a".repeat(60)).len(), 40);
    }

    #[test]
    fn only_counts_means_and_medians_are_read() {
        assert!(matches!(
            kind_of("COUNT_OF_PARTICIPANTS", "", "Participants"),
            Ok(Kind::Binary)
        ));
        assert!(matches!(
            kind_of("NUMBER", "", "participants"),
            Ok(Kind::Binary)
        ));
        assert_eq!(
            kind_of("NUMBER", "", "percentage of participants")
                .err()
                .unwrap(),
            "its numbers are number (appraise reads counts of participants, means with SD and \
             medians with IQR)"
        );
        assert_eq!(
            kind_of("LEAST_SQUARES_MEAN", "STANDARD_ERROR", "units")
                .err()
                .unwrap(),
            "its numbers are least squares mean with standard error (appraise reads counts of \
             participants, means with SD and medians with IQR)"
        );
    }

    #[test]
    fn a_record_of_thousands_of_groups_is_not_matched_pair_by_pair() {
        let many: Vec<serde_json::Value> = (0..100_000)
            .map(|i| serde_json::json!({ "id": format!("G{i}"), "title": format!("Group {i}") }))
            .collect();
        let v = serde_json::json!({ "resultsSection": {
            "participantFlowModule": { "groups": many },
            "adverseEventsModule": { "eventGroups": many },
        } });
        let study = Node::root(&v, "");
        let mut skipped = Vec::new();
        assert!(posted(&study, None, &mut skipped).unwrap().is_none());
        assert_eq!(
            skipped,
            [
                "the posted results: the record has 100000 group(s) and appraise compares two to \
              20 arms"
            ]
        );
        let arms = [
            Arm {
                id: "a".into(),
                label: "A".into(),
            },
            Arm {
                id: "b".into(),
                label: "B".into(),
            },
        ];
        let err = posted(&study, Some(&arms), &mut skipped).unwrap_err();
        assert!(
            err.starts_with(
                "the record's group(s) `Group 0` (first in the participant flow), `Group 1` \
                 (first in the participant flow), `Group 2` (first in the participant flow), \
                 `Group 3` (first in the participant flow), `Group 4` (first in the \
                 participant flow) and 99995 more match no arm of the page (`a` (A), `b` (B));"
            ),
            "{err}"
        );
    }
}
