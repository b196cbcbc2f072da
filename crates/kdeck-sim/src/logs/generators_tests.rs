//! Line generators: formats per style, escapes now and then, crash traces.

use super::*;

fn voice(style: Style, errors: bool) -> Voice {
    Voice {
        style,
        errors,
        seed: 7,
        app: "orders".into(),
        rate: 3.0,
        upstreams: vec!["shop-web-80".into()],
        pod_ip: "10.0.1.5".into(),
    }
}

#[test]
fn stamps_print_every_format() {
    let stamp = Stamp::of(1_796_191_262); // 2026-12-02T06:01:02Z
    assert_eq!(stamp.rfc, "2026-12-02T06:01:02");
    assert_eq!(stamp.clf, "02/Dec/2026:06:01:02 +0000");
    assert_eq!(stamp.pg, "2026-12-02 06:01:02");
    assert_eq!(stamp.redis, "02 Dec 2026 06:01:02");
}

#[test]
fn lines_look_like_their_style() {
    let stamp = Stamp::of(1_796_191_262);
    let plain = |style| {
        (0..200u64)
            .map(|h| line(&voice(style, false), &stamp, 0, h))
            .filter(|l| !l.contains('\x1b'))
            .collect::<Vec<_>>()
    };
    assert!(
        plain(Style::Access)
            .iter()
            .all(|l| l.contains("[02/Dec/2026:06:01:02 +0000] \"") && l.contains(" HTTP/1.1\" "))
    );
    assert!(plain(Style::IngressController).iter().all(|l| l.contains("[shop-web-80]")));
    for json in plain(Style::Json) {
        let value: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert!(value["ts"].as_str().unwrap().starts_with("2026-12-02T06:01:02."), "{json}");
        assert!(value["trace_id"].as_str().unwrap().len() == 32);
    }
    assert!(plain(Style::Envoy).iter().all(|l| l.starts_with("[2026-12-02T06:01:02.000Z] \"")));
    assert!(plain(Style::Postgres).iter().all(|l| l.starts_with("2026-12-02 06:01:02.000 UTC [")));
    assert!(plain(Style::Redis).iter().all(|l| l.starts_with("1:")));
    assert!(plain(Style::Logfmt).iter().all(|l| l.starts_with("time=\"2026-12-02T06:01:02.000Z\" level=")));
}

#[test]
fn errors_show_as_5xx_and_error_levels() {
    let stamp = Stamp::of(1_796_191_262);
    let count = |style, errors, needle: &str| {
        (0..1000u64).filter(|h| line(&voice(style, errors), &stamp, 0, *h).contains(needle)).count()
    };
    assert!(count(Style::Access, true, "HTTP/1.1\" 50") > 300);
    assert!(count(Style::Access, false, "HTTP/1.1\" 50") < 20);
    assert!(count(Style::Json, true, "\"level\":\"error\"") > 300);
}

#[test]
fn some_lines_carry_escape_sequences() {
    let stamp = Stamp::of(1_796_191_262);
    let v = voice(Style::Json, false);
    let lines: Vec<String> = (0..100_000u64).map(|h| line(&v, &stamp, 0, h)).collect();
    let sgr = lines.iter().filter(|l| l.contains("\x1b[31m")).count();
    let hostile = lines.iter().filter(|l| l.contains("\x1b]52;") || l.contains("\x1b[2J")).count();
    assert!((100..600).contains(&sgr), "{sgr} coloured lines");
    assert!((1..40).contains(&hostile), "{hostile} hostile lines");
    assert!(lines.iter().all(|l| !l.contains('\n')));
}

#[test]
fn crash_traces_are_java_stack_traces() {
    let v = voice(Style::Json, false);
    let trace = crash_trace(&v, &Crash::Error { message: Some("invalid configuration: X\n".into()) }, 1);
    assert_eq!(
        trace[0],
        "Exception in thread \"main\" java.lang.IllegalStateException: invalid configuration: X"
    );
    assert!(trace[1].starts_with("\tat com.example.orders."));
    assert!(crash_trace(&v, &Crash::OomKilled, 1)[0].contains("OutOfMemoryError"));
}
