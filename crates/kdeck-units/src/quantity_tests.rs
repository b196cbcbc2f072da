use super::*;

#[test]
fn the_drifting_values_are_exact() {
    // f64 and ceil made these 4031m and 16101m.
    assert_eq!(cpu_millis("4.03"), Some(4030));
    assert_eq!(cpu_millis("16.1"), Some(16_100));
    assert_eq!(cpu_millis("0.1"), Some(100));
    assert_eq!(cpu_millis("2.3"), Some(2300));
    assert_eq!(bytes("1.5Gi"), Some(1_610_612_736));
    assert_eq!(bytes("100Mi"), Some(104_857_600));
    assert_eq!(bytes("0.1Gi"), Some(107_374_183)); // 107374182.4, rounded up like Go's Value
}

#[test]
fn cpu_forms() {
    assert_eq!(cpu_millis("250m"), Some(250));
    assert_eq!(cpu_millis("2"), Some(2000));
    assert_eq!(cpu_millis("0.5"), Some(500));
    assert_eq!(cpu_millis("1500000n"), Some(2)); // 1.5m rounds up
    assert_eq!(cpu_millis("1000000n"), Some(1));
    assert_eq!(cpu_millis("100u"), Some(1)); // 0.1m rounds up
    assert_eq!(cpu_millis("0"), Some(0));
    assert_eq!(cpu_millis("0.0001"), Some(1));
    assert_eq!(cpu_millis(" 250m\n"), Some(250));
}

#[test]
fn exponents() {
    assert_eq!(cpu_millis("1e3"), Some(1_000_000));
    assert_eq!(bytes("1e3"), Some(1000));
    assert_eq!(cpu_millis("12e-3"), Some(12));
    assert_eq!(cpu_millis("1.5E+2"), Some(150_000));
    assert_eq!(bytes("1E"), Some(1_000_000_000_000_000_000)); // "E" alone is exa
    assert_eq!(bytes("1e400"), None);
    assert_eq!(cpu_millis("1e-400"), Some(1)); // tiny but positive rounds up
    assert_eq!(bytes("1e2147483648"), None); // past Go's int32 exponent
    assert_eq!(bytes("1e"), None);
    assert_eq!(bytes("1e+"), None);
    assert_eq!(bytes("1e3.5"), None);
}

#[test]
fn every_suffix() {
    let cases = [
        ("3n", 1, 1),
        ("3u", 1, 1),
        ("3m", 3, 1),
        ("3", 3000, 3),
        ("3k", 3_000_000, 3000),
        ("3M", 3_000_000_000, 3_000_000),
        ("3G", 3_000_000_000_000, 3_000_000_000),
        ("3T", 3_000_000_000_000_000, 3_000_000_000_000),
        ("3P", 3_000_000_000_000_000_000, 3_000_000_000_000_000),
        ("3Ki", 3_072_000, 3072),
        ("3Mi", 3_145_728_000, 3_145_728),
        ("3Gi", 3_221_225_472_000, 3_221_225_472),
        ("3Ti", 3_298_534_883_328_000, 3_298_534_883_328),
        ("3Pi", 3_377_699_720_527_872_000, 3_377_699_720_527_872),
        ("3Ei", i64::MAX, 3_458_764_513_820_540_928),
    ];
    for (text, milli, whole) in cases {
        let expect_milli = if milli == i64::MAX { None } else { Some(milli) };
        assert_eq!(milli_value(text), expect_milli, "{text} milli");
        assert_eq!(value(text), Some(whole), "{text} value");
    }
    assert_eq!(value("3E"), Some(3_000_000_000_000_000_000));
    assert_eq!(value("9.3E"), None); // past i64
    assert_eq!(value("7Ei"), Some(8_070_450_532_247_928_832));
    assert_eq!(value("8Ei"), None); // exactly 2^63
}

#[test]
fn number_forms() {
    assert_eq!(cpu_millis("5."), Some(5000));
    assert_eq!(cpu_millis(".5"), Some(500));
    assert_eq!(cpu_millis("+1"), Some(1000));
    assert_eq!(cpu_millis("007"), Some(7000));
    assert_eq!(bytes("0.5"), Some(1));
    assert_eq!(milli_value("-1"), Some(-1000));
    assert_eq!(value("-0.5"), Some(-1)); // away from zero, like Go's inf.Dec path
    assert_eq!(value("-0"), Some(0));
    assert_eq!(value("0e400"), Some(0));
    assert_eq!(value("0.000Ei"), Some(0));
}

#[test]
fn garbage_is_none() {
    for text in [
        "", " ", "-", "+", ".", "-.", "1.2.3", "5Xi", "12Zi", "1K", "Mi", "abc", "1 Gi", "1..0", "--1", "1-",
        "Ki1",
    ] {
        assert_eq!(text.parse::<Quantity>().ok(), None, "{text:?}");
        assert_eq!(cpu_millis(text), None, "{text:?}");
    }
    assert_eq!(bytes("-1"), None);
    assert_eq!(cpu_millis("-1"), None);
    assert_eq!(cpu_millis("１"), None); // a full-width digit is not a digit
}

#[test]
fn long_digit_strings() {
    let ones = "1".repeat(50);
    assert_eq!(bytes(&ones), None);
    assert_eq!(bytes(&"9".repeat(20)), None); // past i64
    assert_eq!(bytes(&format!("1{}", "0".repeat(60))), None);
    assert_eq!(bytes(&format!("1{}e-58", "0".repeat(60))), Some(100)); // trailing zeros are exact
    assert_eq!(cpu_millis(&format!("0.{}1", "0".repeat(60))), Some(1));
    assert_eq!(bytes(&format!("{}42", "0".repeat(80))), Some(42));
    assert_eq!(bytes(&format!("1.{}1", "0".repeat(40))), None); // 42 significant digits
    assert_eq!(bytes(&format!("9223372036854775807.{}", "0".repeat(30))), Some(i64::MAX as u64));
    assert_eq!(bytes("9223372036854775808"), None);
    assert_eq!(milli_value("9223372036854775.807"), Some(i64::MAX));
    assert_eq!(milli_value("9223372036854775.8071"), None); // rounds up past i64
}

/// Every "<int>.<frac><suffix>" from small parts against a reference built from the parts with
/// plain integers: value = (int * 10^f + frac) * mult / 10^f, rounded up.
#[test]
fn generated_decimals_match_integer_reference() {
    let ints = ["", "0", "1", "4", "16", "99", "100", "1023", "123456"];
    let fracs = ["", "0", "03", "1", "5", "001", "999", "0005", "123456789", "1000000001"];
    // (suffix, numerator, denominator) of the multiplier
    let suffixes: [(&str, u128, u128); 16] = [
        ("", 1, 1),
        ("n", 1, 1_000_000_000),
        ("u", 1, 1_000_000),
        ("m", 1, 1000),
        ("k", 1000, 1),
        ("M", 1_000_000, 1),
        ("G", 1_000_000_000, 1),
        ("T", 1_000_000_000_000, 1),
        ("Ki", 1 << 10, 1),
        ("Mi", 1 << 20, 1),
        ("Gi", 1 << 30, 1),
        ("Ti", 1 << 40, 1),
        ("e2", 100, 1),
        ("e-2", 1, 100),
        ("E+4", 10_000, 1),
        ("e0", 1, 1),
    ];
    let mut checked = 0;
    for int in ints {
        for (frac, dot) in fracs.iter().flat_map(|f| [(*f, true), (*f, false)]) {
            if !dot && !frac.is_empty() {
                continue;
            }
            for (suffix, num, den) in suffixes {
                let text = format!("{int}{}{frac}{suffix}", if dot { "." } else { "" });
                if int.is_empty() && frac.is_empty() {
                    assert_eq!(value(&text), None, "{text}");
                    continue;
                }
                let f = 10u128.pow(frac.len() as u32);
                let whole: u128 = if int.is_empty() { 0 } else { int.parse().unwrap() };
                let part: u128 = if frac.is_empty() { 0 } else { frac.parse().unwrap() };
                let n = (whole * f + part) * num;
                let d = f * den;
                let reference = |scale: u128| i64::try_from((n * scale).div_ceil(d)).ok();
                assert_eq!(milli_value(&text), reference(1000), "{text} milli");
                assert_eq!(value(&text), reference(1), "{text} value");
                checked += 1;
            }
        }
    }
    assert!(checked > 1500, "{checked}");
}
