//! A cluster's share of a global store (Thanos Query, Mimir, VictoriaMetrics cluster): every
//! series there carries an external label naming its cluster, so every selector kdeck sends
//! to such a store gets the matcher `label="value"` (catalog.rs puts it in).

/// The matcher that keeps one cluster's series: `label="value"`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClusterScope {
    pub label: String,
    pub value: String,
}

impl ClusterScope {
    /// `label="value"`, the value escaped as a PromQL string: a context name is any text.
    pub fn matcher(&self) -> String {
        format!("{}=\"{}\"", self.label, escape(&self.value))
    }
}

/// A PromQL double-quoted string's content: quote and backslash escaped, control characters
/// as `\uXXXX`, so no value can end the string or the selector.
pub fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out
}

/// A Prometheus label name: `[a-zA-Z_][a-zA-Z0-9_]*`.
pub fn check_label(label: &str) -> Result<(), String> {
    let mut chars = label.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    if first_ok && chars.all(|c| c.is_ascii_alphanumeric() || c == '_') {
        Ok(())
    } else {
        Err(format!("{label:?} is not a label name ([a-zA-Z_][a-zA-Z0-9_]*)"))
    }
}

/// A label value from the config: not empty (`label=""` would match the series of no
/// cluster at all) and no control character. Quotes and backslashes are fine (escaped).
pub fn check_value(value: &str) -> Result<(), String> {
    if value.is_empty() {
        return Err("an empty cluster name would match series of no cluster".into());
    }
    if value.chars().any(char::is_control) {
        return Err(format!("{:?} has a control character", value));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_follow_the_prometheus_rule() {
        for good in ["cluster", "_c", "k8s_cluster", "A9"] {
            assert!(check_label(good).is_ok(), "{good}");
        }
        for bad in ["", "9c", "clus-ter", "cluster name", "clüster", "c\"x"] {
            assert!(check_label(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn values_must_name_something() {
        assert!(check_value("prod-eu-1").is_ok());
        assert!(check_value("a\"b\\c").is_ok(), "escaped, not refused");
        assert!(check_value("").is_err());
        assert!(check_value("a\nb").is_err());
    }

    /// Whatever the value, the matcher parses back to exactly that value.
    #[test]
    fn any_value_stays_inside_its_string() {
        for value in
            ["b", "we\"ird", "back\\slash", "\\\"", "new\nline", "tab\tbell\u{7}", "ünï", "a} or up{"]
        {
            let scope = ClusterScope { label: "cluster".into(), value: value.into() };
            let promql = format!("up{{{}}}", scope.matcher());
            let expr = promql_parser::parser::parse(&promql).unwrap_or_else(|e| panic!("{promql}: {e}"));
            let promql_parser::parser::Expr::VectorSelector(vs) = expr else { panic!("{promql}") };
            let m: Vec<_> =
                vs.matchers.matchers.iter().map(|m| (m.name.as_str(), m.value.as_str())).collect();
            assert!(m.contains(&("cluster", value)), "{promql}: {m:?}");
        }
    }
}
