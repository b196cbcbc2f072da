//! One formatter per unit, for the screen and the snapshot text alike.
//!
//! Integer arithmetic throughout; where a value is shortened it is rounded half up, and a
//! rounding that reaches the next unit moves to it ("1023.96Ki" prints "1.0Mi", not "1024Ki").

use super::quantity;

/// a / b rounded half up.
fn div_round(a: u128, b: u128) -> u128 {
    (a + b / 2) / b
}

/// Prometheus answers (floats, possibly NaN or infinite) for the traffic columns. A value
/// that is not a finite number prints as "-".
fn finite(value: f64, show: impl Fn(f64) -> String) -> String {
    if value.is_finite() { show(value) } else { "-".to_owned() }
}

/// A float that fits a table cell: one decimal up to 9999.9, then k, M, G, T, then scientific
/// notation. A garbage answer of 1e308 must not print as 309 digits, which a column would cut
/// to something that looks plausible.
fn short(value: f64) -> String {
    const STEPS: [(f64, &str); 4] = [(1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")];
    let magnitude = value.abs();
    if magnitude < 1e4 {
        return format!("{value:.1}");
    }
    if magnitude >= 1e15 {
        return format!("{value:.1e}");
    }
    let (scale, suffix) = STEPS.iter().find(|(scale, _)| magnitude >= *scale).copied().unwrap_or((1.0, ""));
    format!("{:.1}{suffix}", value / scale)
}

/// A count with thousands separators: 12345 as "12,345".
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Latency: 85ms, 1.2s.
pub fn latency(seconds: f64) -> String {
    finite(seconds, |s| if s < 1.0 { format!("{:.0}ms", s * 1000.0) } else { format!("{}s", short(s)) })
}

/// A rate: 12.5 (requests a second).
pub fn per_second(rate: f64) -> String {
    finite(rate, short)
}

/// A ratio of one as a percentage: 0.131 prints 13.1%.
pub fn ratio_percent(ratio: f64) -> String {
    finite(ratio, |r| format!("{}%", short(r * 100.0)))
}

/// kdeck's short age, one unit wide: 45s, 12m, 5h, 3d (below 2 minutes in seconds, below 2 hours
/// in minutes, below 2 days in hours). Negative ages (clock skew) print as 0s.
pub fn age(seconds: i64) -> String {
    match seconds.max(0) {
        s if s < 120 => format!("{s}s"),
        s if s < 2 * 3600 => format!("{}m", s / 60),
        s if s < 48 * 3600 => format!("{}h", s / 3600),
        s => format!("{}d", s / 86_400),
    }
}

/// The AGE column of real kubectl (apimachinery's `duration.HumanDuration`), which the simulated
/// API server's Table responses must reproduce: two units while that stays short ("2m30s",
/// "4h1m", "3d1h", "2y45d"), "0s" for up to a second in the future and "<invalid>" beyond.
/// Kept apart from [`age`] because kdeck's own screen prints one unit.
pub fn kubectl_age(seconds: i64) -> String {
    if seconds < -1 {
        return "<invalid>".to_owned();
    }
    let s = seconds.max(0);
    let (m, h) = (s / 60, s / 3600);
    let (d, y) = (h / 24, h / 24 / 365);
    match s {
        _ if s < 120 => format!("{s}s"),
        _ if m < 10 => match s % 60 {
            0 => format!("{m}m"),
            rem => format!("{m}m{rem}s"),
        },
        _ if m < 3 * 60 => format!("{m}m"),
        _ if h < 8 => match m % 60 {
            0 => format!("{h}h"),
            rem => format!("{h}h{rem}m"),
        },
        _ if h < 48 => format!("{h}h"),
        _ if h < 24 * 8 => match h % 24 {
            0 => format!("{d}d"),
            rem => format!("{d}d{rem}h"),
        },
        _ if h < 24 * 365 * 2 => format!("{d}d"),
        _ if h < 24 * 365 * 8 => match d % 365 {
            0 => format!("{y}y"),
            rem => format!("{y}y{rem}d"),
        },
        _ => format!("{y}y"),
    }
}

/// CPU from millicores: "250m" below a core, cores with one decimal below ten ("1.5"), whole
/// cores above ("24").
pub fn cpu(millis: u64) -> String {
    let millis = u128::from(millis);
    if millis < 1000 {
        return format!("{millis}m");
    }
    let tenths = div_round(millis, 100);
    if tenths < 100 {
        return format!("{}.{}", tenths / 10, tenths % 10);
    }
    div_round(millis, 1000).to_string()
}

/// Bytes in binary units: "512B", one decimal below ten ("3.3Gi"), whole above ("512Mi").
pub fn bytes(value: u64) -> String {
    const UNITS: [&str; 7] = ["B", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"];
    let value = u128::from(value);
    if value < 1024 {
        return format!("{value}B");
    }
    let mut shown = String::new();
    for (power, name) in UNITS.iter().enumerate().skip(1) {
        let unit = 1u128 << (10 * power);
        let tenths = div_round(value * 10, unit);
        if tenths < 100 {
            return format!("{}.{}{name}", tenths / 10, tenths % 10);
        }
        let whole = div_round(value, unit);
        shown = format!("{whole}{name}");
        if whole < 1024 {
            break;
        }
    }
    shown
}

/// A metric value as the HPA reports it ("536870912", "512Mi", "65%", "250m"): memory quantities
/// in binary units through [`bytes`], anything else (percentages, CPU, counts) as given.
pub fn resource_quantity(resource: &str, text: &str) -> String {
    if resource == "memory"
        && !text.ends_with('%')
        && let Some(value) = quantity::bytes(text)
    {
        return bytes(value);
    }
    text.to_owned()
}

#[cfg(test)]
#[path = "format_tests.rs"]
mod tests;
