//! How a setting's value is read, whichever layer gave it: the file gives
//! TOML numbers, booleans and lists; the environment gives text. Each
//! reader takes both (`session_hours = 8` and `LLAVERO_SESSION_HOURS=8`
//! mean the same), trims text, and takes empty text as unset.
//!
//! Hand-written rather than `serde_with`'s `PickFirst`/`DisplayFromStr`:
//! those refuse `"8 "` and give no way to say "a whole number" in the
//! message, and the readers are four small visitors.

use std::fmt;

use serde::de::{self, Deserializer, SeqAccess, Visitor};

/// What a value was given as, before it is read as the field's type.
enum Raw {
    /// Unset (the defaults layer's `None`).
    Unset,
    Text(String),
    Bool(bool),
    Int(i128),
    Float(f64),
    List(Vec<String>),
}

impl<'de> serde::Deserialize<'de> for Raw {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Raw;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string, number, boolean or list of strings")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Raw, E> {
                Ok(Raw::Text(v.trim().to_owned()))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Raw, E> {
                Ok(Raw::Bool(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Raw, E> {
                Ok(Raw::Int(v.into()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Raw, E> {
                Ok(Raw::Int(v.into()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Raw, E> {
                Ok(Raw::Float(v))
            }
            fn visit_none<E: de::Error>(self) -> Result<Raw, E> {
                Ok(Raw::Unset)
            }
            fn visit_unit<E: de::Error>(self) -> Result<Raw, E> {
                Ok(Raw::Unset)
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Raw, D::Error> {
                d.deserialize_any(V)
            }
            fn visit_char<E: de::Error>(self, v: char) -> Result<Raw, E> {
                Ok(Raw::Text(v.to_string()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Raw, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element::<String>()? {
                    items.push(item.trim().to_owned());
                }
                Ok(Raw::List(items))
            }
        }
        d.deserialize_any(V)
    }
}

impl Raw {
    fn text(self) -> Option<String> {
        let text = match self {
            Raw::Unset => return None,
            Raw::Text(t) => t,
            Raw::Bool(b) => b.to_string(),
            Raw::Int(n) => n.to_string(),
            Raw::Float(x) => x.to_string(),
            Raw::List(items) => items.join(","),
        };
        Some(text).filter(|t| !t.is_empty())
    }
}

/// Text (a number or boolean in the file is taken as its text).
pub fn text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(<Raw as serde::Deserialize>::deserialize(d)?.text())
}

/// Text that must not be empty.
pub fn required_text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    text(d)?.ok_or_else(|| de::Error::custom("must not be empty"))
}

/// A whole number, or text that is one.
pub fn number<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    match <Raw as serde::Deserialize>::deserialize(d)? {
        Raw::Int(n) => u64::try_from(n)
            .map(Some)
            .map_err(|_| de::Error::custom("expected a whole number, not negative")),
        other => match other.text() {
            None => Ok(None),
            Some(t) => t
                .parse()
                .map(Some)
                .map_err(|_| de::Error::custom(format!("{t:?} is not a whole number"))),
        },
    }
}

/// `true` or `false`, as a boolean or as text.
pub fn flag<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    match <Raw as serde::Deserialize>::deserialize(d)? {
        Raw::Bool(b) => Ok(Some(b)),
        other => match other.text().as_deref() {
            None => Ok(None),
            Some("true") => Ok(Some(true)),
            Some("false") => Ok(Some(false)),
            Some(t) => Err(de::Error::custom(format!("{t:?}: expected true or false"))),
        },
    }
}

/// A list: of strings in the file, or comma-separated text.
pub fn list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    Ok(match <Raw as serde::Deserialize>::deserialize(d)? {
        Raw::List(items) => items.into_iter().filter(|s| !s.is_empty()).collect(),
        other => other
            .text()
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
    })
}

/// A whole number that must be given.
pub fn whole<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    number(d)?.ok_or_else(|| de::Error::custom("expected a whole number"))
}

/// A boolean that must be given.
pub fn boolean<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    flag(d)?.ok_or_else(|| de::Error::custom("expected true or false"))
}
