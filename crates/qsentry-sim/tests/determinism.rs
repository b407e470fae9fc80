//! Same arguments → byte-identical files; another seed → different data.

mod common;

use common::{files, small_args};
use qsentry_sim::simulate;

#[test]
fn same_seed_same_bytes_other_seed_other_data() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b, c) = (tmp.path().join("a"), tmp.path().join("b"), tmp.path().join("c"));
    simulate(&small_args(&a, 7)).unwrap();
    simulate(&small_args(&b, 7)).unwrap();
    simulate(&small_args(&c, 8)).unwrap();
    let (fa, fb) = (files(&a), files(&b));
    let rel = |root: &std::path::Path, v: &[std::path::PathBuf]| -> Vec<String> {
        v.iter().map(|p| p.strip_prefix(root).unwrap().display().to_string()).collect()
    };
    assert_eq!(rel(&a, &fa), rel(&b, &fb), "same file set");
    assert!(fa.len() > 40, "{} files", fa.len());
    for (x, y) in fa.iter().zip(&fb) {
        assert!(std::fs::read(x).unwrap() == std::fs::read(y).unwrap(), "{} differs between runs", x.display());
    }
    let bin = |root: &std::path::Path| std::fs::read(root.join("PRODA/2026-11-02/QAUDJRN_JS.type5")).unwrap();
    assert_ne!(bin(&a), bin(&c), "another seed gives other entries");
    let manifest = |root: &std::path::Path| std::fs::read_to_string(root.join("manifest.json")).unwrap();
    assert_ne!(manifest(&a), manifest(&c));
}
