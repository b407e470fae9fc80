//! Reads an event's `fields` JSON object (as [`crate::event_json::write_fields_json`] writes it into the
//! store) back into entry-specific fields, for the events detection rebuilds from the store.
//!
//! The object is read straight into the fields, in its order and with every member, so a rebuilt event
//! has the fields its decoder gave it. It used to go through a `serde_json::Value` map, which sorted
//! the fields by name and kept only the last of a repeated name, where [`crate::Event::field`] on the
//! decoded event finds the first. Names the decoders use are borrowed from their tables instead of
//! allocated: detection rebuilds every stored event, and the `Value` map and its copy took 1.6 s of a
//! 5.5 s hunt over 813K events (docs/PERFORMANCE.md).

use crate::event::Name;
use ibmi_format::Value;
use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use std::borrow::Cow;
use std::fmt;

/// The members of a `fields` JSON object in their order: integers as [`Value::Int`] (beyond `i64` as
/// [`Value::Float`]), other numbers as [`Value::Float`], strings as [`Value::Text`], `null` as
/// [`Value::Null`], and `true`, `false`, arrays and objects as [`Value::Text`] of their JSON. Anything
/// but one JSON object is an error.
pub fn read_fields_json(json: &str) -> Result<Vec<(Name, Value)>, serde_json::Error> {
    let mut fields = Vec::new();
    let mut de = serde_json::Deserializer::from_str(json);
    de.deserialize_map(Fields(&mut fields))?;
    de.end()?;
    Ok(fields)
}

fn name_of(name: &str) -> Name {
    crate::event::decoder_field_name(name).map_or_else(|| Cow::Owned(name.to_owned()), Cow::Borrowed)
}

/// Pushes each member of the object.
struct Fields<'a>(&'a mut Vec<(Name, Value)>);

impl<'de> Visitor<'de> for Fields<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object of fields")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(name) = map.next_key_seed(NameSeed)? {
            let value = map.next_value_seed(ValueSeed)?;
            self.0.push((name, value));
        }
        Ok(())
    }
}

struct NameSeed;

impl<'de> DeserializeSeed<'de> for NameSeed {
    type Value = Name;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Name, D::Error> {
        d.deserialize_str(NameSeed)
    }
}

impl Visitor<'_> for NameSeed {
    type Value = Name;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a field name")
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Name, E> {
        Ok(name_of(v))
    }

    fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Name, E> {
        Ok(crate::event::decoder_field_name(&v).map_or(Cow::Owned(v), Cow::Borrowed))
    }
}

struct ValueSeed;

impl<'de> DeserializeSeed<'de> for ValueSeed {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(ValueSeed)
    }
}

impl<'de> Visitor<'de> for ValueSeed {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a field value")
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E: serde::de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Text(if v { "true" } else { "false" }.into()))
    }

    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Int(v))
    }

    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Value, E> {
        Ok(i64::try_from(v).map_or(Value::Float(v as f64), Value::Int))
    }

    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Value, E> {
        Ok(Value::Float(v))
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Value, E> {
        Ok(Value::Text(v.into()))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Value, A::Error> {
        let v: serde_json::Value = serde::Deserialize::deserialize(serde::de::value::SeqAccessDeserializer::new(seq))?;
        Ok(Value::Text(v.to_string().into()))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Value, A::Error> {
        let v: serde_json::Value = serde::Deserialize::deserialize(serde::de::value::MapAccessDeserializer::new(map))?;
        Ok(Value::Text(v.to_string().into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{Event, Origin};
    use crate::event_json::fields_json;
    use proptest::prelude::*;

    fn event_with(fields: Vec<(Name, Value)>) -> Event {
        let mut ev = Event::new(Origin {
            format: crate::Format::Type5Binary,
            file: std::sync::Arc::from("f"),
            record: 1,
            offset: 0,
        });
        ev.fields = fields;
        ev
    }

    #[test]
    fn reads_each_member_in_order() {
        let fields = read_fields_json(
            r#"{"b":1,"a":-2,"c":18446744073709551615,"d":1.5,"e":null,"f":true,"g":[1,"x"],"h":{"k":"v"},"b":"again"}"#,
        )
        .unwrap();
        let want = [
            ("b", Value::Int(1)),
            ("a", Value::Int(-2)),
            ("c", Value::Float(18446744073709551615.0)),
            ("d", Value::Float(1.5)),
            ("e", Value::Null),
            ("f", Value::Text("true".into())),
            ("g", Value::Text(r#"[1,"x"]"#.into())),
            ("h", Value::Text(r#"{"k":"v"}"#.into())),
            ("b", Value::Text("again".into())),
        ];
        assert_eq!(fields.len(), want.len());
        for ((name, value), (want_name, want_value)) in fields.iter().zip(want) {
            assert_eq!((name.as_ref(), format!("{value:?}")), (want_name, format!("{want_value:?}")));
        }
        let escaped = read_fields_json(r#" { "esc\"aped" : "a\\b\n\u00e9" } "#).unwrap();
        assert_eq!(escaped[0].0, "esc\"aped");
        assert_eq!(escaped[0].1.as_str(), Some("a\\b\né"));
        assert!(read_fields_json("{}").unwrap().is_empty());
        for bad in ["", "[]", "\"x\"", "{\"a\":}", "{\"a\":1} x", "{\"a\":1", "null", "{1:2}"] {
            assert!(read_fields_json(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn names_of_the_decoders_are_borrowed() {
        let fields = read_fields_json(r#"{"violation_type":"P","violation_type_detail":"x","my_column":"y"}"#).unwrap();
        assert!(matches!(fields[0].0, Cow::Borrowed("violation_type")));
        assert!(matches!(fields[1].0, Cow::Borrowed("violation_type_detail")));
        assert!(matches!(fields[2].0, Cow::Owned(ref n) if n == "my_column"));
    }

    proptest! {
        /// Text, integer, float and null fields written as the store writes them read back as they were
        /// (floats exactly: serde_json's `float_roundtrip`).
        #[test]
        fn fields_read_back_as_written(
            members in proptest::collection::vec(
                ("[a-z_\"\\\\é\u{1}]{0,8}", prop_oneof![
                    any::<i64>().prop_map(Value::Int),
                    Just(Value::Null),
                    any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(Value::Float),
                    ".{0,12}".prop_map(|s| Value::Text(s.as_str().into())),
                ]),
                0..12,
            )
        ) {
            let ev = event_with(members.into_iter().map(|(k, v)| (Cow::Owned(k), v)).collect());
            let back = read_fields_json(&fields_json(&ev)).unwrap();
            prop_assert_eq!(format!("{back:?}"), format!("{:?}", ev.fields));
        }
    }
}
