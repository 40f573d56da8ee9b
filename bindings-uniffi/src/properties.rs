//! Event properties and traits as they cross the boundary, checked by the core's rules.

use vigil_core::{Properties, PropertyValue};

use crate::errors::Result;

#[derive(uniffi::Enum)]
pub enum Value {
    Text { value: String },
    Number { value: f64 },
    Flag { value: bool },
}

#[derive(uniffi::Record)]
pub struct Property {
    pub key: String,
    pub value: Value,
}

pub fn convert(props: Vec<Property>) -> Result<Properties> {
    let mut out = Properties::new();
    for p in props {
        let value = match p.value {
            Value::Text { value } => PropertyValue::Str(value),
            Value::Number { value } => PropertyValue::Num(value),
            Value::Flag { value } => PropertyValue::Bool(value),
        };
        out.insert(&p.key, value)?;
    }
    Ok(out)
}
