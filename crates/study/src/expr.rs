//! The values a parameter takes: sweeps (a list of values, every one run) and draws (a
//! distribution, sampled once per trial).
//!
//! Sweep values in a study file:
//!
//! | written | values |
//! | --- | --- |
//! | `[28, 54, 108]` | the list as written (any TOML values, also tables) |
//! | `"range(8, 300, 4)"` | `8, 12, ..., 300`: start, then steps while within the end (inclusive); integers when all three are integers |
//! | `"linspace(0, 1, 5)"` | `n` evenly spaced values from start to end inclusive |
//! | `"logspace(8, 300, 6)"` | `n` geometrically spaced values from start to end inclusive (both > 0) |
//!
//! `linspace` and `logspace` give integers (rounded to nearest, repeats dropped) when both
//! ends are written as integers, floats otherwise (`8.0`).
//!
//! Draws:
//!
//! | written | one draw |
//! | --- | --- |
//! | `"uniform(a, b)"` | a float in [a, b) |
//! | `"uniform_int(a, b)"` | an integer in a..=b |
//! | `"loguniform(a, b)"` | a float whose logarithm is uniform in [ln a, ln b), 0 < a < b |
//! | `"normal(mean, sd)"` | a float from N(mean, sd²), sd > 0 |
//! | `"choice(x, y, ...)"` or `[x, y, ...]` | one of the values, each equally likely |
//!
//! Arguments are TOML values: numbers, quoted strings, booleans.

use tl_core::rng::RngStream;
use toml::Value;

/// A bad expression; the message says what is allowed. The caller adds the path.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ExprError(pub String);

/// Most values one sweep may expand to (a guard against a typo such as a tiny step).
pub const MAX_SWEEP_VALUES: usize = 100_000;

/// `name(args)` split into the name and its arguments (parsed as TOML values).
fn call(text: &str) -> Result<Option<(String, Vec<Value>)>, ExprError> {
    let t = text.trim();
    let Some(open) = t.find('(') else { return Ok(None) };
    if !t.ends_with(')') {
        return Err(ExprError(format!("`{t}`: a call must end with `)`")));
    }
    let name = t[..open].trim().to_string();
    if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        return Ok(None);
    }
    let inner = &t[open + 1..t.len() - 1];
    let arr: Value = format!("[{inner}]").parse().map_err(|e: toml::de::Error| {
        ExprError(format!("`{t}`: cannot read the arguments as TOML values: {}", e.message()))
    })?;
    match arr {
        Value::Array(a) => Ok(Some((name, a))),
        _ => Err(ExprError(format!("`{t}`: cannot read the arguments"))),
    }
}

fn num(v: &Value, what: &str, expr: &str) -> Result<f64, ExprError> {
    match v {
        Value::Integer(i) => Ok(*i as f64),
        Value::Float(f) if f.is_finite() => Ok(*f),
        other => Err(ExprError(format!("`{expr}`: {what} must be a finite number, got {other}"))),
    }
}

fn arity(name: &str, args: &[Value], n: usize, expr: &str, sig: &str) -> Result<(), ExprError> {
    if args.len() == n {
        Ok(())
    } else {
        Err(ExprError(format!("`{expr}`: {name} takes {n} arguments ({sig}), got {}", args.len())))
    }
}

/// Expand a sweep value (a list, or a `range`/`linspace`/`logspace` string) into its
/// values.
///
/// ```
/// use tl_study::expr::sweep_values;
/// let v = sweep_values(&toml::Value::String("range(8, 20, 4)".into())).unwrap();
/// assert_eq!(v, [8, 12, 16, 20].map(toml::Value::Integer));
/// assert!(sweep_values(&toml::Value::String("range(8, 2, 4)".into())).is_err());
/// ```
pub fn sweep_values(v: &Value) -> Result<Vec<Value>, ExprError> {
    let out = match v {
        Value::Array(a) => {
            if a.is_empty() {
                return Err(ExprError("empty list: a sweep needs at least one value".into()));
            }
            a.clone()
        }
        Value::String(s) => {
            let (name, args) = call(s)?.ok_or_else(|| {
                ExprError(format!(
                    "`{s}`: a sweep is a list `[a, b, ...]` or one of range(start, end, step), \
                     linspace(start, end, n), logspace(start, end, n) (to sweep text values, use a list)"
                ))
            })?;
            let ints = args.iter().all(Value::is_integer);
            match name.as_str() {
                "range" => {
                    arity("range", &args, 3, s, "start, end, step")?;
                    let (a, b, st) =
                        (num(&args[0], "start", s)?, num(&args[1], "end", s)?, num(&args[2], "step", s)?);
                    if st == 0.0 {
                        return Err(ExprError(format!("`{s}`: step = 0: must be non-zero")));
                    }
                    let steps = (b - a) / st;
                    if steps < -1e-9 {
                        return Err(ExprError(format!(
                            "`{s}`: empty range (step {st} goes away from the end {b})"
                        )));
                    }
                    let n = (steps + 1e-9).floor() as usize + 1;
                    if n > MAX_SWEEP_VALUES {
                        return Err(ExprError(format!(
                            "`{s}`: {n} values: must be at most {MAX_SWEEP_VALUES}"
                        )));
                    }
                    if ints {
                        let (a, st) = (args[0].as_integer().unwrap_or(0), args[2].as_integer().unwrap_or(1));
                        (0..n as i64).map(|k| Value::Integer(a + k * st)).collect()
                    } else {
                        (0..n).map(|k| Value::Float(a + k as f64 * st)).collect()
                    }
                }
                "linspace" | "logspace" => {
                    arity(&name, &args, 3, s, "start, end, n")?;
                    let (a, b) = (num(&args[0], "start", s)?, num(&args[1], "end", s)?);
                    let n = match &args[2] {
                        Value::Integer(n) if *n >= 1 && *n as usize <= MAX_SWEEP_VALUES => *n as usize,
                        other => {
                            return Err(ExprError(format!(
                                "`{s}`: n = {other}: must be an integer within 1..={MAX_SWEEP_VALUES}"
                            )));
                        }
                    };
                    let log = name == "logspace";
                    if log && !(a > 0.0 && b > 0.0) {
                        return Err(ExprError(format!("`{s}`: logspace needs start and end > 0")));
                    }
                    let at = |k: usize| {
                        let f = if n == 1 { 0.0 } else { k as f64 / (n - 1) as f64 };
                        if k + 1 == n && n > 1 {
                            b
                        } else if log {
                            (a.ln() + f * (b.ln() - a.ln())).exp()
                        } else {
                            a + f * (b - a)
                        }
                    };
                    if args[0].is_integer() && args[1].is_integer() {
                        let mut out: Vec<Value> = Vec::with_capacity(n);
                        for k in 0..n {
                            let v = Value::Integer(at(k).round() as i64);
                            if out.last() != Some(&v) {
                                out.push(v);
                            }
                        }
                        out
                    } else {
                        (0..n).map(|k| Value::Float(at(k))).collect()
                    }
                }
                other => {
                    return Err(ExprError(format!(
                        "`{s}`: unknown sweep `{other}`: must be range, linspace or logspace (or a list)"
                    )));
                }
            }
        }
        other => {
            return Err(ExprError(format!(
                "{other}: a sweep is a list `[a, b, ...]` or a string such as \"range(8, 300, 4)\" \
                 (to fix one value for the whole study, put it under [set])"
            )));
        }
    };
    Ok(out)
}

/// A distribution a parameter is drawn from, once per trial.
#[derive(Clone, Debug, PartialEq)]
pub enum Draw {
    /// Uniform float in [lo, hi).
    Uniform {
        /// Lower end (included).
        lo: f64,
        /// Upper end (excluded).
        hi: f64,
    },
    /// Uniform integer in lo..=hi.
    UniformInt {
        /// Lowest value.
        lo: i64,
        /// Highest value.
        hi: i64,
    },
    /// Log-uniform float in [lo, hi), 0 < lo < hi.
    LogUniform {
        /// Lower end.
        lo: f64,
        /// Upper end.
        hi: f64,
    },
    /// Normal N(mean, sd²).
    Normal {
        /// Mean.
        mean: f64,
        /// Standard deviation (> 0).
        sd: f64,
    },
    /// One of the values, each equally likely.
    Choice(Vec<Value>),
}

impl Draw {
    /// Parse a draw: a string call or a list (a choice).
    ///
    /// ```
    /// use tl_study::expr::Draw;
    /// let d = Draw::parse(&toml::Value::String("uniform(0, 5400)".into())).unwrap();
    /// assert_eq!(d, Draw::Uniform { lo: 0.0, hi: 5400.0 });
    /// assert!(Draw::parse(&toml::Value::String("uniform(5, 5)".into())).is_err());
    /// ```
    pub fn parse(v: &Value) -> Result<Self, ExprError> {
        let s = match v {
            Value::Array(a) if !a.is_empty() => return Ok(Draw::Choice(a.clone())),
            Value::Array(_) => return Err(ExprError("empty list: a choice needs at least one value".into())),
            Value::String(s) => s,
            other => {
                return Err(ExprError(format!(
                    "{other}: a draw is a string such as \"uniform(0, 5400)\", \"normal(0, 1)\", \
                     \"uniform_int(1, 10)\", \"loguniform(1e-3, 1)\", \"choice(...)\", or a list to choose from"
                )));
            }
        };
        let (name, args) = call(s)?.ok_or_else(|| {
            ExprError(format!(
                "`{s}`: a draw is uniform(a, b), uniform_int(a, b), loguniform(a, b), normal(mean, sd) or choice(...)"
            ))
        })?;
        match name.as_str() {
            "uniform" | "loguniform" => {
                arity(&name, &args, 2, s, "a, b")?;
                let (lo, hi) = (num(&args[0], "a", s)?, num(&args[1], "b", s)?);
                if lo >= hi {
                    return Err(ExprError(format!("`{s}`: empty range: a = {lo} must be < b = {hi}")));
                }
                if name == "loguniform" {
                    if lo <= 0.0 {
                        return Err(ExprError(format!("`{s}`: a = {lo}: must be > 0 for loguniform")));
                    }
                    Ok(Draw::LogUniform { lo, hi })
                } else {
                    Ok(Draw::Uniform { lo, hi })
                }
            }
            "uniform_int" => {
                arity(&name, &args, 2, s, "a, b")?;
                let (Some(lo), Some(hi)) = (args[0].as_integer(), args[1].as_integer()) else {
                    return Err(ExprError(format!("`{s}`: uniform_int needs integer ends")));
                };
                if lo > hi {
                    return Err(ExprError(format!("`{s}`: empty range: a = {lo} must be <= b = {hi}")));
                }
                Ok(Draw::UniformInt { lo, hi })
            }
            "normal" => {
                arity(&name, &args, 2, s, "mean, sd")?;
                let (mean, sd) = (num(&args[0], "mean", s)?, num(&args[1], "sd", s)?);
                if sd <= 0.0 {
                    return Err(ExprError(format!("`{s}`: sd = {sd}: must be > 0")));
                }
                Ok(Draw::Normal { mean, sd })
            }
            "choice" => {
                if args.is_empty() {
                    return Err(ExprError(format!("`{s}`: choice needs at least one value")));
                }
                Ok(Draw::Choice(args))
            }
            other => Err(ExprError(format!(
                "`{s}`: unknown draw `{other}`: must be uniform, uniform_int, loguniform, normal or choice"
            ))),
        }
    }

    /// One draw.
    pub fn sample(&self, rng: &mut RngStream) -> Value {
        match self {
            Draw::Uniform { lo, hi } => Value::Float(rng.uniform_range(*lo, *hi)),
            Draw::UniformInt { lo, hi } => {
                let span = (*hi as i128 - *lo as i128 + 1) as u128;
                let k = if span > u64::MAX as u128 { rng.next_u64() } else { rng.below(span as u64) };
                Value::Integer((*lo as i128 + k as i128) as i64)
            }
            Draw::LogUniform { lo, hi } => {
                Value::Float((lo.ln() + (hi.ln() - lo.ln()) * rng.uniform()).exp())
            }
            Draw::Normal { mean, sd } => Value::Float(mean + sd * rng.normal()),
            Draw::Choice(v) => v[rng.below(v.len() as u64) as usize].clone(),
        }
    }

    /// Values checked against the scenario before any trial runs: both ends of a range
    /// (the upper end of a float range stands for values just below it), every choice,
    /// the mean of a normal (its tails are unbounded: a draw far out that the scenario
    /// refuses is recorded as that trial's error).
    pub fn probes(&self) -> Vec<Value> {
        match self {
            Draw::Uniform { lo, hi } | Draw::LogUniform { lo, hi } => {
                vec![Value::Float(*lo), Value::Float(*hi)]
            }
            Draw::UniformInt { lo, hi } => vec![Value::Integer(*lo), Value::Integer(*hi)],
            Draw::Normal { mean, .. } => vec![Value::Float(*mean)],
            Draw::Choice(v) => v.clone(),
        }
    }

    /// Canonical text (used in the study hash and column docs).
    pub fn canonical(&self) -> String {
        match self {
            Draw::Uniform { lo, hi } => format!("uniform({lo:?}, {hi:?})"),
            Draw::UniformInt { lo, hi } => format!("uniform_int({lo}, {hi})"),
            Draw::LogUniform { lo, hi } => format!("loguniform({lo:?}, {hi:?})"),
            Draw::Normal { mean, sd } => format!("normal({mean:?}, {sd:?})"),
            Draw::Choice(v) => {
                format!("choice({})", v.iter().map(|x| x.to_string()).collect::<Vec<_>>().join(", "))
            }
        }
    }

    /// True when every draw is a number (the parameter's column is numeric).
    pub fn is_numeric(&self) -> bool {
        match self {
            Draw::Choice(v) => v.iter().all(|x| x.is_integer() || x.is_float()),
            _ => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sv(s: &str) -> Result<Vec<Value>, ExprError> {
        sweep_values(&Value::String(s.into()))
    }

    #[test]
    fn ranges() {
        assert_eq!(sv("range(8, 300, 4)").unwrap().len(), 74);
        assert_eq!(sv("range(10, 0, -5)").unwrap(), [10, 5, 0].map(Value::Integer));
        // Float steps land on the end despite rounding (0.1 * 3 != 0.3 exactly).
        let v = sv("range(0.0, 0.3, 0.1)").unwrap();
        assert_eq!(v.len(), 4);
        assert!((v[3].as_float().unwrap() - 0.3).abs() < 1e-15);
        assert_eq!(sv("linspace(0.0, 1, 5)").unwrap()[1], Value::Float(0.25));
        assert_eq!(sv("logspace(1, 1000, 4)").unwrap(), [1, 10, 100, 1000].map(Value::Integer));
        assert_eq!(
            sv("linspace(1, 3, 5)").unwrap(),
            [1, 2, 3].map(Value::Integer),
            "integers, repeats dropped"
        );
        assert_eq!(sv("linspace(5, 5, 1)").unwrap(), [Value::Integer(5)]);
        for bad in [
            "range(1, 2)",
            "range(1, 5, 0)",
            "range(5, 1, 1)",
            "range(0, 1e9, 1)",
            "logspace(0, 10, 3)",
            "linspace(0, 1, 0)",
            "steps(1, 2, 3)",
            "8 to 300",
            "range(a, 2, 3)",
        ] {
            assert!(sv(bad).is_err(), "{bad}");
        }
        assert!(sweep_values(&Value::Array(vec![])).is_err());
        assert!(sweep_values(&Value::Integer(3)).unwrap_err().0.contains("[set]"));
    }

    #[test]
    fn draws_parse_and_refuse() {
        let p = |s: &str| Draw::parse(&Value::String(s.into()));
        assert_eq!(p("normal(0, 2.5)").unwrap(), Draw::Normal { mean: 0.0, sd: 2.5 });
        assert_eq!(
            p("choice(\"a\", 2)").unwrap(),
            Draw::Choice(vec![Value::String("a".into()), Value::Integer(2)])
        );
        for bad in [
            "uniform(1, 1)",
            "uniform(2, 1)",
            "uniform(0)",
            "normal(0, 0)",
            "normal(0, -1)",
            "uniform_int(1.5, 3)",
            "uniform_int(3, 1)",
            "loguniform(0, 1)",
            "choice()",
            "gauss(0, 1)",
            "uniform(0, inf)",
        ] {
            assert!(p(bad).is_err(), "{bad}");
        }
    }

    /// Sample moments against the closed forms (5-sigma bounds on the sample mean).
    #[test]
    fn draw_moments_match_closed_forms() {
        let n = 100_000;
        let mut r = RngStream::new(1, 0, 0, "test.draw");
        let mut stats = |d: &Draw| {
            let xs: Vec<f64> = (0..n)
                .map(|_| match d.sample(&mut r) {
                    Value::Float(f) => f,
                    Value::Integer(i) => i as f64,
                    _ => unreachable!(),
                })
                .collect();
            let m = xs.iter().sum::<f64>() / n as f64;
            let v = xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1) as f64;
            let lo = xs.iter().cloned().fold(f64::INFINITY, f64::min);
            let hi = xs.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
            (m, v, lo, hi)
        };
        // uniform(0, 5400): mean 2700, var 5400^2/12.
        let (m, v, lo, hi) = stats(&Draw::Uniform { lo: 0.0, hi: 5400.0 });
        let sd = 5400.0 / 12f64.sqrt();
        assert!((m - 2700.0).abs() < 5.0 * sd / (n as f64).sqrt(), "{m}");
        assert!((v / (sd * sd) - 1.0).abs() < 0.02, "{v}");
        assert!(lo >= 0.0 && hi < 5400.0);
        // uniform_int(1, 10): mean 5.5, var (10^2 - 1)/12, both ends reached.
        let (m, v, lo, hi) = stats(&Draw::UniformInt { lo: 1, hi: 10 });
        assert!((m - 5.5).abs() < 5.0 * (8.25f64 / n as f64).sqrt(), "{m}");
        assert!((v - 8.25).abs() < 0.2, "{v}");
        assert_eq!((lo, hi), (1.0, 10.0));
        // loguniform(1, e^2): ln x uniform on [0, 2): E[x] = (e^2 - 1) / 2.
        let e2 = 2f64.exp();
        let (m, _, lo, hi) = stats(&Draw::LogUniform { lo: 1.0, hi: e2 });
        let mean = (e2 - 1.0) / 2.0;
        let var = (e2 * e2 - 1.0) / 4.0 - mean * mean;
        assert!((m - mean).abs() < 5.0 * (var / n as f64).sqrt(), "{m}");
        assert!(lo >= 1.0 && hi < e2);
        // normal(10, 3).
        let (m, v, _, _) = stats(&Draw::Normal { mean: 10.0, sd: 3.0 });
        assert!((m - 10.0).abs() < 5.0 * 3.0 / (n as f64).sqrt(), "{m}");
        assert!((v / 9.0 - 1.0).abs() < 0.02, "{v}");
    }
}
