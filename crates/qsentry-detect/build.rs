//! Embeds the built-in rule pack: writes `$OUT_DIR/builtin_rules.rs` with one `include_str!` per
//! `rules/ibmi/*.yml` file of the workspace, sorted by name, so the pack is part of the binary.

use std::path::{Path, PathBuf};

fn main() {
    let manifest = std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from).unwrap_or_default();
    let dir = manifest.join("../../rules/ibmi");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files: Vec<PathBuf> = match std::fs::read_dir(&dir) {
        Ok(rd) => rd
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().and_then(|e| e.to_str()).is_some_and(|e| e == "yml" || e == "yaml"))
            .collect(),
        Err(e) => {
            println!("cargo:warning=no built-in rules: {}: {e}", dir.display());
            Vec::new()
        }
    };
    files.sort();
    let mut out =
        String::from("/// The built-in rule files: (file name, YAML text).\npub const BUILTIN: &[(&str, &str)] = &[\n");
    for f in &files {
        println!("cargo:rerun-if-changed={}", f.display());
        let name = f.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        let abs = f.canonicalize().unwrap_or_else(|_| f.clone());
        out.push_str(&format!("    ({name:?}, include_str!({:?})),\n", path_text(&abs)));
    }
    out.push_str("];\n");
    let dest = PathBuf::from(std::env::var_os("OUT_DIR").unwrap_or_default()).join("builtin_rules.rs");
    if let Err(e) = std::fs::write(&dest, out) {
        panic!("writing {}: {e}", dest.display());
    }
}

fn path_text(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}
