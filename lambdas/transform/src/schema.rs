//! The output schema: column names and types, as configured or as inferred from a sample.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::TransformError;
use crate::record::CellKind;
use crate::values;

/// The type of one output column. Every column is nullable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ColumnType {
    /// UTF-8 text (Parquet BYTE_ARRAY, logical type STRING). Nested JSON values are stored here
    /// as their JSON text.
    String,
    /// 64-bit signed integer (Parquet INT64). Configured as `int` or `bigint`.
    #[serde(alias = "bigint", alias = "long", alias = "integer")]
    Int,
    /// 64-bit float (Parquet DOUBLE).
    #[serde(alias = "float")]
    Double,
    /// Parquet BOOLEAN; text `true`/`false` in any letter case.
    #[serde(alias = "bool")]
    Boolean,
    /// Calendar date `YYYY-MM-DD` (Parquet INT32, logical type DATE).
    Date,
    /// `YYYY-MM-DD[T ]HH:MM[:SS[.fraction]][Z|±HH:MM]` (Parquet INT64, logical type TIMESTAMP in
    /// microseconds, adjusted to UTC; a timestamp without an offset is taken as UTC).
    Timestamp,
}

impl ColumnType {
    /// The name used in configuration and in error messages.
    pub fn name(self) -> &'static str {
        match self {
            ColumnType::String => "string",
            ColumnType::Int => "int",
            ColumnType::Double => "double",
            ColumnType::Boolean => "boolean",
            ColumnType::Date => "date",
            ColumnType::Timestamp => "timestamp",
        }
    }
}

impl fmt::Display for ColumnType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for ColumnType {
    type Err = TransformError;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Ok(match name.trim().to_ascii_lowercase().as_str() {
            "string" => ColumnType::String,
            "int" | "int64" | "bigint" | "long" | "integer" => ColumnType::Int,
            "double" | "float" | "float64" => ColumnType::Double,
            "boolean" | "bool" => ColumnType::Boolean,
            "date" => ColumnType::Date,
            "timestamp" => ColumnType::Timestamp,
            _ => {
                return Err(TransformError::UnknownColumnType { name: name.to_owned() });
            }
        })
    }
}

/// One output column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Field {
    /// The column name (for CSV, the header name it is read from; for JSON, the key).
    pub name: String,
    /// The column type.
    #[serde(rename = "type")]
    pub column_type: ColumnType,
}

impl Field {
    /// A field named `name` of type `column_type`.
    pub fn new(name: impl Into<String>, column_type: ColumnType) -> Self {
        Field { name: name.into(), column_type }
    }
}

/// The output columns, in order.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Schema {
    /// The columns.
    pub fields: Vec<Field>,
}

impl Schema {
    /// A schema of these fields.
    pub fn new(fields: Vec<Field>) -> Self {
        Schema { fields }
    }

    /// Checks what the Parquet writer needs: at least one column, non-empty unique names.
    pub(crate) fn validate(&self) -> Result<(), TransformError> {
        if self.fields.is_empty() {
            return Err(TransformError::InvalidSchema("no columns".into()));
        }
        let mut seen = std::collections::HashSet::new();
        for field in &self.fields {
            if field.name.is_empty() {
                return Err(TransformError::InvalidSchema("a column has an empty name".into()));
            }
            if !seen.insert(field.name.as_str()) {
                return Err(TransformError::InvalidSchema(format!("column {:?} appears more than once", field.name)));
            }
        }
        Ok(())
    }

    /// The index of the column named `name`.
    pub(crate) fn position(&self, name: &str) -> Option<usize> {
        self.fields.iter().position(|field| field.name == name)
    }
}

// Which types every value seen so far could be stored as, one bit per type. Inference
// intersects these sets, so the result is the narrowest type all sampled values fit.
const COULD_BE_INT: u8 = 1;
const COULD_BE_DOUBLE: u8 = 2;
const COULD_BE_BOOLEAN: u8 = 4;
const COULD_BE_DATE: u8 = 8;
const COULD_BE_TIMESTAMP: u8 = 16;
const COULD_BE_ANY: u8 = 31;

/// What inference has learned about one column from the values sampled so far.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TypeGuess {
    could_be: u8,
    seen_value: bool,
}

impl Default for TypeGuess {
    fn default() -> Self {
        TypeGuess { could_be: COULD_BE_ANY, seen_value: false }
    }
}

impl TypeGuess {
    /// Narrows the guess by one value; nulls say nothing.
    pub(crate) fn observe(&mut self, kind: CellKind, bytes: &[u8]) {
        let value_could_be = match kind {
            CellKind::Null => return,
            // A JSON number is an int only when written without fraction or exponent.
            CellKind::Number => {
                if bytes.iter().all(|&b| b.is_ascii_digit() || b == b'-') {
                    COULD_BE_INT | COULD_BE_DOUBLE
                } else {
                    COULD_BE_DOUBLE
                }
            }
            CellKind::True | CellKind::False => COULD_BE_BOOLEAN,
            CellKind::Nested => 0,
            // A quoted JSON string stays a string unless it is a date or a timestamp.
            CellKind::JsonText => text_could_be(bytes, self.could_be & (COULD_BE_DATE | COULD_BE_TIMESTAMP)),
            CellKind::Text => text_could_be(bytes, self.could_be),
        };
        self.seen_value = true;
        self.could_be &= value_could_be;
    }

    /// The narrowest type for everything observed; a column with no values is a string.
    pub(crate) fn column_type(self) -> ColumnType {
        let could_be = self.could_be;
        if !self.seen_value {
            ColumnType::String
        } else if could_be & COULD_BE_INT != 0 {
            ColumnType::Int
        } else if could_be & COULD_BE_DOUBLE != 0 {
            ColumnType::Double
        } else if could_be & COULD_BE_BOOLEAN != 0 {
            ColumnType::Boolean
        } else if could_be & COULD_BE_DATE != 0 {
            ColumnType::Date
        } else if could_be & COULD_BE_TIMESTAMP != 0 {
            ColumnType::Timestamp
        } else {
            ColumnType::String
        }
    }
}

/// Which of the `candidates` types the text parses as; only candidates are tried, so a
/// column already known to be a string costs nothing.
fn text_could_be(text: &[u8], candidates: u8) -> u8 {
    let mut fits = 0;
    if candidates & COULD_BE_INT != 0 && values::parse_i64(text).is_some() {
        fits |= COULD_BE_INT;
    }
    if candidates & COULD_BE_DOUBLE != 0 && values::looks_like_decimal_number(text) && values::parse_f64(text).is_some()
    {
        fits |= COULD_BE_DOUBLE;
    }
    if candidates & COULD_BE_BOOLEAN != 0 && values::parse_bool(text).is_some() {
        fits |= COULD_BE_BOOLEAN;
    }
    if candidates & COULD_BE_DATE != 0 && values::parse_date(text).is_some() {
        fits |= COULD_BE_DATE;
    }
    if candidates & COULD_BE_TIMESTAMP != 0 && values::parse_timestamp_micros(text).is_some() {
        fits |= COULD_BE_TIMESTAMP;
    }
    fits
}
