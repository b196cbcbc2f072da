//! Label selector matching (matchLabels + matchExpressions), as the controllers use it.

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;

pub type Labels = BTreeMap<String, String>;

/// Does `selector` select an object with `labels`? An empty selector selects everything,
/// like the API's semantics for workload selectors.
pub fn matches(selector: &LabelSelector, labels: &Labels) -> bool {
    let by_label = selector
        .match_labels
        .as_ref()
        .is_none_or(|wanted| wanted.iter().all(|(k, v)| labels.get(k) == Some(v)));
    let by_expression = selector.match_expressions.iter().flatten().all(|req| {
        let values = req.values.as_deref().unwrap_or_default();
        let value = labels.get(&req.key);
        match req.operator.as_str() {
            "In" => value.is_some_and(|v| values.contains(v)),
            "NotIn" => value.is_none_or(|v| !values.contains(v)),
            "Exists" => value.is_some(),
            "DoesNotExist" => value.is_none(),
            _ => false,
        }
    });
    by_label && by_expression
}

/// A map selector (Service.spec.selector, nodeSelector): every pair must be present.
/// An empty map selects nothing for services, so callers check emptiness themselves.
pub fn matches_map(selector: &BTreeMap<String, String>, labels: &Labels) -> bool {
    selector.iter().all(|(k, v)| labels.get(k) == Some(v))
}

/// The selector as the string form `kubectl` and status.selector use ("app=x,tier in (a,b)").
pub fn selector_string(selector: &LabelSelector) -> String {
    let mut parts: Vec<String> =
        selector.match_labels.iter().flatten().map(|(k, v)| format!("{k}={v}")).collect();
    for req in selector.match_expressions.iter().flatten() {
        let values = req.values.clone().unwrap_or_default().join(",");
        parts.push(match req.operator.as_str() {
            "In" => format!("{} in ({values})", req.key),
            "NotIn" => format!("{} notin ({values})", req.key),
            "Exists" => req.key.clone(),
            _ => format!("!{}", req.key),
        });
    }
    parts.join(",")
}

#[cfg(test)]
mod tests {
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelectorRequirement;

    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> Labels {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn match_labels_and_expressions_combine() {
        let selector = LabelSelector {
            match_labels: Some(labels(&[("app", "api")])),
            match_expressions: Some(vec![LabelSelectorRequirement {
                key: "tier".into(),
                operator: "In".into(),
                values: Some(vec!["web".into(), "edge".into()]),
            }]),
        };
        assert!(matches(&selector, &labels(&[("app", "api"), ("tier", "edge")])));
        assert!(!matches(&selector, &labels(&[("app", "api"), ("tier", "db")])));
        assert!(!matches(&selector, &labels(&[("tier", "web")])));
        assert_eq!(selector_string(&selector), "app=api,tier in (web,edge)");
    }

    #[test]
    fn empty_selector_selects_everything() {
        assert!(matches(&LabelSelector::default(), &labels(&[("x", "y")])));
    }
}
