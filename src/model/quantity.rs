//! Kubernetes quantities ("500m", "2Gi", "1.5", "1e3") as integers kdeck can add up.
//!
//! No kept crate fitted (k8s-openapi only carries the string), so this is the small subset of
//! the resource.Quantity grammar that requests, allocatable and metrics use.

/// Parse a quantity into its value times `scale` (1000 for millicores, 1 for bytes), rounded up.
fn parse_scaled(text: &str, scale: f64) -> Option<u64> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let split =
        text.find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '+' || c == '-')).unwrap_or(text.len());
    let (number, suffix) = text.split_at(split);
    let (number, suffix) = match suffix.strip_prefix(['e', 'E']) {
        // decimal exponent form: "1e3"
        Some(exp) if exp.parse::<i32>().is_ok() => {
            let value: f64 = number.parse().ok()?;
            let exp: i32 = exp.parse().ok()?;
            return finish(value * 10f64.powi(exp) * scale);
        }
        _ => (number, suffix),
    };
    let value: f64 = number.parse().ok()?;
    let multiplier: f64 = match suffix {
        "" => 1.0,
        "n" => 1e-9,
        "u" => 1e-6,
        "m" => 1e-3,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "P" => 1e15,
        "E" => 1e18,
        "Ki" => 1024.0,
        "Mi" => 1024f64.powi(2),
        "Gi" => 1024f64.powi(3),
        "Ti" => 1024f64.powi(4),
        "Pi" => 1024f64.powi(5),
        "Ei" => 1024f64.powi(6),
        _ => return None,
    };
    finish(value * multiplier * scale)
}

fn finish(value: f64) -> Option<u64> {
    if value.is_finite() && value >= 0.0 { Some(value.ceil() as u64) } else { None }
}

/// CPU in millicores: "250m" -> 250, "2" -> 2000, "100u" -> 1 (rounded up).
pub fn cpu_millis(text: &str) -> Option<u64> {
    parse_scaled(text, 1000.0)
}

/// Memory (or any plain quantity) in units: "1Gi" -> 1073741824, "500M" -> 500000000.
pub fn bytes(text: &str) -> Option<u64> {
    parse_scaled(text, 1.0)
}

/// A quantity as a float, for metric values that may be fractional ("250m" -> 0.25).
pub fn value(text: &str) -> Option<f64> {
    parse_scaled(text, 1000.0).map(|milli| milli as f64 / 1000.0)
}

/// "1.5Gi"-style rendering for people.
pub fn format_bytes(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["", "Ki", "Mi", "Gi", "Ti"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 || value >= 10.0 {
        format!("{value:.0}{}", UNITS[unit])
    } else {
        format!("{value:.1}{}", UNITS[unit])
    }
}

/// "250m" or "2" (cores) for people.
pub fn format_millis(millis: u64) -> String {
    if millis.is_multiple_of(1000) { format!("{}", millis / 1000) } else { format!("{millis}m") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_forms() {
        assert_eq!(cpu_millis("250m"), Some(250));
        assert_eq!(cpu_millis("2"), Some(2000));
        assert_eq!(cpu_millis("0.5"), Some(500));
        assert_eq!(cpu_millis("1500000n"), Some(2));
        assert_eq!(cpu_millis("abc"), None);
        assert_eq!(cpu_millis(""), None);
    }

    #[test]
    fn memory_forms() {
        assert_eq!(bytes("1Gi"), Some(1 << 30));
        assert_eq!(bytes("500M"), Some(500_000_000));
        assert_eq!(bytes("128974848"), Some(128_974_848));
        assert_eq!(bytes("1e3"), Some(1000));
        assert_eq!(bytes("12Zi"), None);
        assert_eq!(bytes("-1"), None);
    }

    #[test]
    fn human_forms() {
        assert_eq!(format_bytes(1 << 30), "1.0Gi");
        assert_eq!(format_bytes(512), "512");
        assert_eq!(format_millis(1500), "1500m");
        assert_eq!(format_millis(2000), "2");
        assert_eq!(value("250m"), Some(0.25));
    }
}
