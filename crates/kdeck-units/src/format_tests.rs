use super::*;

#[test]
fn short_ages() {
    assert_eq!(age(-10), "0s");
    assert_eq!(age(5), "5s");
    assert_eq!(age(119), "119s");
    assert_eq!(age(120), "2m");
    assert_eq!(age(600), "10m");
    assert_eq!(age(7199), "119m");
    assert_eq!(age(5 * 3600), "5h");
    assert_eq!(age(48 * 3600 - 1), "47h");
    assert_eq!(age(3 * 86_400), "3d");
    assert_eq!(age(400 * 86_400), "400d");
}

#[test]
fn kubectl_ages_match_human_duration() {
    let cases = [
        (-2, "<invalid>"),
        (-1, "0s"),
        (0, "0s"),
        (5, "5s"),
        (119, "119s"),
        (120, "2m"),
        (150, "2m30s"),
        (599, "9m59s"),
        (600, "10m"),
        (3600, "60m"),
        (3 * 3600 - 1, "179m"),
        (3 * 3600, "3h"),
        (4 * 3600 + 60, "4h1m"),
        (8 * 3600, "8h"),
        (30 * 3600, "30h"),
        (48 * 3600, "2d"),
        (3 * 86_400 + 3600, "3d1h"),
        (8 * 86_400, "8d"),
        (100 * 86_400, "100d"),
        (730 * 86_400, "2y"),
        (800 * 86_400, "2y70d"),
        (8 * 365 * 86_400, "8y"),
        (9 * 365 * 86_400 + 86_400, "9y"),
    ];
    for (seconds, text) in cases {
        assert_eq!(kubectl_age(seconds), text, "{seconds}s");
    }
}

#[test]
fn cpu_stays_short() {
    assert_eq!(cpu(0), "0m");
    assert_eq!(cpu(250), "250m");
    assert_eq!(cpu(999), "999m");
    assert_eq!(cpu(1000), "1.0");
    assert_eq!(cpu(1500), "1.5");
    assert_eq!(cpu(1550), "1.6"); // half up
    assert_eq!(cpu(4030), "4.0");
    assert_eq!(cpu(9949), "9.9");
    assert_eq!(cpu(9950), "10"); // rounding reaches ten: whole cores
    assert_eq!(cpu(16_100), "16");
    assert_eq!(cpu(24_000), "24");
    assert_eq!(cpu(24_600), "25");
    assert_eq!(cpu(u64::MAX), "18446744073709552");
}

#[test]
fn bytes_in_binary_units() {
    assert_eq!(bytes(0), "0B");
    assert_eq!(bytes(512), "512B");
    assert_eq!(bytes(1023), "1023B");
    assert_eq!(bytes(1024), "1.0Ki");
    assert_eq!(bytes(104_857_600), "100Mi");
    assert_eq!(bytes(512 * 1024 * 1024), "512Mi");
    assert_eq!(bytes(1 << 30), "1.0Gi");
    assert_eq!(bytes(1_610_612_736), "1.5Gi");
    assert_eq!(bytes(3 * (1 << 30) + 300 * (1 << 20)), "3.3Gi");
    assert_eq!(bytes(10 * (1 << 30) - 1), "10Gi");
    assert_eq!(bytes(1024 * 1024 - 1), "1.0Mi"); // 1023.999Ki reaches the next unit
    assert_eq!(bytes(1 << 40), "1.0Ti");
    assert_eq!(bytes(u64::MAX), "16Ei");
}

#[test]
fn metric_quantities() {
    assert_eq!(resource_quantity("memory", "536870912"), "512Mi");
    assert_eq!(resource_quantity("memory", "1Gi"), "1.0Gi");
    assert_eq!(resource_quantity("memory", "80%"), "80%");
    assert_eq!(resource_quantity("memory", "lots"), "lots");
    assert_eq!(resource_quantity("cpu", "250m"), "250m");
}

#[test]
fn huge_prometheus_values_stay_short_and_honest() {
    assert_eq!(per_second(12.54), "12.5");
    assert_eq!(per_second(9999.9), "9999.9");
    assert_eq!(per_second(12_345.0), "12.3k");
    assert_eq!(per_second(4.2e9), "4.2G");
    assert_eq!(per_second(1e308), "1.0e308");
    assert_eq!(per_second(-1e308), "-1.0e308");
    assert_eq!(ratio_percent(0.131), "13.1%");
    assert_eq!(ratio_percent(1e300), "1.0e302%");
    assert_eq!(latency(0.085), "85ms");
    assert_eq!(latency(1.25), "1.2s");
    assert_eq!(latency(1e308), "1.0e308s");
    for f in [per_second, ratio_percent, latency] {
        assert_eq!(f(f64::NAN), "-");
        assert_eq!(f(f64::INFINITY), "-");
    }
}

#[test]
fn counts_read_with_separators() {
    assert_eq!(thousands(0), "0");
    assert_eq!(thousands(999), "999");
    assert_eq!(thousands(12_345), "12,345");
    assert_eq!(thousands(1_000_000), "1,000,000");
}
