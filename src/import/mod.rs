//! Importing a trial-registry record: a ClinicalTrials.gov study exported as
//! JSON (API v2, the "Download → JSON" of a study page, or
//! `https://clinicaltrials.gov/api/v2/studies/NCT…`) becomes a registry-record
//! page, `content/trials/<nct id>/index.md`, with the record's status, dates,
//! enrolment, registered outcomes and posted results (`results`), or, when
//! that page exists, updates its `trial.registry` block (`update`).
//!
//! Pure: bytes in, page text out. The command reads the files and writes the
//! page (`cli`), so this module never touches the disk. The front matter is
//! produced by serialising typed structs with serde_yaml, so text with
//! quotes, colons or any YAML character comes out as valid YAML that reads
//! back as the same text; every value is read with its JSON path (`json`),
//! so one of the wrong type is left out with a sentence naming where it
//! was. The body is the registry's brief summary, kept as the record's own
//! words (the author rewrites it).
//!
//! When the trial's results are published later, the author adds the trial's
//! own page with the same registration number: the record then says
//! "results published" and links to it (see `link`).

mod json;
mod results;
mod update;

use serde::Serialize;
use serde_json::Value;

use json::Node;
use results::{Arm, Results};
pub use update::Update;

/// Largest record file read, in bytes (20 MiB): a ClinicalTrials.gov
/// record with results is rarely over 1 MB.
pub const MAX_RECORD_BYTES: usize = 20 * 1024 * 1024;

/// A registry-record page ready to write.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportedPage {
    /// Where it goes, relative to the site root
    /// (`content/trials/nct04728932/index.md`).
    pub rel_path: String,
    /// The registration id (`NCT04728932`).
    pub id: String,
    /// The page: front matter and body.
    pub text: String,
    /// Values left out because the build would reject them (an unreadable
    /// date, a negative enrolment), one sentence each.
    pub skipped: Vec<String>,
}

#[derive(Serialize)]
struct Front {
    title: String,
    date: Option<String>,
    trial: FrontTrial,
}

#[derive(Serialize)]
struct FrontTrial {
    acronym: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    title: Option<String>,
    registration: Vec<String>,
    registry: FrontRegistry,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    arms: Vec<Arm>,
}

/// The `trial.registry` block, in the order of the page's fields.
#[derive(Debug, Clone, Serialize)]
struct FrontRegistry {
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    phase: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    study_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sponsor: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    contact: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    registered: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    start: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    completion: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    checked: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    enrollment: Option<i64>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    conditions: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    primary_completion: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    enrollment_actual: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    why_stopped: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    results_posted: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    primary_outcomes: Vec<Registered>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    secondary_outcomes: Vec<Registered>,
    #[serde(skip_serializing_if = "Option::is_none")]
    results: Option<Results>,
}

/// An outcome as registered.
#[derive(Debug, Clone, Serialize)]
struct Registered {
    measure: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    time_frame: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
}

/// A ClinicalTrials.gov study record (JSON, API v2), read and checked:
/// it holds one study with a valid NCT number.
#[derive(Debug, Clone)]
pub struct Record {
    id: String,
    study: Value,
}

/// Turn a ClinicalTrials.gov study (JSON, API v2) into a registry-record
/// page. The error says what is missing or malformed.
pub fn clinicaltrials_gov(json: &[u8]) -> Result<ImportedPage, String> {
    Record::read(json)?.new_page()
}

impl Record {
    /// Read a study record from its JSON: at most [`MAX_RECORD_BYTES`], a
    /// UTF-8 byte-order mark allowed, nesting within serde_json's limit
    /// (128 levels). The error says what is wrong, naming the JSON path.
    pub fn read(json: &[u8]) -> Result<Record, String> {
        if json.len() > MAX_RECORD_BYTES {
            return Err(format!(
                "the file is {} bytes; records over {MAX_RECORD_BYTES} bytes are not read",
                json.len()
            ));
        }
        let json = json.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(json);
        let v: Value = serde_json::from_slice(json)
            .map_err(|e| format!("not JSON: {e} (expected a ClinicalTrials.gov study, API v2)"))?;
        let study = one_study(v)?;
        let p = protocol_section(&study)?;
        let id =
            match p.pointer("/identificationModule/nctId") {
                None | Some(Value::Null) => {
                    return Err("no `protocolSection.identificationModule.nctId`".into())
                }
                Some(Value::String(s)) => s.trim().to_ascii_uppercase(),
                Some(_) => return Err(
                    "`protocolSection.identificationModule.nctId` is not text (expected NCT and \
                     8 digits)"
                        .into(),
                ),
            };
        let valid_id =
            id.len() == 11 && id.starts_with("NCT") && id[3..].chars().all(|c| c.is_ascii_digit());
        if !valid_id {
            return Err(format!(
                "`{}` is not an NCT number (NCT and 8 digits)",
                json::clean(&id)
            ));
        }
        Ok(Record { id, study })
    }

    /// The registration id (`NCT04728932`).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Where the record's page goes, relative to the site root
    /// (`content/trials/nct04728932/index.md`).
    pub fn rel_path(&self) -> String {
        format!("content/trials/{}/index.md", self.id.to_ascii_lowercase())
    }

    fn protocol(&self) -> Node<'_> {
        Node::root(&self.study["protocolSection"], "protocolSection")
    }

    /// The page's `registry` block and the arms its results are keyed by
    /// (`page_arms`, or made from the record's groups).
    fn registry(
        &self,
        page_arms: Option<&[Arm]>,
        skipped: &mut Vec<String>,
    ) -> Result<(FrontRegistry, Vec<Arm>), String> {
        let p = self.protocol();
        let dates = Dates::of(&p, skipped);
        let mut reg = registry(&p, &dates, skipped);
        let study = Node::root(&self.study, "");
        if let Some((results, arms)) = results::posted(&study, page_arms, skipped)? {
            reg.results = Some(results);
            return Ok((reg, arms));
        }
        Ok((reg, Vec::new()))
    }

    /// The record as a new registry-record page.
    pub fn new_page(&self) -> Result<ImportedPage, String> {
        let p = self.protocol();
        let mut skipped = Vec::new();
        let brief = p.text_at(&["identificationModule", "briefTitle"], &mut skipped);
        let official = p.text_at(&["identificationModule", "officialTitle"], &mut skipped);
        let acronym = p.text_at(&["identificationModule", "acronym"], &mut skipped);
        let (registry, arms) = self.registry(None, &mut skipped)?;
        let dates = Dates::of(&p, &mut Vec::new());
        let name = acronym.unwrap_or_else(|| self.id.clone());
        let has_results = registry.results.is_some();
        let front = Front {
            title: format!(
                "{}: {} (registry record)",
                name,
                brief.clone().unwrap_or_else(|| "registered trial".into())
            ),
            date: dates.registered.or(dates.first_posted).or(dates.start),
            trial: FrontTrial {
                acronym: name,
                title: official.or(brief),
                registration: vec![self.id.clone()],
                registry,
                arms,
            },
        };
        let yaml = serde_yaml::to_string(&front).map_err(|e| format!("cannot write YAML: {e}"))?;
        let summary = p.text_at(&["descriptionModule", "briefSummary"], &mut skipped);
        let text = page_text(&yaml, summary.as_deref(), has_results);
        within_page_limit(&text)?;
        Ok(ImportedPage {
            rel_path: self.rel_path(),
            id: self.id.clone(),
            text,
            skipped,
        })
    }
}

/// An error when `text` is over the size a page may have
/// ([`crate::parse::MAX_PAGE_BYTES`]): the build would not read it.
fn within_page_limit(text: &str) -> Result<(), String> {
    let max = crate::parse::MAX_PAGE_BYTES;
    if text.len() > max {
        return Err(format!(
            "the page would be {} bytes, over the {max} bytes a page may have; nothing written",
            text.len()
        ));
    }
    Ok(())
}

/// The one study of a file: the file itself, or the one study of a search
/// result (`studies`).
fn one_study(v: Value) -> Result<Value, String> {
    match v {
        Value::Object(mut m) if m.contains_key("studies") => match m.remove("studies") {
            Some(Value::Array(mut list)) if list.len() == 1 => Ok(list.remove(0)),
            Some(Value::Array(list)) => Err(format!(
                "the file holds {} studies; export one study per file",
                list.len()
            )),
            _ => Err("`studies` is not a list of studies".into()),
        },
        Value::Object(m) => Ok(Value::Object(m)),
        _ => Err(
            "the file is not a JSON object: expected a ClinicalTrials.gov study (API v2)".into(),
        ),
    }
}

/// The study's `protocolSection`, which must be an object.
fn protocol_section(study: &Value) -> Result<&Value, String> {
    match study.get("protocolSection") {
        Some(p) if p.is_object() => Ok(p),
        Some(_) => Err("`protocolSection` is not an object".into()),
        None => Err(
            "no `protocolSection`: this is not a ClinicalTrials.gov study record (API v2)".into(),
        ),
    }
}

/// The record's dates the site can read. Dates it cannot are left out
/// (and said so in `skipped`), rather than written into a page that would
/// then fail to build.
struct Dates {
    registered: Option<String>,
    start: Option<String>,
    first_posted: Option<String>,
    completion: Option<String>,
    primary_completion: Option<String>,
    checked: Option<String>,
    results_posted: Option<String>,
}

impl Dates {
    fn of(p: &Node, skipped: &mut Vec<String>) -> Dates {
        // `field` of `statusModule`: a date, or a `…DateStruct` holding one.
        let mut date = |what: &str, field: &str| -> Option<String> {
            let v = if field.ends_with("Struct") {
                p.text_at(&["statusModule", field, "date"], skipped)
            } else {
                p.text_at(&["statusModule", field], skipped)
            }?;
            match crate::model::date::Date::parse(&v) {
                Ok(_) => Some(v),
                Err(e) => {
                    skipped.push(format!("{what}: {e}"));
                    None
                }
            }
        };
        let primary_completion = date("primary completion", "primaryCompletionDateStruct");
        Dates {
            registered: date("registered", "studyFirstSubmitDate"),
            start: date("start", "startDateStruct"),
            first_posted: date("first posted", "studyFirstPostDateStruct"),
            completion: date("completion", "completionDateStruct")
                .or_else(|| primary_completion.clone()),
            primary_completion,
            checked: date("last update", "lastUpdatePostDateStruct"),
            results_posted: date("results first posted", "resultsFirstPostDateStruct"),
        }
    }
}

/// The registered outcomes of `outcomesModule.<key>`.
fn registered(p: &Node, key: &str, skipped: &mut Vec<String>) -> Vec<Registered> {
    let Some(m) = p.obj("outcomesModule", skipped) else {
        return Vec::new();
    };
    (m.list(key, skipped).iter())
        .filter_map(|o| {
            Some(Registered {
                measure: o.text("measure", skipped)?,
                time_frame: o.text("timeFrame", skipped),
                description: o.text("description", skipped),
            })
        })
        .collect()
}

/// The page's `registry` block, without its results.
fn registry(p: &Node, dates: &Dates, skipped: &mut Vec<String>) -> FrontRegistry {
    let design = p.obj("designModule", skipped);
    let phases: Vec<String> = (design.iter())
        .flat_map(|d| d.texts("phases", skipped))
        .map(|s| phase(&s))
        .collect();
    let contact = p.obj("contactsLocationsModule", skipped).and_then(|c| {
        let first = |key: &str, skipped: &mut Vec<String>| {
            (c.list(key, skipped).into_iter().next()).and_then(|o| o.text("name", skipped))
        };
        first("overallOfficials", skipped).or_else(|| first("centralContacts", skipped))
    });
    let enrolment = (design.as_ref())
        .and_then(|d| d.obj("enrollmentInfo", skipped))
        .and_then(|e| {
            let actual = e.text("type", skipped).as_deref() == Some("ACTUAL");
            e.count("count", skipped).map(|n| (n, actual))
        });
    let conditions = (p.obj("conditionsModule", skipped).iter())
        .flat_map(|c| c.texts("conditions", skipped))
        .collect();
    FrontRegistry {
        status: p
            .text_at(&["statusModule", "overallStatus"], skipped)
            .map(|x| words(&x)),
        phase: (!phases.is_empty()).then(|| phases.join("/")),
        study_type: (design.as_ref())
            .and_then(|d| d.text("studyType", skipped))
            .map(|x| words(&x)),
        sponsor: p.text_at(
            &["sponsorCollaboratorsModule", "leadSponsor", "name"],
            skipped,
        ),
        contact,
        registered: dates.registered.clone(),
        start: dates.start.clone(),
        completion: dates.completion.clone(),
        checked: dates.checked.clone(),
        enrollment: enrolment.filter(|e| !e.1).map(|e| e.0),
        conditions,
        primary_completion: dates.primary_completion.clone(),
        enrollment_actual: enrolment.filter(|e| e.1).map(|e| e.0),
        why_stopped: p.text_at(&["statusModule", "whyStopped"], skipped),
        results_posted: dates.results_posted.clone(),
        primary_outcomes: registered(p, "primaryOutcomes", skipped),
        secondary_outcomes: registered(p, "secondaryOutcomes", skipped),
        results: None,
    }
}

/// The page: its front matter (`yaml`), what the page is, and the
/// registry's brief summary as plain text.
fn page_text(yaml: &str, summary: Option<&str>, has_results: bool) -> String {
    let mut text = format!("---\n{yaml}---\n");
    text.push_str(if has_results {
        "\nThis page was imported from the trial's ClinicalTrials.gov record, with the\n\
         results posted there. When the results are published, add the trial's own\n\
         page with the same registration number: this record will link to it.\n"
    } else {
        "\nThis page was imported from the trial's ClinicalTrials.gov record. It shows\n\
         what was registered before any results existed. When the results are\n\
         published, add the trial's own page with the same registration number:\n\
         this record will link to it.\n"
    });
    if let Some(summary) = summary {
        text.push_str("\n## What was registered\n\n");
        text.push_str(&as_plain_text(summary));
        text.push('\n');
    }
    text
}

/// Registry text placed in Markdown so that it reads as the words it is:
/// `<`, `&` are escaped, so the record cannot inject HTML; `{{` is split
/// by a word joiner (`{&#8288;{`, which reads the same), so no line becomes
/// a chart or a value shortcode (an entity alone would be decoded before
/// shortcodes are looked for); `[`, `]` (with `\\`, so that an escape
/// cannot be undone) are backslash-escaped, so `[x](javascript:…)` or a
/// `[x]: url` definition stays text instead of becoming a link; and a
/// line's leading Markdown marker (`#`, `-`, `>`, `1.`, a `---` rule...) is
/// backslash-escaped, so a line stays a line of text. The build's sanitiser
/// would drop a bad link anyway; this keeps the page source itself inert.
fn as_plain_text(s: &str) -> String {
    let s = crate::sanitize::strip_nul(s)
        .replace("\r\n", "\n")
        .replace('\\', "\\\\")
        .replace('[', "\\[")
        .replace(']', "\\]")
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace("{{", "{&#8288;{");
    let lines: Vec<String> = s.split('\n').map(plain_line).collect();
    lines.join("\n")
}

/// One line of [`as_plain_text`]: without leading space (which would make
/// it code), its first character escaped when it would start a heading,
/// list, quote, rule, fence or table.
fn plain_line(line: &str) -> String {
    let line = line.trim_start();
    let digits = line.bytes().take_while(u8::is_ascii_digit).count();
    let numbered = digits > 0 && matches!(line.as_bytes().get(digits), Some(b'.' | b')'));
    match line.chars().next() {
        Some('#' | '-' | '+' | '*' | '>' | '=' | '|' | '~' | '`' | '_') => format!("\\{line}"),
        Some(_) if numbered => format!("{}\\{}", &line[..digits], &line[digits..]),
        _ => line.to_string(),
    }
}

/// `ACTIVE_NOT_RECRUITING` → `Active not recruiting`.
fn words(s: &str) -> String {
    crate::model::capitalise(&s.replace('_', " ").to_ascii_lowercase())
}

/// `PHASE3` → `Phase 3`, `EARLY_PHASE1` → `Early phase 1`, `NA` → `Not applicable`.
fn phase(s: &str) -> String {
    match s {
        "NA" => "Not applicable".into(),
        "EARLY_PHASE1" => "Early phase 1".into(),
        _ => match s.strip_prefix("PHASE") {
            Some(n) => format!("Phase {n}"),
            None => words(s),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_words_read_like_the_website() {
        assert_eq!(words("ACTIVE_NOT_RECRUITING"), "Active not recruiting");
        assert_eq!(words("RECRUITING"), "Recruiting");
        assert_eq!(phase("PHASE3"), "Phase 3");
        assert_eq!(phase("NA"), "Not applicable");
    }

    #[test]
    fn registry_text_cannot_inject_html_or_charts() {
        let json = br#"{"protocolSection":{"identificationModule":{"nctId":"NCT01234567"},
            "statusModule":{"startDateStruct":{"date":"January 2021"},
                            "completionDateStruct":{"date":"2021-02-30"}},
            "designModule":{"enrollmentInfo":{"count":-5}},
            "descriptionModule":{"briefSummary":"A & B <script>x</script>\n{{ forest(trial=\"nope\") }}"}}}"#;
        let page = clinicaltrials_gov(json).unwrap();
        assert!(
            page.text.contains("A &amp; B &lt;script>x&lt;/script>"),
            "{}",
            page.text
        );
        assert!(page.text.contains("{&#8288;{ forest("), "{}", page.text);
        assert!(!page.text.contains("start:"), "{}", page.text);
        assert!(!page.text.contains("completion:"), "{}", page.text);
        assert!(!page.text.contains("enrollment:"), "{}", page.text);
        assert_eq!(page.skipped.len(), 3, "{:?}", page.skipped);
        assert!(page.skipped[0].starts_with("start: `January 2021` is not a date"));
    }

    #[test]
    fn registry_links_stay_text() {
        let json = br#"{"protocolSection":{"identificationModule":{"nctId":"NCT01234567"},
            "descriptionModule":{"briefSummary":"See [x](javascript:alert(1)) and \\[y](vbscript:z)\n\n[r]: javascript:alert(2)"}}}"#;
        let page = clinicaltrials_gov(json).unwrap();
        assert!(
            page.text
                .contains("See \\[x\\](javascript:alert(1)) and \\\\\\[y\\](vbscript:z)"),
            "{}",
            page.text
        );
        assert!(
            page.text.contains("\\[r\\]: javascript:alert(2)"),
            "{}",
            page.text
        );
        // And the page builds without a live link.
        let (md, _) = crate::parse::markdown::render(page.text.split("---\n").nth(2).unwrap());
        assert!(!md.html.contains("href"), "{}", md.html);
        assert!(
            md.html
                .contains("See [x](javascript:alert(1)) and \\[y](vbscript:z)"),
            "{}",
            md.html
        );
    }

    #[test]
    fn not_a_study_is_a_clear_error() {
        assert!(clinicaltrials_gov(b"{")
            .unwrap_err()
            .starts_with("not JSON"));
        assert!(clinicaltrials_gov(b"{}")
            .unwrap_err()
            .contains("protocolSection"));
        let bad_id = br#"{"protocolSection":{"identificationModule":{"nctId":"NCT123"}}}"#;
        assert!(clinicaltrials_gov(bad_id).unwrap_err().contains("NCT123"));
        let two = br#"{"studies":[{},{}]}"#;
        assert!(clinicaltrials_gov(two).unwrap_err().contains("2 studies"));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]
        #[test]
        fn any_text_in_any_field_imports_and_parses_back(
            a in ".*", b in "\\PC*", c in "[-:#&*!|>'\"{}\\[\\]%@` \n]{0,12}",
        ) {
            let v = serde_json::json!({
                "protocolSection": {
                    "identificationModule": {
                        "nctId": "NCT01234567", "acronym": a, "briefTitle": b, "officialTitle": c
                    },
                    "statusModule": { "whyStopped": c, "overallStatus": a },
                    "sponsorCollaboratorsModule": { "leadSponsor": { "name": b } },
                    "descriptionModule": { "briefSummary": a },
                    "conditionsModule": { "conditions": [a, b, c] },
                    "outcomesModule": { "primaryOutcomes": [{ "measure": b, "timeFrame": c }] }
                }
            });
            let page = clinicaltrials_gov(v.to_string().as_bytes()).unwrap();
            let (doc, diags) = crate::parse::parse_page(&page.rel_path, page.text.as_bytes());
            proptest::prop_assert!(!diags.has_errors(), "{}\n{}", diags, page.text);
            let front = doc.unwrap().front;
            let reg = front.trial.unwrap().registry.unwrap();
            let kept = |s: &str| Some(json::clean(s)).filter(|s| !s.is_empty());
            proptest::prop_assert_eq!(reg.sponsor, kept(&b));
            proptest::prop_assert_eq!(reg.why_stopped, kept(&c));
            let conditions: Vec<String> = [&a, &b, &c].iter().filter_map(|s| kept(s)).collect();
            proptest::prop_assert_eq!(reg.conditions, conditions);
        }
    }
}
