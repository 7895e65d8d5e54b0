//! The `timeouts` block: Go-style durations (`60m`, `1h30m`, `90s`) as Terraform's SDKv2
//! providers accept them, with the defaults of terraform-provider-openstack (create 60 min,
//! update and delete 30 min).

use std::time::Duration;

use serde::{Deserialize, Serialize};
use tf_provider::value::Value;
use tf_provider::{AttributePath, Diagnostics};

/// One `timeouts` block as Terraform sends it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Timeouts {
    /// Create timeout.
    pub create: Value<String>,
    /// Update timeout.
    pub update: Value<String>,
    /// Delete timeout.
    pub delete: Value<String>,
}

/// Which operation a timeout is for.
#[derive(Debug, Clone, Copy)]
pub enum Op {
    Create,
    Update,
    Delete,
}

/// The longest accepted timeout (a week): longer is a typo, and would overflow nothing but
/// still never end in practice.
const MAX: Duration = Duration::from_secs(7 * 24 * 3600);

/// Parses a Go duration (`1h30m`, `45m`, `90s`, `1.5h`); `None` when malformed, zero or
/// longer than a week.
pub fn parse(text: &str) -> Option<Duration> {
    let mut rest = text.trim();
    if rest.is_empty() {
        return None;
    }
    let mut total = 0f64;
    while !rest.is_empty() {
        let number_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let (number, tail) = rest.split_at(number_len);
        let value: f64 = number.parse().ok()?;
        let unit_len = tail
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(tail.len());
        let (unit, tail) = tail.split_at(unit_len);
        let seconds = match unit {
            "h" => 3600.0,
            "m" => 60.0,
            "s" => 1.0,
            "ms" => 0.001,
            _ => return None,
        };
        total += value * seconds;
        rest = tail;
    }
    if !total.is_finite() || total <= 0.0 || total > MAX.as_secs_f64() {
        return None;
    }
    Some(Duration::from_secs_f64(total))
}

/// The timeout for `op` from the (at most one) block, or the default; `Err` names a bad value.
pub fn timeout(blocks: &Value<Vec<Timeouts>>, op: Op) -> Result<Duration, String> {
    let (value, default) = match (blocks.as_ref_option().and_then(|b| b.first()), op) {
        (block, Op::Create) => (block.map(|b| &b.create), Duration::from_secs(3600)),
        (block, Op::Update) => (block.map(|b| &b.update), Duration::from_secs(1800)),
        (block, Op::Delete) => (block.map(|b| &b.delete), Duration::from_secs(1800)),
    };
    match value.and_then(Value::as_ref_option) {
        None => Ok(default),
        Some(text) => parse(text).ok_or_else(|| {
            format!(
                "{text:?} is not a duration between 1s and 168h (write it as 60m, 1h30m or 90s)"
            )
        }),
    }
}

/// [`timeout`], a bad value reported as an error diagnostic on the `timeouts` block.
pub fn checked(diags: &mut Diagnostics, blocks: &Value<Vec<Timeouts>>, op: Op) -> Option<Duration> {
    timeout(blocks, op)
        .map_err(|message| diags.error("bad timeout", message, AttributePath::new("timeouts")))
        .ok()
}

/// Checks all three timeouts (at validate time).
pub fn validate(diags: &mut Diagnostics, blocks: &Value<Vec<Timeouts>>) {
    for op in [Op::Create, Op::Update, Op::Delete] {
        checked(diags, blocks, op);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_durations_parse() {
        assert_eq!(parse("60m"), Some(Duration::from_secs(3600)));
        assert_eq!(parse("1h30m"), Some(Duration::from_secs(5400)));
        assert_eq!(parse("90s"), Some(Duration::from_secs(90)));
        assert_eq!(parse("1.5h"), Some(Duration::from_secs(5400)));
        assert_eq!(parse("500ms"), Some(Duration::from_millis(500)));
    }

    #[test]
    fn nonsense_durations_are_refused() {
        for bad in [
            "", "m", "60", "60x", "-5m", "0s", "1e400h", "169h", "NaN", "1h\0", "١h", "5m5",
        ] {
            assert_eq!(parse(bad), None, "{bad:?}");
        }
        let huge = "9".repeat(10_000) + "h";
        assert_eq!(parse(&huge), None);
    }

    #[test]
    fn defaults_follow_the_openstack_provider() {
        let none = Value::Value(Vec::new());
        assert_eq!(timeout(&none, Op::Create), Ok(Duration::from_secs(3600)));
        assert_eq!(timeout(&none, Op::Update), Ok(Duration::from_secs(1800)));
        assert_eq!(
            timeout(&Value::Null, Op::Delete),
            Ok(Duration::from_secs(1800))
        );
        let set = Value::Value(vec![Timeouts {
            create: Value::Value("2m".into()),
            ..Default::default()
        }]);
        assert_eq!(timeout(&set, Op::Create), Ok(Duration::from_secs(120)));
        let bad = Value::Value(vec![Timeouts {
            delete: Value::Value("soon".into()),
            ..Default::default()
        }]);
        assert!(timeout(&bad, Op::Delete).unwrap_err().contains("\"soon\""));
    }
}
