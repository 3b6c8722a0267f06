//! `appraise import`: a ClinicalTrials.gov record with posted results
//! becomes a page with its arms and numbers; importing a newer record
//! updates only the page's `trial.registry` block (and says what changed);
//! hostile records (wrong types, huge, deeply nested, YAML/Tera/HTML/
//! Markdown metacharacters, a BOM, a path in the NCT id) give a clear error
//! or safe text, never a file outside `content/` or over the page limit.

use std::path::{Path, PathBuf};
use std::process::Output;

use crate::{appraise, build, fixture, read, stderr};

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// A new site (`appraise init`) in `t`; returns its folder.
fn new_site(t: &Path) -> PathBuf {
    let site = t.join("site");
    assert!(appraise(&["init", site.to_str().unwrap()]).status.success());
    site
}

fn import(json: &Path, site: &Path) -> Output {
    appraise(&[
        "import",
        json.to_str().unwrap(),
        "--root",
        site.to_str().unwrap(),
    ])
}

const PAGE: &str = "content/trials/nct04728932/index.md";
const RESULTS: &str = "import/nct04728932-results.json";

/// The warnings the results fixture gives, for `file`.
fn results_warnings(file: &Path) -> String {
    let f = file.display();
    format!(
        "warning: {f}: left out outcome measure `Vasoactive-Inotropic Score`: its numbers are \
         least squares mean with standard error (appraise reads counts of participants, means \
         with SD and medians with IQR)\n\
         warning: {f}: left out outcome measure `Rhythm at Weaning`: it is posted by category \
         or subgroup, which appraise does not import\n"
    )
}

#[test]
fn posted_results_become_the_registry_block_and_the_arms() {
    let t = tempfile::tempdir().unwrap();
    let site = new_site(t.path());
    let json = fixture(RESULTS);
    let o = import(&json, &site);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        "created content/trials/nct04728932/index.md (registry record NCT04728932); add tags \
         and a question, then build\n"
    );
    assert_eq!(stderr(&o), results_warnings(&json));
    let page = std::fs::read_to_string(site.join(PAGE)).unwrap();
    let expected = std::fs::read_to_string(fixture("import/nct04728932-results.md")).unwrap();
    assert_eq!(page, expected);
    // It builds, as a registry record (no paper yet).
    let out = t.path().join("out");
    let o = build(&site, &out, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!stderr(&o).contains("nct04728932"), "{}", stderr(&o));
    let html = read(&out, "trials/nct04728932/index.html");
    assert!(html.contains("LEVOECMO"), "{html}");
    assert!(html.contains("Completed"), "{html}");
}

#[test]
fn reimport_updates_only_the_registry_block_and_says_what_changed() {
    let t = tempfile::tempdir().unwrap();
    let site = new_site(t.path());
    let page = site.join(PAGE);
    std::fs::create_dir_all(page.parent().unwrap()).unwrap();
    // A page imported before the results, then edited by its author
    // (tags, comments, a question after the block, prose).
    let authored = std::fs::read(fixture("import/authored.md")).unwrap();
    std::fs::write(&page, &authored).unwrap();
    let json = fixture(RESULTS);
    let o = import(&json, &site);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        "updated content/trials/nct04728932/index.md (registry record NCT04728932):\n\
         \x20 status: Recruiting → Completed\n\
         \x20 registered: (none) → 2021-01-25\n\
         \x20 completion: 2024-11 → 2024-09-30\n\
         \x20 checked: (none) → 2025-03-10\n\
         \x20 primary_completion: (none) → 2024-06-30\n\
         \x20 enrollment_actual: (none) → 205\n\
         \x20 results_posted: (none) → 2025-03-10\n\
         \x20 primary_outcomes: 1 registered\n\
         \x20 secondary_outcomes: 2 registered\n\
         \x20 results: 4 outcome measures, 2 adverse events posted\n\
         \x20 arms: added levosimendan (Levosimendan), placebo (Placebo)\n\
         \x20 end-of-line comment not kept (`status: Recruiting`): # as the sponsor gave it\n\
         \x20 comment inside `conditions` moved above it: # the one condition\n"
    );
    assert_eq!(stderr(&o), results_warnings(&json));
    let updated = std::fs::read_to_string(&page).unwrap();
    let expected = std::fs::read_to_string(fixture("import/reimported.md")).unwrap();
    assert_eq!(updated, expected);
    // Everything outside the block is the author's, byte for byte.
    let authored = String::from_utf8(authored).unwrap();
    let block_start = authored.find("  registry:\n").unwrap();
    assert_eq!(updated[..block_start], authored[..block_start]);
    let after = &authored[authored.find("\n\n  # the author's question").unwrap()..];
    assert!(updated.ends_with(after));
    // The block's full-line comments are kept: above their field, one
    // from inside a value moved above it, one after the last field last.
    assert!(updated.contains("    # inside the block\n    # the one condition\n    conditions:\n"));
    assert!(updated.contains("    # after the last field\n  arms:\n"));
    // The same record again: no change, the file untouched.
    let before = std::fs::metadata(&page).unwrap().modified().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    let o = import(&json, &site);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        "no change: content/trials/nct04728932/index.md already holds this record of \
         NCT04728932\n"
    );
    assert_eq!(std::fs::read_to_string(&page).unwrap(), expected);
    assert_eq!(
        std::fs::metadata(&page).unwrap().modified().unwrap(),
        before
    );
    let o = build(&site, &t.path().join("out"), &[]);
    assert!(o.status.success(), "{}", stderr(&o));
}

/// A hand-written trial page at the record's path, with its own arm ids and
/// a posted result linked to one of its outcomes.
const OWN_ARMS: &str = "---\ntitle: \"LEVOECMO: registry record\"\ntrial:\n    acronym: LEVOECMO\n    registration: [NCT04728932]\n    arms:\n        - { id: levo, label: LEVOSIMENDAN }\n        - { id: pbo, label: placebo, control: true }\n    registry:\n        status: Completed\n        enrollment: 206\n        results:\n            outcomes:\n                - title: death\n                  outcome: death-30d\n                  binary: { levo: 1/2, pbo: 1/2 }\n    question: Does it work?\n---\nProse.\n";

#[test]
fn reimport_keeps_the_pages_arm_ids_its_outcome_links_and_its_target_enrolment() {
    let t = tempfile::tempdir().unwrap();
    let site = new_site(t.path());
    let page = site.join(PAGE);
    std::fs::create_dir_all(page.parent().unwrap()).unwrap();
    std::fs::write(&page, OWN_ARMS).unwrap();
    let o = import(&fixture(RESULTS), &site);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = std::fs::read_to_string(&page).unwrap();
    let (doc, diags) = appraise::parse::parse_page(PAGE, text.as_bytes());
    assert!(!diags.has_errors(), "{diags}");
    let trial = doc.unwrap().front.trial.unwrap();
    let reg = trial.registry.unwrap();
    assert_eq!(reg.enrollment, Some(206), "the target is kept");
    assert_eq!(reg.enrollment_actual, Some(205));
    let results = reg.results.unwrap();
    let death = (results.outcomes.iter())
        .find(|o| o.title == "Death")
        .unwrap();
    assert_eq!(death.outcome.as_deref(), Some("death-30d"));
    let keys: Vec<&String> = death.binary.as_ref().unwrap().keys().collect();
    assert_eq!(keys, ["levo", "pbo"]);
    assert_eq!(
        results.groups.into_iter().collect::<Vec<_>>(),
        [
            ("levo".to_string(), "Levosimendan".to_string()),
            ("pbo".to_string(), "Placebo".to_string())
        ]
    );
    // Written at the page's own indentation; the rest is untouched.
    assert!(text.starts_with(&OWN_ARMS[..OWN_ARMS.find("    registry:").unwrap()]));
    assert!(
        text.contains("\n    registry:\n        status: Completed\n"),
        "{text}"
    );
    assert!(
        text.ends_with("    question: Does it work?\n---\nProse.\n"),
        "{text}"
    );
    assert!(stdout(&o)
        .contains("  results: 1 outcome measure → 4 outcome measures, 2 adverse events\n"));
}

/// Import `json` onto a page holding `page`; asserts it is refused with
/// `message` and the page is unchanged.
fn refused(page_text: &str, json: &Path, message: &str) {
    let t = tempfile::tempdir().unwrap();
    let site = new_site(t.path());
    let page = site.join(PAGE);
    std::fs::create_dir_all(page.parent().unwrap()).unwrap();
    std::fs::write(&page, page_text).unwrap();
    let o = import(json, &site);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert_eq!(
        stderr(&o),
        format!(
            "error: {PAGE}: {message}\n  (nothing written; the record is {})\n",
            json.display()
        )
    );
    assert_eq!(std::fs::read_to_string(&page).unwrap(), page_text);
}

#[test]
fn reimport_refuses_another_trial_a_page_without_a_registry_block_and_unmatched_groups() {
    let json = fixture(RESULTS);
    refused(
        "---\ntitle: T\ntrial:\n  acronym: T\n  registration: [NCT00000001]\n  registry: {}\n---\n",
        &json,
        "the page's `registration` (NCT00000001) does not include NCT04728932; is this the \
         right record?",
    );
    refused(
        "---\ntitle: T\ntrial:\n  acronym: T\n  registration: [NCT04728932]\n---\n",
        &json,
        "the page has no `trial.registry` block to update; add `registry: {}` under `trial:` \
         to let import fill it",
    );
    refused(
        "---\ntitle: T\ntrial:\n  acronym: T\n  registration: [NCT04728932]\n  registry: {}\n  \
         arms:\n    - { id: a, label: Levo }\n    - { id: placebo }\n---\n",
        &json,
        "the record's group(s) `Levosimendan` (first in the participant flow), `LEVOSIMENDAN` \
         (first in the outcome measure `Death`) match no arm of the page (`a` (Levo), \
         `placebo` (placebo)); give the arm the group's title as its `label` (case and \
         punctuation do not matter), then import again",
    );
    refused(
        "---\ntitle: T\n",
        &json,
        &format!(
            "the page has errors; fix them, then import again:\nerror: {PAGE}:1:1: the front \
             matter is not closed\n  hint: add a line `---` after the last front-matter line"
        ),
    );
}

/// Write a record file `name` holding `bytes` in `dir`.
fn record(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

/// The files under the site's `content/trials`, sorted.
fn trial_files(site: &Path) -> Vec<String> {
    let mut v: Vec<String> = walk(&site.join("content/trials"));
    v.sort();
    v
}

fn walk(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p.display().to_string());
        }
    }
    out
}

#[test]
fn wrong_json_types_are_left_out_with_their_path() {
    let t = tempfile::tempdir().unwrap();
    let site = new_site(t.path());
    let json = fixture("import/wrong-types.json");
    let o = import(&json, &site);
    assert!(o.status.success(), "{}", stderr(&o));
    let f = json.display();
    let expected: String = [
        "`protocolSection.identificationModule.briefTitle`: a number where text belongs",
        "`protocolSection.identificationModule.acronym`: a list where text belongs",
        "`protocolSection.statusModule.startDateStruct`: text where an object belongs",
        "`protocolSection.designModule.phases[0]`: a number where text belongs",
        "`protocolSection.designModule.enrollmentInfo.count`: text where a number belongs",
        "`protocolSection.conditionsModule.conditions`: text where a list belongs",
        "`protocolSection.statusModule.overallStatus`: an object where text belongs",
        "`protocolSection.statusModule.whyStopped`: true/false where text belongs",
        "`protocolSection.outcomesModule.primaryOutcomes`: an object where a list belongs",
        "`resultsSection.participantFlowModule.periods[0].milestones[0].achievements[0].numSubjects`: \
         text where a number belongs",
        "`resultsSection.outcomeMeasuresModule.outcomeMeasures`: an object where a list belongs",
        "`resultsSection.adverseEventsModule`: a list where an object belongs",
    ]
    .iter()
    .map(|w| format!("warning: {f}: left out {w}\n"))
    .collect();
    assert_eq!(stderr(&o), expected);
    let o = build(&site, &t.path().join("out"), &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    // The id itself of the wrong type is an error: there is no page to name.
    let bad = record(
        t.path(),
        "bad-id.json",
        br#"{"protocolSection": {"identificationModule": {"nctId": 4728932}}}"#,
    );
    let o = import(&bad, &site);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stderr(&o),
        format!(
            "error: {}: `protocolSection.identificationModule.nctId` is not text (expected NCT \
             and 8 digits)\n",
            bad.display()
        )
    );
}

#[test]
fn huge_deep_or_misnamed_records_are_refused_and_nothing_is_written() {
    let t = tempfile::tempdir().unwrap();
    let site = new_site(t.path());
    let before = trial_files(&site);
    let deep = record(t.path(), "deep.json", &vec![b'['; 100_000]);
    let huge = record(t.path(), "huge.json", b"");
    std::fs::File::options()
        .write(true)
        .open(&huge)
        .unwrap()
        .set_len(20 * 1024 * 1024 + 1)
        .unwrap();
    let path_id = record(
        t.path(),
        "path.json",
        br#"{"protocolSection": {"identificationModule": {"nctId": "../../NCT04728932"}}}"#,
    );
    let summary = "a".repeat(17 * 1024 * 1024);
    let big_page = record(
        t.path(),
        "big-page.json",
        format!(
            r#"{{"protocolSection": {{"identificationModule": {{"nctId": "NCT04728932"}},
               "descriptionModule": {{"briefSummary": "{summary}"}}}}}}"#
        )
        .as_bytes(),
    );
    let cases = [
        (
            &deep,
            "not JSON: recursion limit exceeded at line 1 column 128 (expected a \
             ClinicalTrials.gov study, API v2)"
                .to_string(),
        ),
        (
            &huge,
            "the file is over 20971520 bytes, more than a record may be".to_string(),
        ),
        (
            &path_id,
            "`../../NCT04728932` is not an NCT number (NCT and 8 digits)".to_string(),
        ),
        (
            &big_page,
            format!(
                "the page would be {} bytes, over the 16777216 bytes a page may have; nothing \
                 written",
                17 * 1024 * 1024 + 425
            ),
        ),
    ];
    for (file, message) in cases {
        let o = import(file, &site);
        assert_eq!(o.status.code(), Some(1), "{}", file.display());
        assert_eq!(
            stderr(&o),
            format!("error: {}: {message}\n", file.display())
        );
        assert_eq!(trial_files(&site), before, "{}", file.display());
    }
    assert!(!t.path().join("NCT04728932").exists());
}

#[test]
fn a_byte_order_mark_is_accepted() {
    let t = tempfile::tempdir().unwrap();
    let site = new_site(t.path());
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend(std::fs::read(fixture("import/nct04728932.json")).unwrap());
    let json = record(t.path(), "bom.json", &bytes);
    let o = import(&json, &site);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(std::fs::read_to_string(site.join(PAGE))
        .unwrap()
        .contains("    status: Recruiting\n"));
}

/// Text with YAML, Tera, HTML and Markdown metacharacters, and control
/// characters.
const HOSTILE: &str = "- a: b # c\n---\n...\n&anchor *ref !!tag |\n{{ forest(trial=\"x\") }} \
                       {% if true %}x{% endif %}\n<script>alert('regimp')</script>\n\
                       [x](javascript:alert(1)) \"quoted\" 'single' \\ \u{0}nul\u{1b}[1m\u{7}";

#[test]
fn hostile_text_comes_back_as_the_same_text_and_never_as_markup() {
    let t = tempfile::tempdir().unwrap();
    let site = new_site(t.path());
    let h = HOSTILE;
    let v = serde_json::json!({
        "protocolSection": {
            "identificationModule": {
                "nctId": "NCT04728932", "acronym": h, "briefTitle": h, "officialTitle": h
            },
            "statusModule": { "overallStatus": "TERMINATED", "whyStopped": h },
            "sponsorCollaboratorsModule": { "leadSponsor": { "name": h } },
            "contactsLocationsModule": { "overallOfficials": [{ "name": h }] },
            "descriptionModule": { "briefSummary": h },
            "conditionsModule": { "conditions": [h] },
            "outcomesModule": {
                "primaryOutcomes": [{ "measure": h, "timeFrame": h, "description": h }]
            }
        },
        "resultsSection": {
            "participantFlowModule": {
                "groups": [{ "id": "FG000", "title": h }, { "id": "FG001", "title": "Placebo" }]
            },
            "outcomeMeasuresModule": { "outcomeMeasures": [{
                "type": "PRIMARY", "title": h, "timeFrame": h, "unitOfMeasure": h,
                "paramType": "COUNT_OF_PARTICIPANTS",
                "groups": [{ "id": "OG000", "title": h }, { "id": "OG001", "title": "Placebo" }],
                "denoms": [{ "counts": [
                    { "groupId": "OG000", "value": "10" }, { "groupId": "OG001", "value": "10" }
                ] }],
                "classes": [{ "categories": [{ "measurements": [
                    { "groupId": "OG000", "value": "1" }, { "groupId": "OG001", "value": "2" }
                ] }] }]
            }] },
            "adverseEventsModule": {
                "eventGroups": [{ "id": "EG000", "title": h }, { "id": "EG001", "title": "Placebo" }],
                "seriousEvents": [{ "term": h, "stats": [
                    { "groupId": "EG000", "numAffected": 1, "numAtRisk": 10 },
                    { "groupId": "EG001", "numAffected": 0, "numAtRisk": 10 }
                ] }]
            }
        }
    });
    let json = record(t.path(), "hostile.json", v.to_string().as_bytes());
    let o = import(&json, &site);
    assert!(o.status.success(), "{}", stderr(&o));
    // Control characters are dropped; everything else comes back as written.
    let same: String = h
        .trim()
        .chars()
        .filter(|c| !c.is_control() || *c == '\n')
        .collect();
    let text = std::fs::read_to_string(site.join(PAGE)).unwrap();
    let (doc, diags) = appraise::parse::parse_page(PAGE, text.as_bytes());
    assert!(!diags.has_errors(), "{diags}\n{text}");
    let front = doc.unwrap().front;
    let trial = front.trial.unwrap();
    let reg = trial.registry.unwrap();
    let results = reg.results.unwrap();
    let texts = [
        &trial.acronym,
        trial.title.as_ref().unwrap(),
        reg.why_stopped.as_ref().unwrap(),
        reg.sponsor.as_ref().unwrap(),
        reg.contact.as_ref().unwrap(),
        &reg.conditions[0],
        &reg.primary_outcomes[0].measure,
        reg.primary_outcomes[0].time_frame.as_ref().unwrap(),
        reg.primary_outcomes[0].description.as_ref().unwrap(),
        &results.outcomes[0].title,
        results.outcomes[0].time_frame.as_ref().unwrap(),
        results.outcomes[0].unit.as_ref().unwrap(),
        &results.adverse_events[0].term,
        &trial.arms[0].label,
    ];
    for (i, got) in texts.into_iter().enumerate() {
        assert_eq!(got, &same, "field {i}");
    }
    assert_eq!(
        front.title.unwrap(),
        format!("{same}: {same} (registry record)")
    );
    // The hostile group title matched across modules through its slug.
    assert_eq!(results.outcomes[0].binary.as_ref().unwrap().len(), 2);
    // Built, none of it is markup.
    let out = t.path().join("out");
    let o = build(&site, &out, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    // (JSON files hold the text as JSON strings, which is data, not markup.)
    for (path, bytes) in crate::tree(&out) {
        if path.ends_with(".json") {
            continue;
        }
        let s = String::from_utf8_lossy(&bytes);
        assert!(!s.contains("<script>alert"), "{path}");
        assert!(!s.contains("href=\"javascript"), "{path}");
    }
}

#[cfg(unix)]
#[test]
fn reimport_never_writes_through_a_symlink_out_of_content() {
    use std::os::unix::fs::symlink;
    let authored = std::fs::read(fixture("import/authored.md")).unwrap();
    let json = fixture(RESULTS);
    // The page itself a link to a file elsewhere.
    let t = tempfile::tempdir().unwrap();
    let site = new_site(t.path());
    let outside = t.path().join("outside.md");
    std::fs::write(&outside, &authored).unwrap();
    std::fs::create_dir_all(site.join(PAGE).parent().unwrap()).unwrap();
    symlink(&outside, site.join(PAGE)).unwrap();
    let o = import(&json, &site);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stderr(&o),
        format!("error: {PAGE}: refusing to read or update the page: it is a symlink\n")
    );
    assert_eq!(std::fs::read(&outside).unwrap(), authored);
    // The trial's folder a link to a folder elsewhere.
    let t = tempfile::tempdir().unwrap();
    let site = new_site(t.path());
    let elsewhere = t.path().join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    std::fs::write(elsewhere.join("index.md"), &authored).unwrap();
    std::fs::create_dir_all(site.join("content/trials")).unwrap();
    symlink(&elsewhere, site.join("content/trials/nct04728932")).unwrap();
    let o = import(&json, &site);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).ends_with(&format!(
            "error: {PAGE}: refusing to write through content/trials/nct04728932: it is a \
             symlink to {}, outside content/\n",
            elsewhere.canonicalize().unwrap().display()
        )),
        "{}",
        stderr(&o)
    );
    assert_eq!(std::fs::read(elsewhere.join("index.md")).unwrap(), authored);
    assert_eq!(std::fs::read_dir(&elsewhere).unwrap().count(), 1);
}
