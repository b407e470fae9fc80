//! `qsentry rules list|test`: the detection rules in force (the built-in Sigma pack plus a folder of the
//! user's), and their validation.

use crate::cli::ListOutput;
use crate::exit;
use clap::{Args, Subcommand};
use qsentry_detect::rules::{RuleSet, validate_builtin, validate_dir};
use qsentry_report::counted;
use qsentry_store::Table;
use std::path::PathBuf;

#[derive(Subcommand, Debug)]
pub enum RulesCommand {
    /// List the rules: id, title, level, severity (ordinary/elevated/emergency), ATT&CK tags, kind.
    List(RulesArgs),
    /// Check every rule file (built-in and --rules DIR); exit 1 when a file has errors.
    Test(RulesArgs),
}

#[derive(Args, Debug)]
pub struct RulesArgs {
    /// A folder of Sigma rules (YAML) that extends the built-in pack or overrides rules by id.
    #[arg(long)]
    pub rules: Option<PathBuf>,
    #[arg(long, short, value_enum, default_value_t = ListOutput::Table)]
    pub output: ListOutput,
}

pub fn run(cmd: &RulesCommand) -> i32 {
    let r = match cmd {
        RulesCommand::List(a) => list(a),
        RulesCommand::Test(a) => test(a),
    };
    r.unwrap_or_else(|e| exit::failed("rules", &e))
}

fn to_table(rows: &[serde_json::Value], columns: &[&str]) -> Table {
    let mut t = Table::new(columns);
    for r in rows {
        t.rows.push(
            columns
                .iter()
                .map(|c| match &r[*c] {
                    serde_json::Value::Array(a) => {
                        serde_json::Value::from(a.iter().map(qsentry_store::table::text).collect::<Vec<_>>().join(" "))
                    }
                    v => v.clone(),
                })
                .collect(),
        );
    }
    t
}

fn list(a: &RulesArgs) -> anyhow::Result<i32> {
    let set = match &a.rules {
        Some(dir) => RuleSet::builtin_with_dir(dir)?,
        None => RuleSet::builtin()?,
    };
    let rows: Vec<serde_json::Value> = set.list().iter().map(serde_json::to_value).collect::<Result<_, _>>()?;
    let t =
        to_table(&rows, &["id", "title", "level", "severity", "kind", "service", "correlation_type", "tags", "origin"]);
    crate::output::write_table(&t, a.output, &mut std::io::stdout().lock())?;
    eprintln!("{}", counted(t.rows.len() as u64, "rule", "rules"));
    Ok(exit::OK)
}

fn test(a: &RulesArgs) -> anyhow::Result<i32> {
    let mut reports = validate_builtin();
    if let Some(dir) = &a.rules {
        reports.extend(validate_dir(dir)?);
    }
    let mut t = Table::new(&["file", "rules", "level", "rule", "problem"]);
    let mut errors = 0;
    for r in &reports {
        if r.has_errors() {
            errors += 1;
        }
        for p in &r.problems {
            let v = serde_json::to_value(p)?;
            t.rows.push(vec![
                r.file.clone().into(),
                r.rules.into(),
                v["level"].clone(),
                v["rule"].clone(),
                v["message"].clone(),
            ]);
        }
    }
    crate::output::write_table(&t, a.output, &mut std::io::stdout().lock())?;
    let rules: usize = reports.iter().map(|r| r.rules).sum();
    eprintln!(
        "{}, {}, {} with errors, {}",
        counted(reports.len() as u64, "file", "files"),
        counted(rules as u64, "rule", "rules"),
        counted(errors as u64, "file", "files"),
        counted(t.rows.len() as u64, "problem", "problems")
    );
    Ok(if errors > 0 { exit::ERROR } else { exit::OK })
}
