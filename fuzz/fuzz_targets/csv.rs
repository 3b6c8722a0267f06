//! The CSV outcome reader (src/parse/csv.rs) on arbitrary text: no panic,
//! every error located at a 1-based line and column, every outcome at a
//! line that exists.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The parse stage hands the reader decoded text only (bad UTF-8 is
    // reported before), so the reader's input is any valid string.
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (outcomes, errors) = appraise::parse::csv::parse_outcomes(text);
    // The reader counts lines at `\n`, as `str::lines` does.
    let lines = text.bytes().filter(|&b| b == b'\n').count() + 1;
    for e in &errors {
        assert!(
            e.line >= 1 && e.line <= lines,
            "line out of the file in {e:?}"
        );
        assert!(e.column >= 1, "column 0 in {e:?}");
        assert!(!e.message.is_empty());
    }
    for (_, line) in &outcomes {
        assert!(
            *line >= 1 && *line <= lines,
            "outcome at line {line} of {lines}"
        );
    }
});
