//! What a report is, independent of how it is shown: titled sections, each a table and optionally a
//! chart; and the filter every report takes (system, time window).

use chrono::{NaiveDateTime, Timelike};
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
    pub table: Table,
    #[serde(skip)]
    pub chart: Option<Chart>,
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

/// A local time as the text of an SQL timestamp, to the microsecond.
pub fn sql_time(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%d %H:%M:%S%.6f").to_string()
}

/// A local time as an SQL timestamp literal.
pub fn sql_timestamp(t: NaiveDateTime) -> String {
    format!("TIMESTAMP '{}'", sql_time(t))
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
            c.push(format!("{p}{time} >= {}", sql_timestamp(t)));
        }
        if let Some(t) = self.to {
            c.push(format!("{p}{time} < {}", sql_timestamp(t)));
        }
        c.join(" AND ")
    }

    /// The same filter without time bounds: its system only.
    pub fn system_only(&self) -> Filter {
        Filter { system: self.system.clone(), from: None, to: None }
    }

    /// The time bounds as the text of SQL timestamps (`2026-11-05 08:30:00.000000`).
    pub fn time_bounds(&self) -> (Option<String>, Option<String>) {
        (self.from.map(sql_time), self.to.map(sql_time))
    }

    /// Whether the time bounds (if any) fall on whole hours, so that hourly rollups answer exactly.
    pub fn whole_hours(&self) -> bool {
        self.whole(Unit::Hour)
    }

    /// Whether the time bounds (if any) fall on whole `unit`s.
    pub fn whole(&self, unit: Unit) -> bool {
        [self.from, self.to].iter().flatten().all(|t| unit.start(*t) == *t)
    }

    /// The window cut at whole hours: see [`Filter::cut`].
    pub fn hours_and_ends(&self) -> (Option<Filter>, Vec<Filter>) {
        self.cut(Unit::Hour)
    }

    /// The window cut at whole `unit`s: the whole units inside it (`None` when there are none), and the
    /// parts of a unit at its ends (none when the bounds fall on whole units). Together they hold each
    /// instant of the window once, so a rollup per unit answers the first and something finer the others.
    pub fn cut(&self, unit: Unit) -> (Option<Filter>, Vec<Filter>) {
        let part = |from, to| Filter { system: self.system.clone(), from, to };
        // The first whole unit starts at or after `from`; the last ends at or before `to`.
        let start = self.from.map(|t| if unit.start(t) == t { t } else { unit.next(t) });
        let end = self.to.map(|t| unit.start(t));
        let mut ends = Vec::new();
        if let (Some(from), Some(start)) = (self.from, start)
            && from < start
        {
            let to = self.to.map_or(start, |t| t.min(start));
            if from < to {
                ends.push(part(Some(from), Some(to)));
            }
        }
        if let (Some(to), Some(end)) = (self.to, end)
            && end < to
        {
            let from = start.map_or(end, |s| s.max(end));
            if from < to {
                ends.push(part(Some(from), Some(to)));
            }
        }
        let whole = match (start, end) {
            (Some(s), Some(e)) if s >= e => None,
            _ => Some(part(start, end)),
        };
        (whole, ends)
    }
}

/// A unit of local time that rollups count by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    Hour,
    Minute,
}

impl Unit {
    /// The start of the unit holding `t`.
    pub fn start(self, t: NaiveDateTime) -> NaiveDateTime {
        let minute = if self == Unit::Minute { t.minute() } else { 0 };
        t.date().and_hms_opt(t.hour(), minute, 0).unwrap_or(t)
    }

    /// The start of the unit after the one holding `t` (`t` itself at the end of time).
    pub fn next(self, t: NaiveDateTime) -> NaiveDateTime {
        let step = if self == Unit::Minute { chrono::Duration::minutes(1) } else { chrono::Duration::hours(1) };
        self.start(t).checked_add_signed(step).unwrap_or(t)
    }
}

/// A SQL string literal.
pub use qsentry_store::sql_string as quote;

/// A count and its noun, for findings a person reads.
pub use qsentry_store::counted;

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn at(minute: i64) -> NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(2026, 11, 4).unwrap().and_hms_opt(0, 0, 0).unwrap()
            + chrono::Duration::minutes(minute)
    }

    fn inside(f: &Filter, t: NaiveDateTime) -> bool {
        f.from.is_none_or(|from| t >= from) && f.to.is_none_or(|to| t < to)
    }

    proptest! {
        /// Every second of a window is counted once: by the whole units (through its unit, as a rollup
        /// row) or by one of the ends, and no second outside it is.
        #[test]
        fn whole_units_and_ends_cover_the_window_once(
            from in proptest::option::of(0i64..36_000),
            len in 0i64..24_000,
            open_end in any::<bool>(),
            minutes in any::<bool>(),
        ) {
            let (unit, size) = if minutes { (Unit::Minute, 60) } else { (Unit::Hour, 3600) };
            let second = |s: i64| at(0) + chrono::Duration::seconds(s);
            let to = if open_end { None } else { Some(from.unwrap_or(0) + len) };
            let f = Filter { system: None, from: from.map(second), to: to.map(second) };
            let (whole, ends) = f.cut(unit);
            for h in whole.iter().chain(&ends).flat_map(|p| [p.from, p.to]).flatten() {
                prop_assert!(inside(&f, h) || Some(h) == f.to, "{h} outside {f:?}");
            }
            prop_assert!(ends.len() <= 2);
            prop_assert!(whole.as_ref().is_none_or(|w| w.whole(unit)));
            let first = from.unwrap_or(0) - 2 * size;
            for s in first..first + len + 4 * size {
                let t = second(s);
                let by_whole = whole.as_ref().is_some_and(|w| inside(w, unit.start(t)));
                let by_ends = ends.iter().filter(|e| inside(e, t)).count();
                prop_assert_eq!(usize::from(by_whole) + by_ends, usize::from(inside(&f, t)), "{} in {:?}", t, f);
            }
        }
    }

    #[test]
    fn a_window_within_one_hour_is_one_end() {
        let f = Filter { system: Some("PRODA".into()), from: Some(at(70)), to: Some(at(100)) };
        let (hours, ends) = f.hours_and_ends();
        assert!(hours.is_none());
        assert_eq!(ends.len(), 1);
        assert_eq!((ends[0].from, ends[0].to, ends[0].system.as_deref()), (Some(at(70)), Some(at(100)), Some("PRODA")));
        let f = Filter { system: None, from: Some(at(60)), to: Some(at(180)) };
        assert_eq!(f.hours_and_ends().0.map(|h| (h.from, h.to)), Some((Some(at(60)), Some(at(180)))));
        assert!(f.hours_and_ends().1.is_empty());
    }
}
