//! Expanding the paths given on the command line: files as given, folders walked recursively in
//! sorted order (so output order does not depend on the file system).

use std::path::{Path, PathBuf};

/// Files under the given paths. Hidden files and folders (name starting with `.`) inside folders are
/// skipped; a path that does not exist is an error naming it.
pub fn expand(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    Ok(expand_marked(paths)?.into_iter().map(|(p, _)| p).collect())
}

/// Like [`expand`], with each file marked `true` when it was named on the command line (not found in a
/// folder): a named file of unknown format is an error, a found one is skipped with a note.
pub fn expand_marked(paths: &[PathBuf]) -> Result<Vec<(PathBuf, bool)>, String> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut found = Vec::new();
            walk(p, &mut found).map_err(|e| format!("{}: {e}", p.display()))?;
            out.extend(found.into_iter().map(|f| (f, false)));
        } else if p.exists() {
            out.push((p.clone(), true));
        } else {
            return Err(format!("{}: no such file or folder", p.display()));
        }
    }
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)?.map(|e| e.map(|e| e.path())).collect::<Result<_, _>>()?;
    entries.sort();
    for p in entries {
        let hidden = p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with('.'));
        if hidden {
            continue;
        }
        if p.is_dir() {
            walk(&p, out)?;
        } else {
            out.push(p);
        }
    }
    Ok(())
}
