//! Kubernetes quantities ("500m", "2Gi", "1.5", "1e3") parsed exactly, with integers only.
//!
//! The grammar is apimachinery's `resource.Quantity`:
//!
//! ```text
//! <quantity>        ::= <signedNumber><suffix>
//! <signedNumber>    ::= <number> | <sign><number>
//! <number>          ::= <digits> | <digits>.<digits> | <digits>. | .<digits>
//! <suffix>          ::= <binarySI> | <decimalExponent> | <decimalSI>
//! <binarySI>        ::= Ki | Mi | Gi | Ti | Pi | Ei
//! <decimalSI>       ::= n | u | m | "" | k | M | G | T | P | E
//! <decimalExponent> ::= "e" <signedNumber> | "E" <signedNumber>   (an integer exponent)
//! ```
//!
//! A parsed quantity is `sign * digits * 10^exp10 * 2^exp2`, kept exactly (no f64 anywhere).
//! Conversions follow Go's `MilliValue`/`Value`: a value finer than the unit asked for is
//! rounded up (away from zero), so "100u" is 1 millicore and "0.5" is 1 byte.
//!
//! Where this differs from Go, on purpose: Go caps a value above 2^63-1 at 2^63-1; here a
//! conversion that does not fit an `i64` is `None`. Go reads "." and a bare sign as zero; here
//! they are malformed. A number whose significant digits (leading and trailing zeros do not
//! count) exceed 38, or whose digits times its binary suffix exceed 128 bits, is `None` rather
//! than an approximation; no real object carries one.
//! Surrounding ASCII whitespace is ignored, as Go's JSON decoding of a quantity does.

use std::str::FromStr;

/// Significant digits a `u128` always holds.
const MAX_DIGITS: usize = 38;

/// Why a text is not a quantity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuantityError {
    /// No digits, stray characters, an unknown suffix or a malformed exponent.
    Malformed,
    /// More significant digits or a larger exponent than the arithmetic carries.
    TooLarge,
}

/// An exact quantity: `(-1 if negative) * digits * 10^exp10 * 2^exp2`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quantity {
    negative: bool,
    digits: u128,
    exp10: i64,
    exp2: u32,
}

impl FromStr for Quantity {
    type Err = QuantityError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim_ascii();
        let (negative, rest) = match text.as_bytes().first() {
            Some(b'-') => (true, &text[1..]),
            Some(b'+') => (false, &text[1..]),
            _ => (false, text),
        };
        let int_len = rest.bytes().take_while(u8::is_ascii_digit).count();
        let (int_part, rest) = rest.split_at(int_len);
        let (frac_part, suffix) = match rest.strip_prefix('.') {
            Some(after) => after.split_at(after.bytes().take_while(u8::is_ascii_digit).count()),
            None => ("", rest),
        };
        if int_part.is_empty() && frac_part.is_empty() {
            return Err(QuantityError::Malformed);
        }
        let (suffix_exp10, exp2) = suffix_scale(suffix)?;
        // Leading zeros are dropped and trailing zeros move into the exponent, so "1000" is 1e3.
        let (mut digits, mut significant, mut zeros) = (0u128, 0usize, 0usize);
        for digit in int_part.bytes().chain(frac_part.bytes()).map(|b| b - b'0') {
            if digit == 0 {
                zeros += usize::from(significant > 0);
                continue;
            }
            significant += zeros + 1;
            if significant > MAX_DIGITS {
                return Err(QuantityError::TooLarge);
            }
            // At most 38 digits so far: 10^(zeros + 1) and the product fit a u128.
            digits = digits * 10u128.pow(u32::try_from(zeros + 1).map_err(|_| QuantityError::TooLarge)?)
                + u128::from(digit);
            zeros = 0;
        }
        let frac_len = i64::try_from(frac_part.len()).map_err(|_| QuantityError::TooLarge)?;
        let zeros = i64::try_from(zeros).map_err(|_| QuantityError::TooLarge)?;
        let exp10 = suffix_exp10 - frac_len + zeros;
        Ok(Quantity { negative: negative && digits != 0, digits, exp10, exp2 })
    }
}

/// The power of ten and power of two a suffix stands for.
fn suffix_scale(suffix: &str) -> Result<(i64, u32), QuantityError> {
    let scale = match suffix {
        "" => (0, 0),
        "n" => (-9, 0),
        "u" => (-6, 0),
        "m" => (-3, 0),
        "k" => (3, 0),
        "M" => (6, 0),
        "G" => (9, 0),
        "T" => (12, 0),
        "P" => (15, 0),
        "E" => (18, 0),
        "Ki" => (0, 10),
        "Mi" => (0, 20),
        "Gi" => (0, 30),
        "Ti" => (0, 40),
        "Pi" => (0, 50),
        "Ei" => (0, 60),
        _ => return decimal_exponent(suffix).map(|e| (e, 0)),
    };
    Ok(scale)
}

/// "e3", "E-2", "e+6": a signed integer exponent in Go's int32 range.
fn decimal_exponent(suffix: &str) -> Result<i64, QuantityError> {
    let digits = suffix.strip_prefix(['e', 'E']).ok_or(QuantityError::Malformed)?;
    let unsigned = digits.strip_prefix(['+', '-']).unwrap_or(digits);
    if unsigned.is_empty() || !unsigned.bytes().all(|b| b.is_ascii_digit()) {
        return Err(QuantityError::Malformed);
    }
    let exp: i64 = digits.parse().map_err(|_| QuantityError::TooLarge)?;
    if i32::try_from(exp).is_err() {
        return Err(QuantityError::TooLarge);
    }
    Ok(exp)
}

impl Quantity {
    /// The value in units of 10^-`decimals`, rounded up (away from zero); None past i64.
    pub fn scaled(&self, decimals: u32) -> Option<i64> {
        if self.digits == 0 {
            return Some(0);
        }
        let mut numerator = self.digits.checked_mul(1u128.checked_shl(self.exp2)?)?;
        let exp = self.exp10 + i64::from(decimals);
        let magnitude = if exp >= 0 {
            numerator.checked_mul(10u128.checked_pow(u32::try_from(exp).ok()?)?)?
        } else {
            match u32::try_from(-exp).ok().and_then(|e| 10u128.checked_pow(e)) {
                Some(divisor) => {
                    let whole = numerator / divisor;
                    numerator %= divisor;
                    whole + u128::from(numerator != 0)
                }
                // The divisor exceeds any numerator: a non-zero value rounds up to one unit.
                None => u128::from(numerator != 0),
            }
        };
        let magnitude = i64::try_from(magnitude).ok()?;
        Some(if self.negative { -magnitude } else { magnitude })
    }

    /// Go's `MilliValue`: thousandths, rounded up ("100u" -> 1, "4.03" -> 4030).
    pub fn milli_value(&self) -> Option<i64> {
        self.scaled(3)
    }

    /// Go's `Value`: whole units, rounded up ("1.5Gi" -> 1610612736, "0.1" -> 1).
    pub fn value(&self) -> Option<i64> {
        self.scaled(0)
    }

    pub fn is_negative(&self) -> bool {
        self.negative
    }
}

/// Thousandths of a quantity, signed ("250m" -> 250); None when malformed or past i64.
pub fn milli_value(text: &str) -> Option<i64> {
    text.parse::<Quantity>().ok()?.milli_value()
}

/// Whole units of a quantity, signed ("1Ki" -> 1024); None when malformed or past i64.
pub fn value(text: &str) -> Option<i64> {
    text.parse::<Quantity>().ok()?.value()
}

/// CPU in millicores: "250m" -> 250, "2" -> 2000, "100u" -> 1 (rounded up); negative is None.
pub fn cpu_millis(text: &str) -> Option<u64> {
    milli_value(text).and_then(|v| u64::try_from(v).ok())
}

/// Memory (or any count) in whole units: "1Gi" -> 1073741824, "500M" -> 500000000; negative is None.
pub fn bytes(text: &str) -> Option<u64> {
    value(text).and_then(|v| u64::try_from(v).ok())
}

#[cfg(test)]
#[path = "quantity_tests.rs"]
mod tests;
