//! Ages the way kubectl prints them: the AGE cell of a Table row.

use jiff::Timestamp;

use crate::units::format::kubectl_age;

/// "5m", "2m30s", or "<unknown>" when the timestamp is missing or unparsable.
pub fn age(timestamp: Option<&str>, now: Timestamp) -> String {
    match timestamp.and_then(|t| t.parse::<Timestamp>().ok()) {
        Some(t) => kubectl_age(now.as_second() - t.as_second()),
        None => "<unknown>".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_read_like_kubectl() {
        let now: Timestamp = "2026-01-02T00:00:00Z".parse().unwrap();
        assert_eq!(age(Some("2026-01-01T23:57:30Z"), now), "2m30s");
        assert_eq!(age(Some("2025-12-29T23:00:00Z"), now), "3d1h");
        assert_eq!(age(Some("not a time"), now), "<unknown>");
        assert_eq!(age(None, now), "<unknown>");
    }
}
