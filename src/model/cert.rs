//! Reading TLS certificates from secrets (x509-parser): subject, SANs, expiry, host coverage.

use jiff::Timestamp;
use serde::Serialize;
use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::GeneralName;
use x509_parser::pem::parse_x509_pem;
use x509_parser::prelude::FromDer;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CertInfo {
    pub subject: String,
    /// DNS subject alternative names (wildcards as written, e.g. "*.example.com").
    pub sans: Vec<String>,
    pub not_after: Timestamp,
}

/// Parse the first certificate of a PEM bundle (or a DER blob).
pub fn read_certificate(data: &[u8]) -> Result<CertInfo, String> {
    let der_owned;
    let der: &[u8] = if data.starts_with(b"-----") || data.iter().take(64).any(|b| *b == b'-') {
        let (_, pem) = parse_x509_pem(data).map_err(|e| format!("not a PEM certificate: {e}"))?;
        der_owned = pem.contents;
        &der_owned
    } else {
        data
    };
    let (_, cert) = X509Certificate::from_der(der).map_err(|e| format!("not an X.509 certificate: {e}"))?;
    let sans = match cert.subject_alternative_name() {
        Ok(Some(ext)) => ext
            .value
            .general_names
            .iter()
            .filter_map(|n| match n {
                // IA5String: any ASCII, controls included (sanitized like all outside text).
                GeneralName::DNSName(d) => Some(crate::sanitize::line(d).into_owned()),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    };
    let not_after = Timestamp::from_second(cert.validity().not_after.timestamp())
        .map_err(|e| format!("certificate notAfter out of range: {e}"))?;
    let subject = crate::sanitize::line_owned(cert.subject().to_string());
    Ok(CertInfo { subject, sans, not_after })
}

/// Does a SAN cover a host? Wildcards cover exactly one leftmost label (RFC 6125).
pub fn san_covers(san: &str, host: &str) -> bool {
    let san = san.trim_end_matches('.').to_ascii_lowercase();
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    match san.strip_prefix("*.") {
        Some(suffix) => host.split_once('.').is_some_and(|(label, rest)| !label.is_empty() && rest == suffix),
        None => san == host,
    }
}

/// Hosts none of the SANs cover (a wildcard ingress host needs the same wildcard SAN).
pub fn uncovered_hosts(cert: &CertInfo, hosts: &[String]) -> Vec<String> {
    hosts
        .iter()
        .filter(|h| !cert.sans.iter().any(|san| san_covers(san, h) || san.eq_ignore_ascii_case(h)))
        .cloned()
        .collect()
}

/// Whole days from `now` to `not_after` (negative once expired).
pub fn days_left(not_after: Timestamp, now: Timestamp) -> i64 {
    (not_after.as_second() - now.as_second()).div_euclid(86_400)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_cover_one_label() {
        assert!(san_covers("*.example.com", "a.example.com"));
        assert!(san_covers("*.Example.com", "A.example.com."));
        assert!(!san_covers("*.example.com", "example.com"));
        assert!(!san_covers("*.example.com", "a.b.example.com"));
        assert!(san_covers("shop.example.com", "shop.example.com"));
        assert!(!san_covers("shop.example.com", "api.example.com"));
    }

    #[test]
    fn reads_an_rcgen_certificate() {
        let mut params =
            rcgen::CertificateParams::new(vec!["*.shop.test".to_owned(), "shop.test".to_owned()]).unwrap();
        params.not_after = rcgen::date_time_ymd(2020, 1, 2);
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = params.self_signed(&key).unwrap();
        let info = read_certificate(cert.pem().as_bytes()).unwrap();
        assert_eq!(info.sans, vec!["*.shop.test", "shop.test"]);
        assert_eq!(info.not_after.to_string(), "2020-01-02T00:00:00Z");
        let now: Timestamp = "2020-01-05T00:00:00Z".parse().unwrap();
        assert_eq!(days_left(info.not_after, now), -3);
        let hosts = vec!["a.shop.test".to_owned(), "x.y.shop.test".to_owned()];
        assert_eq!(uncovered_hosts(&info, &hosts), vec!["x.y.shop.test"]);
        assert!(read_certificate(b"garbage").is_err());
    }

    #[test]
    fn subject_and_sans_with_escapes_are_sanitized() {
        let mut params = rcgen::CertificateParams::new(vec!["shop\x1b]0;owned\x07.test".to_owned()]).unwrap();
        params.distinguished_name.push(rcgen::DnType::CommonName, "cn\x1b[2J\r");
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = params.self_signed(&key).unwrap();
        let info = read_certificate(cert.pem().as_bytes()).unwrap();
        assert_eq!(info.sans, vec!["shop.test"]);
        assert!(!crate::sanitize::has_controls(&info.subject), "{:?}", info.subject);
        assert!(info.subject.contains("cn"), "{:?}", info.subject);
    }
}
