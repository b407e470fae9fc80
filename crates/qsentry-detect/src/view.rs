//! rsigma matches rules against anything that implements its `Event` trait; this module is that
//! bridge for qsentry's [`Event`]. Field lookups go through [`crate::field::field`] and hand rsigma
//! borrowed text, so matching an event allocates nothing for text fields.

use crate::field::{self, FieldValue};
use qsentry_ingest::event::Event;
use rsigma_eval::event::{Event as SigmaEvent, EventValue};
use std::borrow::Cow;

/// A qsentry event as rsigma sees it.
pub struct View<'a> {
    pub ev: &'a Event,
}

fn to_sigma(v: FieldValue<'_>) -> EventValue<'_> {
    match v {
        FieldValue::Text(s) => EventValue::Str(Cow::Borrowed(s)),
        FieldValue::Int(i) => EventValue::Int(i),
        FieldValue::Owned(s) => EventValue::Str(Cow::Owned(s)),
    }
}

impl SigmaEvent for View<'_> {
    fn get_field(&self, path: &str) -> Option<EventValue<'_>> {
        field::field(self.ev, path).map(to_sigma)
    }

    fn any_string_value(&self, pred: &dyn Fn(&str) -> bool) -> bool {
        let mut hit = false;
        field::for_each(self.ev, &mut |_, v| {
            if !hit {
                hit = match &v {
                    FieldValue::Text(s) => pred(s),
                    FieldValue::Owned(s) => pred(s),
                    FieldValue::Int(_) => false,
                };
            }
        });
        hit
    }

    fn all_string_values(&self) -> Vec<Cow<'_, str>> {
        let mut out = Vec::new();
        field::for_each(self.ev, &mut |_, v| match v {
            FieldValue::Text(s) => out.push(Cow::Borrowed(s)),
            FieldValue::Owned(s) => out.push(Cow::Owned(s)),
            FieldValue::Int(_) => {}
        });
        out
    }

    fn visit_string_values(&self, visit: &mut dyn FnMut(&str)) {
        field::for_each(self.ev, &mut |_, v| match v {
            FieldValue::Text(s) => visit(s),
            FieldValue::Owned(s) => visit(&s),
            FieldValue::Int(_) => {}
        });
    }

    fn to_json(&self) -> serde_json::Value {
        let mut map = serde_json::Map::new();
        field::for_each(self.ev, &mut |name, v| {
            if !map.contains_key(name) {
                let j = match v {
                    FieldValue::Text(s) => serde_json::Value::String(s.to_string()),
                    FieldValue::Int(i) => serde_json::Value::from(i),
                    FieldValue::Owned(s) => serde_json::Value::String(s),
                };
                map.insert(name.to_string(), j);
            }
        });
        serde_json::Value::Object(map)
    }
}
