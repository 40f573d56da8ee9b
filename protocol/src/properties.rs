//! The validated properties of a custom event.

use crate::error::{Error, Result};
use crate::limits::{MAX_PROPERTIES, MAX_PROPERTY_KEY_BYTES, MAX_PROPERTY_VALUE_BYTES};

#[derive(Debug, Clone, PartialEq)]
pub enum PropertyValue {
    Str(String),
    Num(f64),
    Bool(bool),
}

/// Up to 16 validated properties of a custom event.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Properties(Vec<(String, PropertyValue)>);

impl Properties {
    pub fn new() -> Properties {
        Properties(Vec::new())
    }

    pub fn insert(&mut self, key: &str, value: PropertyValue) -> Result<()> {
        let invalid = |reason| Error::InvalidProperty {
            key: key.chars().take(64).collect(),
            reason,
        };
        if key.is_empty() || key.len() > MAX_PROPERTY_KEY_BYTES {
            return Err(invalid("key must be 1 to 128 bytes long"));
        }
        if key.chars().any(char::is_control) {
            return Err(invalid("key contains a control character"));
        }
        match &value {
            PropertyValue::Str(s) if s.len() > MAX_PROPERTY_VALUE_BYTES => {
                return Err(invalid("string value is longer than 4096 bytes"))
            }
            PropertyValue::Num(n) if !n.is_finite() => return Err(invalid("number is not finite")),
            _ => {}
        }
        if let Some(slot) = self.0.iter_mut().find(|(k, _)| k == key) {
            slot.1 = value;
            return Ok(());
        }
        if self.0.len() == MAX_PROPERTIES {
            return Err(Error::TooManyProperties {
                count: MAX_PROPERTIES + 1,
                max: MAX_PROPERTIES,
            });
        }
        self.0.push((key.to_owned(), value));
        Ok(())
    }

    pub fn iter(&self) -> impl Iterator<Item = &(String, PropertyValue)> {
        self.0.iter()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn properties_are_capped_at_16() {
        let mut p = Properties::new();
        for i in 0..16 {
            p.insert(&format!("k{i}"), PropertyValue::Num(i as f64))
                .unwrap();
        }
        p.insert("k3", PropertyValue::Bool(true)).unwrap();
        assert_eq!(
            p.insert("k16", PropertyValue::Bool(true))
                .unwrap_err()
                .code(),
            "too_many_properties"
        );
        assert_eq!(
            p.insert("n", PropertyValue::Num(f64::NAN))
                .unwrap_err()
                .code(),
            "invalid_property"
        );
    }
}
