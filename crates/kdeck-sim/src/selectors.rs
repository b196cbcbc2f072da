//! Label selectors (=, ==, !=, in, notin, exists, !exists) and field selectors (=, ==, !=),
//! parsed from query strings and matched against the store's object index.

use crate::resources::ResourceType;
use crate::store::ObjectIndex;

#[derive(Clone, Debug, PartialEq, Eq)]
enum LabelRequirement {
    Equals(String, String),
    NotEquals(String, String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    Exists(String),
    NotExists(String),
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LabelSelector(Vec<LabelRequirement>);

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FieldSelector(Vec<(String, bool, String)>);

/// Split on commas outside parentheses.
fn split_top_level(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0i32, 0);
    for (i, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts.into_iter().map(str::trim).filter(|p| !p.is_empty()).collect()
}

fn valid_key(key: &str) -> bool {
    !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'))
}

fn valid_value(value: &str) -> bool {
    value.len() <= 63 && value.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

fn set_values(rest: &str) -> Option<Vec<String>> {
    let inner = rest.trim().strip_prefix('(')?.strip_suffix(')')?;
    let values: Vec<String> = inner.split(',').map(|v| v.trim().to_string()).collect();
    values.iter().all(|v| valid_value(v)).then_some(values)
}

fn parse_requirement(part: &str) -> Result<LabelRequirement, String> {
    let bad = || format!("unable to parse requirement: found '{part}'");
    if let Some(key) = part.strip_prefix('!') {
        let key = key.trim();
        return valid_key(key).then(|| LabelRequirement::NotExists(key.into())).ok_or_else(bad);
    }
    for (op, negate) in [("!=", true), ("==", false), ("=", false)] {
        if let Some((key, value)) = part.split_once(op) {
            let (key, value) = (key.trim(), value.trim());
            if !valid_key(key) || !valid_value(value) {
                return Err(bad());
            }
            return Ok(if negate {
                LabelRequirement::NotEquals(key.into(), value.into())
            } else {
                LabelRequirement::Equals(key.into(), value.into())
            });
        }
    }
    let mut words = part.splitn(2, char::is_whitespace);
    let key = words.next().unwrap_or("").trim();
    let rest = words.next().unwrap_or("").trim();
    if !valid_key(key) {
        return Err(bad());
    }
    if rest.is_empty() {
        return Ok(LabelRequirement::Exists(key.into()));
    }
    if let Some(values) = rest.strip_prefix("notin") {
        return set_values(values).map(|v| LabelRequirement::NotIn(key.into(), v)).ok_or_else(bad);
    }
    if let Some(values) = rest.strip_prefix("in") {
        return set_values(values).map(|v| LabelRequirement::In(key.into(), v)).ok_or_else(bad);
    }
    Err(bad())
}

impl LabelSelector {
    pub fn parse(text: &str) -> Result<LabelSelector, String> {
        split_top_level(text).into_iter().map(parse_requirement).collect::<Result<_, _>>().map(LabelSelector)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn matches(&self, index: &ObjectIndex) -> bool {
        self.0.iter().all(|req| match req {
            LabelRequirement::Equals(k, v) => index.label(k) == Some(v.as_str()),
            LabelRequirement::NotEquals(k, v) => index.label(k) != Some(v.as_str()),
            LabelRequirement::In(k, vs) => index.label(k).is_some_and(|l| vs.iter().any(|v| v == l)),
            LabelRequirement::NotIn(k, vs) => index.label(k).is_none_or(|l| vs.iter().all(|v| v != l)),
            LabelRequirement::Exists(k) => index.label(k).is_some(),
            LabelRequirement::NotExists(k) => index.label(k).is_none(),
        })
    }
}

impl FieldSelector {
    /// Parse and check every field is selectable on `rt` (else the real server's 400 message).
    pub fn parse(text: &str, rt: &ResourceType) -> Result<FieldSelector, String> {
        let mut terms = Vec::new();
        for part in split_top_level(text) {
            let parsed = [("!=", true), ("==", false), ("=", false)]
                .iter()
                .find_map(|(op, negate)| part.split_once(op).map(|(k, v)| (k.trim(), *negate, v.trim())));
            let Some((field, negate, value)) = parsed else {
                return Err(format!("invalid selector: '{part}'; can't understand '{part}'"));
            };
            let known = matches!(field, "metadata.name" | "metadata.namespace")
                || rt.selectable_fields.contains(&field);
            if !known {
                return Err(format!("field label not supported: {field}"));
            }
            terms.push((field.to_string(), negate, value.to_string()));
        }
        Ok(FieldSelector(terms))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn matches(&self, index: &ObjectIndex) -> bool {
        self.0.iter().all(|(field, negate, value)| (index.field(field).unwrap_or("") == value) != *negate)
    }
}

/// Both selectors of a request.
#[derive(Clone, Debug, Default)]
pub struct Selectors {
    pub labels: LabelSelector,
    pub fields: FieldSelector,
}

impl Selectors {
    pub fn parse(
        label_selector: Option<&str>,
        field_selector: Option<&str>,
        rt: &ResourceType,
    ) -> Result<Selectors, String> {
        Ok(Selectors {
            labels: LabelSelector::parse(label_selector.unwrap_or(""))?,
            fields: FieldSelector::parse(field_selector.unwrap_or(""), rt)?,
        })
    }

    pub fn matches(&self, index: &ObjectIndex) -> bool {
        self.labels.matches(index) && self.fields.matches(index)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources;
    use k8s_openapi::api::core::v1::Pod;
    use serde_json::json;

    fn pod_index(labels: serde_json::Value) -> ObjectIndex {
        let rt = resources::of::<Pod>().unwrap();
        let pod = json!({"metadata": {"name": "p", "namespace": "ns", "labels": labels},
                         "spec": {"nodeName": "n1"}, "status": {"phase": "Running"}});
        ObjectIndex::from_value(rt, &pod, 1)
    }

    #[test]
    fn label_operators() {
        let index = pod_index(json!({"app": "web", "tier": "front"}));
        let matches = |s: &str| LabelSelector::parse(s).unwrap().matches(&index);
        assert!(matches("app=web"));
        assert!(matches("app==web,tier"));
        assert!(!matches("app!=web"));
        assert!(matches("tier in (front, back)"));
        assert!(!matches("tier notin (front)"));
        assert!(matches("!missing"));
        assert!(!matches("!app"));
        assert!(matches("missing notin (x)"));
        assert!(!matches("missing in (x)"));
        assert!(matches(""));
    }

    #[test]
    fn malformed_label_selectors_are_errors() {
        assert!(LabelSelector::parse("app in web").is_err());
        assert!(LabelSelector::parse("a b c").is_err());
        assert!(LabelSelector::parse("=x").is_err());
    }

    #[test]
    fn field_selectors_check_supported_fields() {
        let rt = resources::of::<Pod>().unwrap();
        let index = pod_index(json!({}));
        let matches = |s: &str| FieldSelector::parse(s, rt).unwrap().matches(&index);
        assert!(matches("spec.nodeName=n1,status.phase!=Pending"));
        assert!(matches("metadata.namespace==ns"));
        assert!(!matches("metadata.name=q"));
        let err = FieldSelector::parse("spec.bogus=1", rt).unwrap_err();
        assert_eq!(err, "field label not supported: spec.bogus");
    }
}
