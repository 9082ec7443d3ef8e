//! Typed access to a JSON object's fields, each failure naming its field.
//!
//! serde's derive reports type errors as "line 1 column 40"; plugin authors need the
//! field's name and a stable code, so payloads are read field by field from a map.

use std::collections::BTreeMap;

use serde_json::{Map, Value};
use uuid::Uuid;

use crate::error::{ErrorCode, ValidationError};

const MAX_FLAT_ENTRIES: usize = 32;
const MAX_FLAT_KEY: usize = 64;
const MAX_FLAT_VALUE: usize = 256;

/// A body as a JSON object, or why not (`invalid_json`, `invalid_body`).
pub(crate) fn json_object(body: &[u8]) -> Result<Map<String, Value>, ValidationError> {
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        ValidationError::new(
            ErrorCode::InvalidJson,
            None,
            format!("body is not valid JSON: {e}"),
        )
    })?;
    match value {
        Value::Object(map) => Ok(map),
        _ => Err(ValidationError::new(
            ErrorCode::InvalidBody,
            None,
            "body must be a JSON object",
        )),
    }
}

pub(crate) struct Fields<'a> {
    map: &'a Map<String, Value>,
}

impl<'a> Fields<'a> {
    pub(crate) fn new(map: &'a Map<String, Value>) -> Self {
        Self { map }
    }

    fn get(&self, name: &str) -> Option<&'a Value> {
        self.map.get(name).filter(|v| !v.is_null())
    }

    /// The first of `names` present (aliases kept for the original contract's field names).
    fn first(&self, names: &[&'static str]) -> Option<(&'static str, &'a Value)> {
        names.iter().find_map(|n| self.get(n).map(|v| (*n, v)))
    }

    pub(crate) fn required_str(
        &self,
        name: &'static str,
        max: usize,
    ) -> Result<&'a str, ValidationError> {
        match self.opt_str(&[name], max)? {
            Some(s) => Ok(s),
            None => Err(missing(name)),
        }
    }

    /// An optional string under any of `names`, trimmed, at most `max` characters.
    /// An empty string counts as absent: old plugins send "" for unknown values.
    pub(crate) fn opt_str(
        &self,
        names: &[&'static str],
        max: usize,
    ) -> Result<Option<&'a str>, ValidationError> {
        let Some((name, value)) = self.first(names) else {
            return Ok(None);
        };
        let s = value
            .as_str()
            .ok_or_else(|| wrong_type(name, "a string"))?
            .trim();
        if s.chars().count() > max {
            return Err(ValidationError::new(
                ErrorCode::InvalidValue,
                Some(name),
                format!("{name} is longer than {max} characters"),
            ));
        }
        if s.chars().any(char::is_control) {
            return Err(ValidationError::new(
                ErrorCode::InvalidValue,
                Some(name),
                format!("{name} contains control characters"),
            ));
        }
        Ok((!s.is_empty()).then_some(s))
    }

    pub(crate) fn opt_string(
        &self,
        names: &[&'static str],
        max: usize,
    ) -> Result<Option<String>, ValidationError> {
        Ok(self.opt_str(names, max)?.map(str::to_owned))
    }

    pub(crate) fn opt_u64(
        &self,
        name: &'static str,
        max: u64,
    ) -> Result<Option<u64>, ValidationError> {
        let Some(value) = self.get(name) else {
            return Ok(None);
        };
        let n = value
            .as_u64()
            .ok_or_else(|| wrong_type(name, "a non-negative integer"))?;
        in_range(name, n as f64, max as f64).map(|_| Some(n))
    }

    pub(crate) fn opt_f64(
        &self,
        name: &'static str,
        max: f64,
    ) -> Result<Option<f64>, ValidationError> {
        let Some(value) = self.get(name) else {
            return Ok(None);
        };
        let n = value.as_f64().ok_or_else(|| wrong_type(name, "a number"))?;
        in_range(name, n, max).map(|_| Some(n))
    }

    pub(crate) fn opt_object(
        &self,
        name: &'static str,
    ) -> Result<Option<&'a Map<String, Value>>, ValidationError> {
        match self.get(name) {
            None => Ok(None),
            Some(v) => v
                .as_object()
                .map(Some)
                .ok_or_else(|| wrong_type(name, "an object")),
        }
    }
}

fn in_range(name: &str, n: f64, max: f64) -> Result<(), ValidationError> {
    if !(0.0..=max).contains(&n) {
        return Err(ValidationError::new(
            ErrorCode::InvalidValue,
            Some(name),
            format!("{name} must be between 0 and {max}"),
        ));
    }
    Ok(())
}

pub(crate) fn missing(name: &str) -> ValidationError {
    ValidationError::new(
        ErrorCode::MissingField,
        Some(name),
        format!("{name} is required"),
    )
}

pub(crate) fn wrong_type(name: &str, expected: &str) -> ValidationError {
    ValidationError::new(
        ErrorCode::InvalidType,
        Some(name),
        format!("{name} must be {expected}"),
    )
}

pub(crate) fn invalid(name: &str, message: impl Into<String>) -> ValidationError {
    ValidationError::new(ErrorCode::InvalidValue, Some(name), message)
}

pub(crate) fn uuid_field(
    f: &Fields<'_>,
    name: &'static str,
) -> Result<Option<Uuid>, ValidationError> {
    f.opt_str(&[name], 36)?
        .map(|s| Uuid::parse_str(s).map_err(|_| invalid(name, format!("{name} must be a UUID"))))
        .transpose()
}

/// A lowercase identifier-like token (`php`, `node`, `python3.11`).
pub(crate) fn token(name: &str, s: &str) -> Result<String, ValidationError> {
    let s = s.to_ascii_lowercase();
    if s.chars()
        .all(|c| c.is_ascii_alphanumeric() || "_+.-".contains(c))
    {
        Ok(s)
    } else {
        Err(invalid(
            name,
            format!("{name} may contain only letters, digits and _+.-"),
        ))
    }
}

/// A host name with an optional port; a URL is refused rather than guessed at.
pub(crate) fn host(s: &str) -> Result<String, ValidationError> {
    let s = s.to_ascii_lowercase();
    if s.chars()
        .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c))
    {
        Ok(s)
    } else {
        Err(invalid(
            "site_host",
            "site_host must be a host name, without scheme or path",
        ))
    }
}

/// A flat string map (server facts, event data). Scalars are rendered as text; nested
/// values are refused so that nobody ships whole `$_SERVER` dumps to us.
pub(crate) fn flat_map(
    name: &str,
    map: Option<&Map<String, Value>>,
) -> Result<BTreeMap<String, String>, ValidationError> {
    let Some(map) = map else {
        return Ok(BTreeMap::new());
    };
    if map.len() > MAX_FLAT_ENTRIES {
        return Err(invalid(
            name,
            format!("{name} may have at most {MAX_FLAT_ENTRIES} entries"),
        ));
    }
    let mut out = BTreeMap::new();
    for (key, value) in map {
        let field = format!("{name}.{key}");
        if key.chars().count() > MAX_FLAT_KEY || key.chars().any(char::is_control) {
            return Err(invalid(&field, "keys must be short printable names"));
        }
        let text = match value {
            Value::Null => continue,
            Value::String(s) => s.clone(),
            Value::Bool(b) => b.to_string(),
            Value::Number(n) => n.to_string(),
            Value::Array(_) | Value::Object(_) => {
                return Err(wrong_type(&field, "a string, number or boolean"))
            }
        };
        if text.chars().count() > MAX_FLAT_VALUE || text.chars().any(char::is_control) {
            return Err(invalid(
                &field,
                format!("values must be printable and at most {MAX_FLAT_VALUE} characters"),
            ));
        }
        out.insert(key.clone(), text);
    }
    Ok(out)
}
