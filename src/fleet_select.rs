//! Which contexts form the fleet: `--context a,b,c`, `--contexts-matching REGEX` or
//! `--all-contexts`. One context is no fleet: the usual dashboard.

use std::path::Path;

/// How the user named the clusters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FleetFlags<'a> {
    pub context: Option<&'a str>,
    pub matching: Option<&'a str>,
    pub all: bool,
}

/// The fleet's contexts in the order given (kubeconfig order for a pattern), or None for a
/// single cluster. Errors are one line.
pub fn select(flags: &FleetFlags<'_>, kubeconfig: Option<&Path>) -> Result<Option<Vec<String>>, String> {
    if let Some(list) = flags.context.filter(|c| c.contains(',')) {
        let mut contexts: Vec<String> = Vec::new();
        for name in list.split(',').map(str::trim) {
            if name.is_empty() {
                return Err(format!("--context {list:?}: an empty context name"));
            }
            if !contexts.iter().any(|c| c == name) {
                contexts.push(name.to_owned());
            }
        }
        return Ok((contexts.len() > 1).then_some(contexts));
    }
    if flags.matching.is_none() && !flags.all {
        return Ok(None);
    }
    let names = crate::k8s::client::context_names(kubeconfig).map_err(|e| e.to_string())?;
    let contexts: Vec<String> = match flags.matching {
        Some(pattern) => {
            let regex = regex::Regex::new(pattern)
                .map_err(|e| format!("--contexts-matching {pattern:?}: {}", one_line(&e.to_string())))?;
            names.into_iter().filter(|name| regex.is_match(name)).collect()
        }
        None => names,
    };
    match contexts.len() {
        0 => Err(match flags.matching {
            Some(pattern) => format!("no context of the kubeconfig matches {pattern:?}"),
            None => "the kubeconfig has no context".to_string(),
        }),
        // One context matched: it is a fleet of one, still shown as a fleet (the user asked).
        _ => Ok(Some(contexts)),
    }
}

/// The regex crate's multi-line error (pattern, caret, reason) as one line.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kubeconfig_with(names: &[&str]) -> tempfile::NamedTempFile {
        let mut text = String::from(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: https://127.0.0.1:1\nusers:\n- name: u\n  user: {}\ncontexts:\n",
        );
        for name in names {
            text.push_str(&format!("- name: {name}\n  context:\n    cluster: c\n    user: u\n"));
        }
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), text).unwrap();
        file
    }

    #[test]
    fn a_comma_list_is_a_fleet_in_the_order_given() {
        let flags = FleetFlags { context: Some("prod-eu, prod-us,prod-eu"), ..FleetFlags::default() };
        assert_eq!(select(&flags, None), Ok(Some(vec!["prod-eu".to_string(), "prod-us".to_string()])));
        let one = FleetFlags { context: Some("prod-eu"), ..FleetFlags::default() };
        assert_eq!(select(&one, None), Ok(None));
        let empty = FleetFlags { context: Some("a,,b"), ..FleetFlags::default() };
        assert!(select(&empty, None).unwrap_err().contains("empty context name"));
    }

    #[test]
    fn a_pattern_picks_from_the_kubeconfig_and_says_when_nothing_matches() {
        let file = kubeconfig_with(&["dev", "prod-eu", "prod-us"]);
        let flags = FleetFlags { matching: Some("^prod-"), ..FleetFlags::default() };
        assert_eq!(
            select(&flags, Some(file.path())),
            Ok(Some(vec!["prod-eu".to_string(), "prod-us".to_string()]))
        );
        let all = FleetFlags { all: true, ..FleetFlags::default() };
        assert_eq!(select(&all, Some(file.path())).unwrap().map(|c| c.len()), Some(3));
        let none = FleetFlags { matching: Some("^staging"), ..FleetFlags::default() };
        assert_eq!(
            select(&none, Some(file.path())),
            Err("no context of the kubeconfig matches \"^staging\"".into())
        );
        let bad = FleetFlags { matching: Some("("), ..FleetFlags::default() };
        let why = select(&bad, Some(file.path())).unwrap_err();
        assert!(why.starts_with("--contexts-matching \"(\""), "{why}");
        assert!(!why.contains('\n'), "{why}");
    }
}
