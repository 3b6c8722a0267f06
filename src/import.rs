//! Importing a trial-registry record: a ClinicalTrials.gov study exported as
//! JSON (API v2, the "Download → JSON" of a study page, or
//! `https://clinicaltrials.gov/api/v2/studies/NCT…`) becomes a registry-record
//! page, `content/trials/<nct id>/index.md`.
//!
//! Pure: bytes in, page text out. The command reads the file and writes the
//! page (`cli`), so this module never touches the disk. The front matter is
//! produced by serialising a typed struct with serde_yaml, so titles with
//! quotes or colons come out as valid YAML; the body is the registry's brief
//! summary, kept as the record's own words (the author rewrites it).
//!
//! When the trial's results are published later, the author adds the trial's
//! own page with the same registration number: the record then says
//! "results published" and links to it (see `link`).

use serde::Serialize;
use serde_json::Value;

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
}

#[derive(Serialize)]
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
}

/// Turn a ClinicalTrials.gov study (JSON, API v2) into a registry-record
/// page. The error says what is missing or malformed.
pub fn clinicaltrials_gov(json: &[u8]) -> Result<ImportedPage, String> {
    let v: Value = serde_json::from_slice(json)
        .map_err(|e| format!("not JSON: {e} (expected a ClinicalTrials.gov study, API v2)"))?;
    let p = Protocol(protocol_section(&v)?);
    let id = p
        .text(&["identificationModule", "nctId"])
        .ok_or("no `identificationModule.nctId`")?
        .to_ascii_uppercase();
    let valid_id =
        id.len() == 11 && id.starts_with("NCT") && id[3..].chars().all(|c| c.is_ascii_digit());
    if !valid_id {
        return Err(format!("`{id}` is not an NCT number (NCT and 8 digits)"));
    }
    let brief = p.text(&["identificationModule", "briefTitle"]);
    let official = p.text(&["identificationModule", "officialTitle"]);
    let acronym = p.text(&["identificationModule", "acronym"]);
    let mut skipped = Vec::new();
    let dates = Dates::of(&p, &mut skipped);
    let registry = registry(&p, &dates, &mut skipped);
    let name = acronym.unwrap_or_else(|| id.clone());
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
            registration: vec![id.clone()],
            registry,
        },
    };
    let yaml = serde_yaml::to_string(&front).map_err(|e| format!("cannot write YAML: {e}"))?;
    let summary = p.text(&["descriptionModule", "briefSummary"]);
    Ok(ImportedPage {
        rel_path: format!("content/trials/{}/index.md", id.to_ascii_lowercase()),
        id,
        text: page_text(&yaml, summary.as_deref()),
        skipped,
    })
}

/// The study's `protocolSection`: of the file itself, or of the one study
/// of a search result (`studies`).
fn protocol_section(v: &Value) -> Result<&Value, String> {
    let study = match v.get("studies").and_then(Value::as_array) {
        Some(list) if list.len() == 1 => &list[0],
        Some(list) => {
            return Err(format!(
                "the file holds {} studies; export one study per file",
                list.len()
            ))
        }
        None => v,
    };
    study.get("protocolSection").ok_or_else(|| {
        "no `protocolSection`: this is not a ClinicalTrials.gov study record (API v2)".to_string()
    })
}

/// A study's `protocolSection`, read field by field.
struct Protocol<'v>(&'v Value);

impl Protocol<'_> {
    /// The non-empty text at `path` (trimmed).
    fn text(&self, path: &[&str]) -> Option<String> {
        let mut cur = self.0;
        for k in path {
            cur = cur.get(k)?;
        }
        cur.as_str()
            .map(str::trim)
            .filter(|x| !x.is_empty())
            .map(String::from)
    }

    /// The strings of the array at the JSON `pointer`.
    fn strings(&self, pointer: &str) -> Vec<&str> {
        (self.0.pointer(pointer).and_then(Value::as_array))
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default()
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
    checked: Option<String>,
}

impl Dates {
    fn of(p: &Protocol, skipped: &mut Vec<String>) -> Dates {
        let mut date = |what: &str, v: Option<String>| -> Option<String> {
            let v = v?;
            match crate::model::date::Date::parse(&v) {
                Ok(_) => Some(v),
                Err(e) => {
                    skipped.push(format!("{what}: {e}"));
                    None
                }
            }
        };
        Dates {
            registered: date(
                "registered",
                p.text(&["statusModule", "studyFirstSubmitDate"]),
            ),
            start: date(
                "start",
                p.text(&["statusModule", "startDateStruct", "date"]),
            ),
            first_posted: date(
                "first posted",
                p.text(&["statusModule", "studyFirstPostDateStruct", "date"]),
            ),
            completion: date(
                "completion",
                p.text(&["statusModule", "completionDateStruct", "date"])
                    .or_else(|| p.text(&["statusModule", "primaryCompletionDateStruct", "date"])),
            ),
            checked: date(
                "last update",
                p.text(&["statusModule", "lastUpdatePostDateStruct", "date"]),
            ),
        }
    }
}

/// The page's `registry` block; a negative enrolment is left out (and
/// said so in `skipped`).
fn registry(p: &Protocol, dates: &Dates, skipped: &mut Vec<String>) -> FrontRegistry {
    let phases: Vec<String> = p
        .strings("/designModule/phases")
        .into_iter()
        .map(phase)
        .collect();
    let contact =
        (p.0.pointer("/contactsLocationsModule/overallOfficials/0/name"))
            .or_else(|| {
                p.0.pointer("/contactsLocationsModule/centralContacts/0/name")
            })
            .and_then(Value::as_str)
            .map(String::from);
    let enrollment =
        p.0.pointer("/designModule/enrollmentInfo/count")
            .and_then(Value::as_i64);
    if let Some(n) = enrollment.filter(|n| *n < 0) {
        skipped.push(format!("enrolment: {n} is negative"));
    }
    FrontRegistry {
        status: p
            .text(&["statusModule", "overallStatus"])
            .map(|x| words(&x)),
        phase: (!phases.is_empty()).then(|| phases.join("/")),
        study_type: p.text(&["designModule", "studyType"]).map(|x| words(&x)),
        sponsor: p.text(&["sponsorCollaboratorsModule", "leadSponsor", "name"]),
        contact,
        registered: dates.registered.clone(),
        start: dates.start.clone(),
        completion: dates.completion.clone(),
        checked: dates.checked.clone(),
        enrollment: enrollment.filter(|n| *n >= 0),
        conditions: (p.strings("/conditionsModule/conditions").into_iter())
            .map(String::from)
            .collect(),
    }
}

/// The page: its front matter (`yaml`), what the page is, and the
/// registry's brief summary as plain text.
fn page_text(yaml: &str, summary: Option<&str>) -> String {
    let mut text = format!("---\n{yaml}---\n");
    text.push_str(
        "\nThis page was imported from the trial's ClinicalTrials.gov record. It shows\n\
         what was registered before any results existed. When the results are\n\
         published, add the trial's own page with the same registration number:\n\
         this record will link to it.\n",
    );
    if let Some(summary) = summary {
        text.push_str("\n## What was registered\n\n");
        text.push_str(&as_plain_text(summary));
        text.push('\n');
    }
    text
}

/// Registry text placed in Markdown so that it reads as the words it is:
/// `<`, `&` and `{{` are escaped, so the record can neither inject HTML nor
/// turn a line into a chart shortcode, and `[`, `]` (with `\\`, so that an
/// escape cannot be undone) are backslash-escaped, so `[x](javascript:…)`
/// or a `[x]: url` definition stays text instead of becoming a link. The
/// build's sanitiser would drop such a link anyway; this keeps the page
/// source itself inert.
fn as_plain_text(s: &str) -> String {
    crate::sanitize::strip_nul(s)
        .replace("\r\n", "\n")
        .replace('\\', "\\\\")
        .replace('[', "\\[")
        .replace(']', "\\]")
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace("{{", "&#123;&#123;")
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
        assert!(page.text.contains("&#123;&#123; forest("), "{}", page.text);
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
}
