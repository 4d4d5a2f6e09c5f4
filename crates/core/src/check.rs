//! Field checks with clear messages: every error names the field, the bad value and what
//! is allowed.

use std::fmt;

/// A value outside what a field allows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    /// The field's name (a dotted path where useful, e.g. `constellation[0].altitude_km`).
    pub field: String,
    /// The offending value, as text.
    pub value: String,
    /// What is allowed, e.g. `within 0..=180`.
    pub allowed: String,
}

impl FieldError {
    /// A new error.
    pub fn new(field: impl Into<String>, value: impl Into<String>, allowed: impl Into<String>) -> Self {
        Self { field: field.into(), value: value.into(), allowed: allowed.into() }
    }

    /// The same error with `prefix.` in front of the field name.
    pub fn within(mut self, prefix: &str) -> Self {
        self.field =
            if self.field.is_empty() { prefix.to_string() } else { format!("{prefix}.{}", self.field) };
        self
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} = {}: must be {}", self.field, self.value, self.allowed)
    }
}

impl std::error::Error for FieldError {}

/// `value` must be finite.
pub fn finite(field: &str, value: f64) -> Result<f64, FieldError> {
    if value.is_finite() { Ok(value) } else { Err(FieldError::new(field, fmt_f64(value), "a finite number")) }
}

/// `value` must be finite and within `[lo, hi]`.
///
/// ```
/// let e = tl_core::check::in_range("inclination_deg", 190.0, 0.0, 180.0).unwrap_err();
/// assert_eq!(e.to_string(), "inclination_deg = 190: must be within 0..=180");
/// ```
pub fn in_range(field: &str, value: f64, lo: f64, hi: f64) -> Result<f64, FieldError> {
    if value.is_finite() && value >= lo && value <= hi {
        Ok(value)
    } else {
        Err(FieldError::new(field, fmt_f64(value), format!("within {}..={}", fmt_f64(lo), fmt_f64(hi))))
    }
}

/// `value` must be finite and > 0.
pub fn positive(field: &str, value: f64) -> Result<f64, FieldError> {
    if value.is_finite() && value > 0.0 {
        Ok(value)
    } else {
        Err(FieldError::new(field, fmt_f64(value), "a finite number > 0"))
    }
}

/// `value` must be finite and >= 0.
pub fn non_negative(field: &str, value: f64) -> Result<f64, FieldError> {
    if value.is_finite() && value >= 0.0 {
        Ok(value)
    } else {
        Err(FieldError::new(field, fmt_f64(value), "a finite number >= 0"))
    }
}

/// Format a float compactly: integers without a fraction, NaN and infinities by name,
/// very small or very large magnitudes in scientific notation.
///
/// ```
/// use tl_core::check::fmt_f64;
/// assert_eq!(fmt_f64(190.0), "190");
/// assert_eq!(fmt_f64(0.25), "0.25");
/// assert_eq!(fmt_f64(-3e-12), "-3e-12");
/// assert_eq!(fmt_f64(f64::NAN), "nan");
/// ```
pub fn fmt_f64(v: f64) -> String {
    if v.is_nan() {
        "nan".into()
    } else if v.is_infinite() {
        if v > 0.0 { "inf".into() } else { "-inf".into() }
    } else if v == v.trunc() && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else if v != 0.0 && (v.abs() < 1e-4 || v.abs() >= 1e15) {
        format!("{v:e}")
    } else {
        format!("{v}")
    }
}
