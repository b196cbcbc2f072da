//! Kubernetes resource quantities ("500m", "2", "512Mi", "1Ti", "1.5Gi") as numbers.
//!
//! Only what the sim needs: CPU in millicores and memory/storage in bytes. Unknown or
//! malformed strings parse as `None`; callers treat that as "no request".

/// CPU quantity in millicores ("250m" -> 250, "2" -> 2000, "0.5" -> 500).
pub fn cpu_millis(q: &str) -> Option<i64> {
    let q = q.trim();
    if let Some(m) = q.strip_suffix('m') {
        return m.parse::<f64>().ok().map(|v| v.round() as i64);
    }
    if let Some(n) = q.strip_suffix('n') {
        return n.parse::<f64>().ok().map(|v| (v / 1_000_000.0).round() as i64);
    }
    if let Some(u) = q.strip_suffix('u') {
        return u.parse::<f64>().ok().map(|v| (v / 1_000.0).round() as i64);
    }
    q.parse::<f64>().ok().map(|v| (v * 1000.0).round() as i64)
}

/// Memory or storage quantity in bytes ("512Mi", "1G", "1.5Gi", "128974848").
pub fn bytes(q: &str) -> Option<i64> {
    const SUFFIXES: [(&str, f64); 12] = [
        ("Ki", 1024.0),
        ("Mi", 1_048_576.0),
        ("Gi", 1_073_741_824.0),
        ("Ti", 1_099_511_627_776.0),
        ("Pi", 1_125_899_906_842_624.0),
        ("Ei", 1_152_921_504_606_846_976.0),
        ("k", 1e3),
        ("M", 1e6),
        ("G", 1e9),
        ("T", 1e12),
        ("P", 1e15),
        ("E", 1e18),
    ];
    let q = q.trim();
    for (suffix, factor) in SUFFIXES {
        if let Some(n) = q.strip_suffix(suffix) {
            return n.parse::<f64>().ok().map(|v| (v * factor).round() as i64);
        }
    }
    if let Some(m) = q.strip_suffix('m') {
        return m.parse::<f64>().ok().map(|v| (v / 1000.0).round() as i64);
    }
    q.parse::<f64>().ok().map(|v| v.round() as i64)
}

/// Format millicores the way metrics-server does ("123m" style for CPU usage: nanocores).
pub fn format_nanocores(millis: f64) -> String {
    format!("{}n", (millis * 1_000_000.0).max(0.0).round() as i64)
}

/// Format bytes as Ki, like metrics-server's memory usage.
pub fn format_kibibytes(bytes: f64) -> String {
    format!("{}Ki", (bytes / 1024.0).max(0.0).round() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_cpu_forms() {
        assert_eq!(cpu_millis("250m"), Some(250));
        assert_eq!(cpu_millis("2"), Some(2000));
        assert_eq!(cpu_millis("0.5"), Some(500));
        assert_eq!(cpu_millis("1500000n"), Some(2));
        assert_eq!(cpu_millis("lots"), None);
    }

    #[test]
    fn parses_memory_forms() {
        assert_eq!(bytes("512Mi"), Some(512 * 1024 * 1024));
        assert_eq!(bytes("1G"), Some(1_000_000_000));
        assert_eq!(bytes("1.5Gi"), Some(1_610_612_736));
        assert_eq!(bytes("1024"), Some(1024));
        assert_eq!(bytes("Mi"), None);
    }
}
