//! A whole one-page build in memory: the input is the page
//! `content/trials/x.md` of a site that also has a fixed home page, a fixed
//! second trial and a fixed topic pooling both, and goes through every
//! stage after discover (parse, model, link, analyse, charts, render) with
//! nothing written. If the input contains the line `%%outcomes.csv%%`, the
//! page becomes the bundle `content/trials/x/index.md` and the text after
//! that line its `outcomes.csv`.
//!
//! Nothing may panic; every output path stays inside the output folder;
//! no NUL byte reaches a page, feed or JSON file.
#![no_main]

use std::path::PathBuf;

use appraise::diag::Diagnostics;
use appraise::discover::{FileKind, SourceFile, Sources};
use appraise::pipeline::{self, Options};
use libfuzzer_sys::fuzz_target;

const INDEX: &str = "---\ntitle: Fuzz site\nbase_url: https://example.org/\n---\nHome.\n";

const OTHER_TRIAL: &str = "---
title: Y
date: 2020-01-01
trial:
  acronym: Y
  arms:
    - { id: drug, label: Drug, n: 100 }
    - { id: placebo, label: Placebo, n: 100, control: true }
  outcomes:
    - id: death
      label: Death at 28 days
      endpoint: all-cause-mortality
      binary: { drug: 20/100, placebo: 30/100 }
      reported: { measure: RR, estimate: 0.67, ci: [0.41, 1.09] }
---
A fixed trial.
";

const TOPIC: &str = "---
title: T
topic:
  trials: [x, y]
  analyses:
    - id: mortality
      title: Mortality
      endpoint: all-cause-mortality
      measure: RR
---
Pools [X](@/trials/x) with Y.
";

const CSV_LINE: &[u8] = b"\n%%outcomes.csv%%\n";

fn file(rel_path: &str, kind: FileKind, bytes: &[u8]) -> SourceFile {
    SourceFile {
        rel_path: rel_path.to_string(),
        kind,
        bytes: bytes.to_vec(),
    }
}

fuzz_target!(|data: &[u8]| {
    let mut files = vec![
        file("content/_index.md", FileKind::Page, INDEX.as_bytes()),
        file("content/topics/t.md", FileKind::Page, TOPIC.as_bytes()),
        file(
            "content/trials/y.md",
            FileKind::Page,
            OTHER_TRIAL.as_bytes(),
        ),
    ];
    match data.windows(CSV_LINE.len()).position(|w| w == CSV_LINE) {
        Some(at) => {
            let (page, csv) = (&data[..at + 1], &data[at + CSV_LINE.len()..]);
            files.push(file("content/trials/x/index.md", FileKind::Page, page));
            files.push(file(
                "content/trials/x/outcomes.csv",
                FileKind::DataCsv,
                csv,
            ));
        }
        None => files.push(file("content/trials/x.md", FileKind::Page, data)),
    }
    files.sort_by(|a, b| a.rel_path.cmp(&b.rel_path));
    let sources = Sources { files };
    let opts = Options {
        drafts: data.first().is_some_and(|b| b & 1 == 1),
        ..Options::in_memory(PathBuf::from("/nonexistent-fuzz-site"))
    };
    let r = pipeline::build_sources(&sources, Diagnostics::new(), &opts);
    assert!(!r.written);
    let _ = r.summary();
    for d in r.diagnostics.iter() {
        let _ = d.to_string();
    }
    for f in &r.output {
        assert!(
            !f.path.is_empty()
                && !f.path.starts_with('/')
                && !f.path.contains('\\')
                && f.path
                    .split('/')
                    .all(|c| !c.is_empty() && c != "." && c != ".."),
            "output path {:?}",
            f.path
        );
        if [".html", ".xml", ".json"]
            .iter()
            .any(|e| f.path.ends_with(e))
        {
            assert!(!f.bytes.contains(&0), "NUL byte in {}", f.path);
        }
    }
});
