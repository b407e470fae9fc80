//! `qsentry.toml`: what IBM i files do not say about their system — its CCSID, its UTC offset
//! (QUTCOFFSET), the SYSCOLUMNS layouts of its journaled files, its leavers list, and which folders hold
//! its exports. Relative paths are relative to the file's own folder.
//!
//! ```toml
//! [store]
//! database = "qsentry.duckdb"
//! memory_limit = "256MB"
//! events_per_run = 8388608              # an ingest records its work every this many events
//!
//! [systems.PRODA]
//! ccsid = 37
//! utc_offset = "-05:00"
//! paths = ["PRODA"]
//! layouts = ["PRODA/SYSCOLUMNS.csv"]
//! leavers = "PRODA/leavers.csv"
//!
//! [geo]
//! dir = "/srv/qsentry/geo"              # country/network dataset (scripts/fetch-geo.sh); default ~/.local/share/qsentry/geo
//!
//! [incidents]
//! journal = "qsentry-incidents.jsonl"   # default: beside the database, named after it
//! window_minutes = 120                  # alerts sharing a user, address or object this close join
//! ongoing_minutes = 60                  # an incident is ongoing when its last alert is this recent
//! link_ignore = ["QUSER"]               # shared profiles that never link alerts
//! ```

use anyhow::{Context, Result, anyhow};
use qsentry_ingest::DecodeOptions;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The file as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    #[serde(default)]
    pub store: StoreSection,
    #[serde(default)]
    pub systems: BTreeMap<String, SystemSection>,
    #[serde(default)]
    pub incidents: IncidentsSection,
    #[serde(default)]
    pub geo: GeoSection,
}

/// Where the offline country and network-owner dataset lives.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GeoSection {
    pub dir: Option<PathBuf>,
}

/// How alerts become incidents, and where the incident journal lives.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IncidentsSection {
    pub journal: Option<PathBuf>,
    pub window_minutes: Option<u32>,
    pub ongoing_minutes: Option<u32>,
    #[serde(default)]
    pub link_ignore: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoreSection {
    pub database: Option<PathBuf>,
    pub memory_limit: Option<String>,
    pub events_per_run: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SystemSection {
    pub ccsid: Option<u16>,
    pub utc_offset: Option<String>,
    #[serde(default)]
    pub paths: Vec<PathBuf>,
    #[serde(default)]
    pub layouts: Vec<PathBuf>,
    pub leavers: Option<PathBuf>,
}

/// One system, resolved.
#[derive(Clone, Debug)]
pub struct SystemConfig {
    pub name: String,
    pub options: DecodeOptions,
    /// Canonical folders whose files belong to this system.
    pub paths: Vec<PathBuf>,
    pub leavers: Option<PathBuf>,
}

/// The configuration in force.
#[derive(Clone, Debug, Default)]
pub struct Config {
    pub database: Option<PathBuf>,
    pub memory_limit: Option<String>,
    /// Events an ingest run records at most (`qsentry_store::RUN_EVENTS` unless set).
    pub events_per_run: Option<u64>,
    pub systems: Vec<SystemConfig>,
    /// `journal` resolved against the file's folder.
    pub incidents: IncidentsSection,
    /// The geolocation dataset's folder, resolved against the file's folder.
    pub geo_dir: Option<PathBuf>,
}

impl Config {
    /// Reads `path`, or `qsentry.toml` in the working folder when it exists, or nothing.
    pub fn load(path: Option<&Path>) -> Result<Config> {
        let path = match path {
            Some(p) => p.to_path_buf(),
            None => {
                let p = PathBuf::from("qsentry.toml");
                if !p.exists() {
                    return Ok(Config::default());
                }
                p
            }
        };
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read the configuration {}", path.display()))?;
        let file: ConfigFile =
            toml::from_str(&text).with_context(|| format!("{} is not a valid qsentry.toml", path.display()))?;
        let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let base = if base.as_os_str().is_empty() { PathBuf::from(".") } else { base };
        let resolve = |p: &Path| if p.is_absolute() { p.to_path_buf() } else { base.join(p) };
        let mut systems = Vec::new();
        for (name, s) in file.systems {
            let ccsid_id = s.ccsid.unwrap_or(37);
            let ccsid = ibmi_format::Ccsid::get(ccsid_id)
                .ok_or_else(|| anyhow!("{}: system {name}: CCSID {ccsid_id} has no table", path.display()))?;
            let utc_offset_seconds = match &s.utc_offset {
                Some(o) => {
                    Some(crate::cli::parse_offset(o).map_err(|e| anyhow!("{}: system {name}: {e}", path.display()))?)
                }
                None => None,
            };
            let mut layouts = Vec::new();
            for l in &s.layouts {
                let l = resolve(l);
                layouts.extend(
                    qsentry_ingest::dbfile::load_layouts(&l)
                        .with_context(|| format!("system {name}: layouts {}", l.display()))?,
                );
            }
            let options = DecodeOptions {
                ccsid,
                system: Some(name.trim().into()),
                utc_offset_seconds,
                layouts: Arc::new(layouts),
                record_length: None,
            };
            let paths = s.paths.iter().map(|p| canonical(&resolve(p))).collect();
            systems.push(SystemConfig { name, options, paths, leavers: s.leavers.as_deref().map(resolve) });
        }
        Ok(Config {
            database: file.store.database.as_deref().map(resolve),
            memory_limit: file.store.memory_limit,
            events_per_run: file.store.events_per_run,
            systems,
            incidents: IncidentsSection { journal: file.incidents.journal.as_deref().map(resolve), ..file.incidents },
            geo_dir: file.geo.dir.as_deref().map(resolve),
        })
    }

    pub fn system(&self, name: &str) -> Option<&SystemConfig> {
        self.systems.iter().find(|s| s.name.eq_ignore_ascii_case(name))
    }

    /// The system a file belongs to by its folder.
    pub fn system_of_path(&self, file: &Path) -> Option<&SystemConfig> {
        let file = canonical(file);
        self.systems.iter().find(|s| s.paths.iter().any(|p| file.starts_with(p)))
    }

    /// UTC offsets of the configured systems (to fill UTC times of sources that name their system).
    pub fn utc_offsets(&self) -> Vec<(String, i32)> {
        self.systems.iter().filter_map(|s| Some((s.name.clone(), s.options.utc_offset_seconds?))).collect()
    }
}

fn canonical(p: &Path) -> PathBuf {
    std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_systems_and_resolves_paths() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("PRODA")).unwrap();
        let cfg = dir.path().join("qsentry.toml");
        std::fs::write(
            &cfg,
            "[store]\nmemory_limit = \"128MB\"\n[systems.PRODA]\nccsid = 273\nutc_offset = \"+01:00\"\npaths = [\"PRODA\"]\n",
        )
        .unwrap();
        let c = Config::load(Some(&cfg)).unwrap();
        let s = c.system("proda").unwrap();
        assert_eq!(s.options.ccsid.id(), 273);
        assert_eq!(s.options.utc_offset_seconds, Some(3600));
        assert_eq!(c.memory_limit.as_deref(), Some("128MB"));
        let f = dir.path().join("PRODA").join("x.csv");
        std::fs::write(&f, "").unwrap();
        assert_eq!(c.system_of_path(&f).map(|s| s.name.as_str()), Some("PRODA"));
        assert_eq!(c.utc_offsets(), vec![("PRODA".to_string(), 3600)]);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(200))]
        /// Any text, and any mix of known keys with arbitrary values, loads or is refused with an error;
        /// it never panics.
        #[test]
        fn never_panics(text in "(?s).{0,200}", key in "(ccsid|utc_offset|paths|layouts|leavers|memory_limit)", value in ".{0,20}") {
            let dir = tempfile::tempdir().unwrap();
            let cfg = dir.path().join("qsentry.toml");
            std::fs::write(&cfg, &text).unwrap();
            let _ = Config::load(Some(&cfg));
            std::fs::write(&cfg, format!("[systems.X]\n{key} = {value}\n[incidents]\nwindow_minutes = 5\n")).unwrap();
            let _ = Config::load(Some(&cfg));
        }
    }

    #[test]
    fn incidents_section_resolves_the_journal() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = dir.path().join("qsentry.toml");
        std::fs::write(&cfg, "[incidents]\njournal = \"j.jsonl\"\nwindow_minutes = 30\nlink_ignore = [\"QUSER\"]\n")
            .unwrap();
        let c = Config::load(Some(&cfg)).unwrap();
        assert_eq!(c.incidents.journal, Some(dir.path().join("j.jsonl")));
        assert_eq!(c.incidents.window_minutes, Some(30));
        assert_eq!(c.incidents.link_ignore, ["QUSER"]);
        let e = format!(
            "{:#}",
            Config::load(Some(&{
                std::fs::write(&cfg, "[incidents]\nwindow = 30\n").unwrap();
                cfg.clone()
            }))
            .unwrap_err()
        );
        assert!(e.contains("window"), "{e}");
    }

    #[test]
    fn unknown_ccsid_is_an_error_naming_the_system() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = dir.path().join("qsentry.toml");
        std::fs::write(&cfg, "[systems.X]\nccsid = 9999\n").unwrap();
        let e = Config::load(Some(&cfg)).unwrap_err().to_string();
        assert!(e.contains("system X") && e.contains("9999"), "{e}");
    }
}
