//! No panics on any input: malformed, huge, deep or random pages go through
//! parse and model and come out as diagnostics.

use appraise::diag::Diagnostics;
use appraise::parse::{parse_page, Parsed};

fn run(text: &[u8]) -> Diagnostics {
    let (doc, mut d) = parse_page("content/x.md", text);
    let mut parsed = Parsed::default();
    parsed.docs.extend(doc);
    let (_, d2) = appraise::model::build(
        &parsed,
        &appraise::model::Overrides {
            drafts: true,
            base_url: None,
            source_date: None,
        },
    );
    d.extend(d2);
    d
}

#[test]
fn malformed_pages_give_diagnostics_not_panics() {
    let deep = format!(
        "---\ntitle: {}1{}\n---\n",
        "[".repeat(5000),
        "]".repeat(5000)
    );
    let wide = format!(
        "---\ntitle: A\ntags: [{}]\n---\n",
        vec!["x"; 100_000].join(",")
    );
    let big_body = format!(
        "---\ntitle: A\n---\n{}",
        "# h\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n".repeat(20_000)
    );
    let cases: Vec<Vec<u8>> = vec![
        b"".to_vec(),
        b"---".to_vec(),
        b"---\n---\n".to_vec(),
        b"---\n: :\n---\n".to_vec(),
        b"---\ntitle: A\ntrial: 5\n---\n".to_vec(),
        b"---\ntitle: A\ntrial:\n  acronym: X\n  outcomes: [{ id: o, binary: { a: 1/0 } }]\n---\n".to_vec(),
        b"---\ntitle: A\ntrial:\n  acronym: X\n  arms: [{id: a}, {id: a}]\n  outcomes: [{ id: o, reported: { measure: RR, estimate: -1, ci: [2] } }]\n---\n".to_vec(),
        b"---\ntitle: A\ndate: 99999-99-99\n---\n".to_vec(),
        b"---\ntitle: !!binary aGVsbG8=\n---\n".to_vec(),
        b"---\na: &a [*a]\n---\n".to_vec(),
        b"\xef\xbb\xbf---\ntitle: BOM\n---\n{{ forest(outcome=\"x\n".to_vec(),
        deep.into_bytes(),
        wide.into_bytes(),
        big_body.into_bytes(),
        vec![0xff; 1000],
    ];
    for c in &cases {
        let _ = run(c);
    }
}

#[test]
fn random_bytes_never_panic() {
    // A small deterministic generator: no extra dependency needed.
    let mut x: u64 = 0x9e3779b97f4a7c15;
    let alphabet = b"---\n:{}[],/ abc123.-#|>\"'&*!%@`\t";
    for _ in 0..2000 {
        let mut page = b"---\n".to_vec();
        for _ in 0..(x % 200) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            page.push(alphabet[(x % alphabet.len() as u64) as usize]);
        }
        page.extend_from_slice(b"\n---\nbody\n");
        let _ = run(&page);
    }
}
