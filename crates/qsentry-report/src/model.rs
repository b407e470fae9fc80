//! What a report is, independent of how it is shown: titled sections, each a table and optionally a
//! chart; and the filter every report takes (system, time window).

use chrono::NaiveDateTime;
use qsentry_store::Table;
use serde::Serialize;

/// One report.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub name: &'static str,
    pub title: String,
    /// What the report answers, in a sentence or two.
    pub intro: String,
    pub sections: Vec<Section>,
    /// The headline findings, one line each (the demo prints them).
    pub findings: Vec<String>,
}

/// A titled table, with an optional chart of the same data.
#[derive(Clone, Debug, Serialize)]
pub struct Section {
    pub title: String,
    pub note: Option<String>,
    #[serde(serialize_with = "ser_table")]
    pub table: Table,
    #[serde(skip)]
    pub chart: Option<Chart>,
}

fn ser_table<S: serde::Serializer>(t: &Table, s: S) -> Result<S::Ok, S::Error> {
    t.to_json().serialize(s)
}

impl Section {
    pub fn new(title: impl Into<String>, table: Table) -> Section {
        Section { title: title.into(), note: None, table, chart: None }
    }

    pub fn note(mut self, note: impl Into<String>) -> Section {
        self.note = Some(note.into());
        self
    }

    pub fn chart(mut self, chart: Chart) -> Section {
        self.chart = Some(chart);
        self
    }
}

/// Charts a person would rather look at than read.
#[derive(Clone, Debug)]
pub enum Chart {
    /// Horizontal bars: label, value.
    Bars { title: String, bars: Vec<(String, f64)> },
    /// Values per day, one line per series.
    Daily { title: String, days: Vec<String>, series: Vec<(String, Vec<f64>)> },
    /// Counts by day (rows) and hour of day (0-23).
    HeatMap { title: String, days: Vec<String>, counts: Vec<[f64; 24]> },
}

/// Which events a report looks at.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub system: Option<String>,
    /// Local time of the system, inclusive.
    pub from: Option<NaiveDateTime>,
    /// Local time of the system, exclusive.
    pub to: Option<NaiveDateTime>,
}

impl Filter {
    /// The filter as SQL conditions on `events` (with `alias.` in front of column names if given),
    /// values quoted as literals.
    pub fn sql(&self, alias: &str) -> String {
        self.sql_on(alias, "entry_timestamp")
    }

    /// The filter as SQL conditions with `time` as the time column (`hour` for a rollup).
    pub fn sql_on(&self, alias: &str, time: &str) -> String {
        let p = if alias.is_empty() { String::new() } else { format!("{alias}.") };
        let mut c = vec!["TRUE".to_string()];
        if let Some(s) = &self.system {
            c.push(format!("{p}system_name = {}", quote(s)));
        }
        if let Some(t) = self.from {
            c.push(format!("{p}{time} >= TIMESTAMP '{}'", t.format("%Y-%m-%d %H:%M:%S%.6f")));
        }
        if let Some(t) = self.to {
            c.push(format!("{p}{time} < TIMESTAMP '{}'", t.format("%Y-%m-%d %H:%M:%S%.6f")));
        }
        c.join(" AND ")
    }

    /// Whether the time bounds (if any) fall on whole hours, so that hourly rollups answer exactly.
    pub fn whole_hours(&self) -> bool {
        use chrono::Timelike;
        [self.from, self.to].iter().flatten().all(|t| t.minute() == 0 && t.second() == 0 && t.nanosecond() == 0)
    }
}

/// A SQL string literal.
pub fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}
