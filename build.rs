//! Embeds the default theme (`themes/default/`) into the binary, so that
//! `appraise init` and sites without a theme folder work anywhere.
//!
//! Generates `$OUT_DIR/default_theme.rs`: a sorted table of
//! `(relative path, include_bytes!(...))`. No hand-kept file list: adding a
//! file to the theme is enough (cargo re-runs this script when the folder
//! or any file in it changes).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            walk(&p, out);
        } else if !e.file_name().to_string_lossy().starts_with('.') {
            out.push(p);
        }
    }
}

fn main() {
    let root =
        PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let theme = root.join("themes").join("default");
    println!("cargo:rerun-if-changed=themes/default");
    let mut files = Vec::new();
    walk(&theme, &mut files);
    files.sort();
    let mut src = String::from("/// The default theme: (path relative to the theme folder, bytes).\npub(crate) static DEFAULT_THEME: &[(&str, &[u8])] = &[\n");
    for f in &files {
        println!("cargo:rerun-if-changed={}", f.display());
        let rel: Vec<String> = f
            .strip_prefix(&theme)
            .expect("inside theme")
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        writeln!(
            src,
            "    ({:?}, include_bytes!({:?})),",
            rel.join("/"),
            f.display().to_string()
        )
        .expect("write to string");
    }
    src.push_str("];\n");
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"))
        .join("default_theme.rs");
    std::fs::write(out, src).expect("write generated theme table");
}
