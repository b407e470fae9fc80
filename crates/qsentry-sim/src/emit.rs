//! The ordering stage of one system: units from the model wait in a small time-ordered heap, and when
//! the clock passes them they get their journal position (sequence number, system sequence number,
//! receiver) and go to the writers of their day. Receivers change when full; incident 13's receiver
//! is sequenced but not written (a gap); after QAUDCTL(*NONE) the audit journal stays silent.

use crate::encode::{Position, Type5Encoder};
use crate::entry::{Body, Pending};
use crate::manifest::{Evidence, Gap, Totals};
use crate::model::System;
use crate::writers::{DayWriters, Formats, Unit};
use anyhow::Result;
use chrono::{NaiveDate, NaiveDateTime};
use std::collections::BinaryHeap;
use std::path::PathBuf;

/// A planned gap: the receiver attached during `[from, to)` is missing from the export.
#[derive(Clone, Debug)]
pub struct GapPlan {
    pub from: NaiveDateTime,
    pub to: NaiveDateTime,
    /// The id of the incident.
    pub incident: String,
}

/// A journal's receiver chain.
struct Chain {
    prefix: &'static str,
    library: &'static str,
    number: u32,
    in_current: u64,
    size: u64,
}

impl Chain {
    fn name(&self) -> String {
        format!("{}{:04}", self.prefix, self.number)
    }

    /// Counts one entry, moving to the next receiver when the current one is full.
    fn count(&mut self) {
        if self.in_current >= self.size {
            self.next();
        }
        self.in_current += 1;
    }

    fn next(&mut self) {
        self.number += 1;
        self.in_current = 0;
    }
}

#[derive(Default)]
struct GapState {
    active: bool,
    receiver: String,
    first: u64,
    last: u64,
    count: u64,
    done: bool,
}

/// The ordering and writing stage of one system.
pub struct Emitter<'a> {
    sys: &'a System,
    out_dir: PathBuf,
    formats: Formats,
    heap: BinaryHeap<Pending>,
    order: u64,
    seq: u64,
    system_seq: u64,
    pay_seq: u64,
    audit_chain: Chain,
    pay_chain: Chain,
    gap: Option<GapPlan>,
    gap_state: GapState,
    audit_off_from: Option<NaiveDateTime>,
    end: NaiveDateTime,
    encoder: Type5Encoder,
    day: Option<(NaiveDate, DayWriters)>,
    buf: Vec<u8>,
    pub evidence: Evidence,
    pub totals: Totals,
    pub gaps: Vec<Gap>,
}

impl<'a> Emitter<'a> {
    /// `end` is the first instant after the simulated period: units at or after it are not written.
    pub fn new(
        sys: &'a System,
        out_dir: PathBuf,
        formats: Formats,
        receiver_size: u64,
        end: NaiveDateTime,
    ) -> Result<Self> {
        let ccsid = ibmi_format::Ccsid::get(sys.ccsid).ok_or_else(|| anyhow::anyhow!("no CCSID {}", sys.ccsid))?;
        let mut jid = [0u8; 10];
        for (i, b) in sys.name.bytes().enumerate().take(10) {
            jid[i] = b.wrapping_mul(7).wrapping_add(i as u8);
        }
        Ok(Emitter {
            sys,
            out_dir,
            formats,
            heap: BinaryHeap::new(),
            order: 0,
            seq: sys.first_sequence,
            system_seq: sys.first_system_sequence,
            pay_seq: sys.first_pay_sequence,
            audit_chain: Chain {
                prefix: "AUDRCV",
                library: sys.receiver_library,
                number: 1,
                in_current: 0,
                size: receiver_size.max(1),
            },
            pay_chain: Chain {
                prefix: "PAYRCV",
                library: "PAYLIB",
                number: 1,
                in_current: 0,
                size: receiver_size.max(1),
            },
            gap: None,
            gap_state: GapState::default(),
            audit_off_from: None,
            end,
            encoder: Type5Encoder::new(ccsid, &sys.name, jid)?,
            day: None,
            buf: Vec::with_capacity(4096),
            evidence: Evidence::default(),
            totals: Totals::default(),
            gaps: Vec::new(),
        })
    }

    /// Whether history messages go to any file (their text need not be built otherwise).
    pub fn wants_messages(&self) -> bool {
        use crate::writers::OutFormat::*;
        [Syslog, Cef, HistoryLogCsv, Dsplog].iter().any(|f| self.formats.has(*f))
    }

    pub fn plan_gap(&mut self, gap: GapPlan) {
        self.gap = Some(gap);
    }

    /// From `at` on, no audit entry is written (QAUDCTL set to *NONE).
    pub fn audit_off(&mut self, at: NaiveDateTime) {
        self.audit_off_from = Some(self.audit_off_from.map_or(at, |t| t.min(at)));
    }

    /// Queues a unit.
    pub fn push(&mut self, ts: NaiveDateTime, incident: Option<usize>, body: Body) {
        self.order += 1;
        self.heap.push(Pending { ts, order: self.order, incident, body: Box::new(body) });
    }

    /// Units waiting (for tests of the memory bound).
    pub fn pending(&self) -> usize {
        self.heap.len()
    }

    /// Writes every unit earlier than `t`.
    pub fn flush_before(&mut self, t: NaiveDateTime) -> Result<()> {
        while self.heap.peek().is_some_and(|p| p.ts < t) {
            if let Some(p) = self.heap.pop() {
                self.write(p)?;
            }
        }
        Ok(())
    }

    /// Writes everything left and closes the files.
    pub fn finish(mut self) -> Result<(Evidence, Totals, Vec<Gap>)> {
        while let Some(p) = self.heap.pop() {
            self.write(p)?;
        }
        self.close_gap();
        if let Some((_, w)) = self.day.take() {
            w.finish()?;
        }
        Ok((self.evidence, self.totals, self.gaps))
    }

    fn close_gap(&mut self) {
        let g = &mut self.gap_state;
        if g.active {
            g.active = false;
            g.done = true;
            if let Some(plan) = &self.gap {
                self.gaps.push(Gap {
                    system: self.sys.name.clone(),
                    journal: "QSYS/QAUDJRN".into(),
                    receiver_library: self.audit_chain.library.into(),
                    receiver: g.receiver.clone(),
                    first_sequence: g.first,
                    last_sequence: g.last,
                    entries: g.count,
                    from: plan.from,
                    to: plan.to,
                    incident: plan.incident.clone(),
                });
            }
        }
    }

    fn writers(&mut self, date: NaiveDate) -> Result<&mut DayWriters> {
        if self.day.as_ref().map(|(d, _)| *d) != Some(date) {
            if let Some((_, w)) = self.day.take() {
                w.finish()?;
            }
            let w = DayWriters::open(&self.out_dir, self.sys, date, self.formats)?;
            self.day = Some((date, w));
        }
        match &mut self.day {
            Some((_, w)) => Ok(w),
            None => anyhow::bail!("day writers not open"),
        }
    }

    fn write(&mut self, p: Pending) -> Result<()> {
        if p.ts >= self.end {
            return Ok(());
        }
        match &*p.body {
            Body::Audit(a) => {
                if self.audit_off_from.is_some_and(|off| p.ts > off) {
                    return Ok(());
                }
                let in_gap = self.gap.as_ref().is_some_and(|g| p.ts >= g.from && p.ts < g.to);
                if in_gap && !self.gap_state.active && !self.gap_state.done {
                    self.audit_chain.next();
                    self.gap_state = GapState {
                        active: true,
                        receiver: self.audit_chain.name(),
                        first: self.seq + 1,
                        ..Default::default()
                    };
                } else if !in_gap && self.gap_state.active {
                    self.close_gap();
                    self.audit_chain.next();
                }
                self.seq += 1;
                self.system_seq += 1;
                if self.gap_state.active {
                    self.gap_state.last = self.seq;
                    self.gap_state.count += 1;
                    self.audit_chain.in_current += 1;
                    return Ok(());
                }
                self.audit_chain.count();
                let receiver = self.audit_chain.name();
                let pos = Position {
                    sequence: self.seq,
                    system_sequence: self.system_seq,
                    timestamp: p.ts,
                    receiver: &receiver,
                    receiver_library: self.audit_chain.library,
                };
                self.encoder.encode(a, &pos, &mut self.buf)?;
                let record = std::mem::take(&mut self.buf);
                let date = p.ts.date();
                let unit = Unit::Audit { audit: a, pos, record: &record };
                let w = self.writers(date)?;
                let files = w.write(&unit)?;
                self.totals.count(0, &files, a.entry_type);
                if let Some(i) = p.incident {
                    self.evidence.add(
                        i,
                        &self.sys.name,
                        date,
                        "QSYS/QAUDJRN",
                        a.entry_type,
                        Some(self.seq),
                        p.ts,
                        &files,
                    );
                }
                self.buf = record;
            }
            Body::Record(r) => {
                self.pay_seq += 1;
                self.system_seq += 1;
                self.pay_chain.count();
                let receiver = self.pay_chain.name();
                let pos = Position {
                    sequence: self.pay_seq,
                    system_sequence: self.system_seq,
                    timestamp: p.ts,
                    receiver: &receiver,
                    receiver_library: self.pay_chain.library,
                };
                let date = p.ts.date();
                let unit = Unit::Record { record: r, pos };
                let w = self.writers(date)?;
                let files = w.write(&unit)?;
                self.totals.count(1, &files, r.entry_type);
                if let Some(i) = p.incident {
                    self.evidence.add(
                        i,
                        &self.sys.name,
                        date,
                        "PAYLIB/PAYJRN",
                        r.entry_type,
                        Some(self.pay_seq),
                        p.ts,
                        &files,
                    );
                }
            }
            Body::Message(m) => {
                let date = p.ts.date();
                let unit = Unit::Message { message: m, ts: p.ts };
                let w = self.writers(date)?;
                let files = w.write(&unit)?;
                self.totals.count(2, &files, m.id);
                if let Some(i) = p.incident {
                    self.evidence.add(i, &self.sys.name, date, "QHST", m.id, None, p.ts, &files);
                }
            }
        }
        Ok(())
    }
}
