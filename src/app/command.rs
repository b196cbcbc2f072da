//! The `:` command line: parsed into a Command, carried out by `update`.

use crate::app::pane::Pane;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// `ns NAME` / `ns all`
    Namespace(Option<String>),
    /// `ctx NAME`
    Context(String),
    /// `theme NAME`
    Theme(String),
    /// `compare NS/NAME`: one workload across the fleet's clusters.
    Compare {
        namespace: String,
        name: String,
    },
    /// `overview`, `zones`, `hpa`, ...
    Pane(Pane),
    Quit,
}

pub fn parse(line: &str) -> Result<Command, String> {
    let mut words = line.split_whitespace();
    let Some(verb) = words.next() else {
        return Err("empty command".to_string());
    };
    let arg = words.next();
    if let Some(extra) = words.next() {
        return Err(format!("unexpected {extra:?} after :{verb}"));
    }
    match (verb, arg) {
        ("q" | "quit" | "q!", None) => Ok(Command::Quit),
        ("ns" | "namespace", Some("all" | "-A" | "*")) => Ok(Command::Namespace(None)),
        ("ns" | "namespace", Some(name)) => Ok(Command::Namespace(Some(name.to_string()))),
        ("ns" | "namespace", None) => Err("usage: :ns NAME or :ns all".to_string()),
        ("ctx" | "context", Some(name)) => Ok(Command::Context(name.to_string())),
        ("ctx" | "context", None) => Err("usage: :ctx NAME".to_string()),
        ("theme", Some(name)) => Ok(Command::Theme(name.to_string())),
        ("compare" | "cmp", Some(target)) => match target.split_once('/') {
            Some((namespace, name)) if !namespace.is_empty() && !name.is_empty() && !name.contains('/') => {
                Ok(Command::Compare { namespace: namespace.to_string(), name: name.to_string() })
            }
            _ => Err("usage: :compare NAMESPACE/NAME".to_string()),
        },
        ("compare" | "cmp", None) => Err("usage: :compare NAMESPACE/NAME".to_string()),
        ("theme", None) => Err("usage: :theme NAME (default, light, high-contrast, mono)".to_string()),
        (name, None) => {
            Pane::from_name(name).map(Command::Pane).ok_or_else(|| format!("unknown command :{name}"))
        }
        (name, Some(_)) => Err(format!("unknown command :{name}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_commands() {
        assert_eq!(parse("ns payments"), Ok(Command::Namespace(Some("payments".into()))));
        assert_eq!(parse("ns all"), Ok(Command::Namespace(None)));
        assert_eq!(parse(" ctx  prod-eu "), Ok(Command::Context("prod-eu".into())));
        assert_eq!(parse("theme mono"), Ok(Command::Theme("mono".into())));
        assert_eq!(parse("hpa"), Ok(Command::Pane(Pane::Autoscalers)));
        assert_eq!(parse("q"), Ok(Command::Quit));
        assert_eq!(
            parse("compare shop/api"),
            Ok(Command::Compare { namespace: "shop".into(), name: "api".into() })
        );
        assert!(parse("compare api").is_err());
        assert!(parse("compare a/b/c").is_err());
    }

    #[test]
    fn refuses_what_it_does_not_know_with_a_reason() {
        assert!(parse("").is_err());
        assert_eq!(parse("frobnicate"), Err("unknown command :frobnicate".into()));
        assert!(parse("ns").unwrap_err().contains("usage"));
        assert!(parse("ns a b").unwrap_err().contains("unexpected"));
    }
}
