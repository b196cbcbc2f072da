//! The config file and theme files: TOML, mutated and generated.
use std::path::Path;

use super::mutate_bytes::*;
use super::mutate_tree::*;
use super::{cases, now};
use kdeck::app::prom_config::prom_config;
use kdeck::config::Config;
use kdeck::policy::PolicyRules;
use kdeck::prom::catalog;
use kdeck::prom::{PromEvent, PromState, endpoint};
use kdeck::ui::theme::{SHIPPED, Theme};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::{Index, select};
use serde_json::Value;

// 1. The config file.

const CONFIG_SAMPLE: &str = include_str!("../../../assets/config.sample.toml");

/// A fuller config than the sample, with every key set.
const CONFIG_FULL: &str = r#"theme = "light"
readonly = true
mouse = true
[safety]
confirm_name_pattern = "prod"
[prometheus]
url = "https://u:p@prometheus.example.com/prom/"
interval_seconds = 30
bearer_token_file = "/nonexistent/kdeck-fuzz/token"
ca_file = "/nonexistent/kdeck-fuzz/ca.pem"
insecure_skip_verify = true
traffic = "traefik"
[prometheus.headers]
X-Scope-OrgID = "team-a"
[contexts.prod-eu-1]
readonly = false
confirm_name = true
namespace = "payments"
prometheus_url = "http://prom.prod:9090"
[contexts."staging ☃"]
namespace = "web"
"#;

/// JSON back to TOML for the tree mutations: a null drops its key, and the strings "<nan>",
/// "<inf>", "<-inf>" become those floats (JSON has none). Not every tree is a TOML document
/// (a list of mixed tables, a root that is no table): those give None.
fn toml_of(value: &Value) -> Option<toml::Value> {
    Some(match value {
        Value::Null => return None,
        Value::Bool(b) => toml::Value::Boolean(*b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => toml::Value::Integer(i),
            None => toml::Value::Float(n.as_f64()?),
        },
        Value::String(s) => match s.as_str() {
            "<nan>" => toml::Value::Float(f64::NAN),
            "<inf>" => toml::Value::Float(f64::INFINITY),
            "<-inf>" => toml::Value::Float(f64::NEG_INFINITY),
            _ => toml::Value::String(s.clone()),
        },
        Value::Array(items) => toml::Value::Array(items.iter().filter_map(toml_of).collect()),
        Value::Object(map) => {
            toml::Value::Table(map.iter().filter_map(|(k, v)| Some((k.clone(), toml_of(v)?))).collect())
        }
    })
}

fn toml_text(value: &Value) -> Option<String> {
    toml::to_string(&toml_of(value)?).ok()
}

fn json_of_toml(text: &str) -> Value {
    let table: toml::Table = toml::from_str(text).unwrap();
    serde_json::to_value(table).unwrap()
}

/// TOML text: byte-edited samples, tree-edited samples (including NaN, infinities and
/// integers past i64 as strings), or both.
fn toml_input(samples: &[&'static str]) -> impl Strategy<Value = String> + use<> {
    let bytes: Vec<Vec<u8>> = samples.iter().map(|s| s.as_bytes().to_vec()).collect();
    let values: Vec<Value> = samples.iter().map(|s| json_of_toml(s)).collect();
    let specials = select(&["<nan>", "<inf>", "<-inf>"][..]).prop_map(Value::from);
    let trees = values.into_iter().map(mutated_tree).collect::<Vec<_>>();
    let tree = proptest::strategy::Union::new(trees).boxed().prop_map(|v| toml_text(&v).unwrap_or_default());
    let numeric = (
        select(samples.to_vec()),
        any::<Index>(),
        prop_oneof![
            any::<i64>().prop_map(|i| i.to_string()),
            specials.prop_map(|v| v.as_str().unwrap_or("").trim_matches(['<', '>']).to_string()),
            select(TOKENS).prop_map(str::to_string),
        ],
    )
        .prop_map(|(sample, at, number)| replace_a_number(sample, at, &number));
    prop_oneof![
        3 => mutated_any(bytes).prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
        3 => tree.clone(),
        2 => numeric,
        1 => (tree, vec(byte_edit(), 1..3))
            .prop_map(|(t, e)| String::from_utf8_lossy(&apply_byte_edits(t.as_bytes(), &e)).into_owned()),
    ]
}

/// The sample with one of its values (the text after a ` = `) swapped for `number`.
fn replace_a_number(sample: &str, at: Index, number: &str) -> String {
    let values: Vec<usize> = sample.match_indices(" = ").map(|(i, _)| i + 3).collect();
    if values.is_empty() {
        return sample.to_string();
    }
    let start = values[at.index(values.len())];
    let end = sample[start..].find('\n').map_or(sample.len(), |n| start + n);
    format!("{}{number}{}", &sample[..start], &sample[end..])
}

/// A parsed config, on through everything that reads it: the per-context policy, the
/// Prometheus settings, the header building and the state's staleness clock.
fn exercise_config(config: &Config) {
    let rules = PolicyRules { config: config.clone(), ..PolicyRules::default() };
    let mut names: Vec<&str> = config.contexts.keys().map(String::as_str).collect();
    names.extend(["prod-eu-1", "dev", "", "PROD"]);
    for name in names {
        let policy = rules.for_context(name);
        let Ok(mut prom) = prom_config(config, policy.prometheus_url.clone()) else { continue };
        if let Some(url) = &prom.url {
            let _ = endpoint::normalize_url(url);
        }
        let _ = format!("{prom:?}");
        // The files it names are the user's own; a fuzzed path is not read.
        prom.bearer_token_file = None;
        prom.ca_file = None;
        let _ = endpoint::default_headers(&prom);
        // What the poller does with the interval: `interval * 4` between discovery attempts,
        // and a tokio interval whose every tick adds it to an Instant (which panics on
        // overflow). An accepted interval must survive both.
        let _retry = prom.interval * 4;
        let tick = std::time::Instant::now().checked_add(prom.interval);
        assert!(tick.is_some(), "accepted interval {:?} overflows a timer", prom.interval);
        let mut state = PromState::new(prom.interval);
        state.apply(PromEvent::Instant { id: catalog::QueryId::IngressRps, samples: vec![], at: now() });
        state.set_now(now().checked_add(jiff::SignedDuration::from_hours(1)).unwrap());
        let _ = state.status().line();
        let step =
            catalog::fit_step(prom.history.as_secs_f64(), prom.sparkline_width, prom.interval.as_secs_f64());
        let _ = (step / prom.interval.as_secs_f64().max(0.001)).ceil().max(1.0) as u64;
    }
    if let Some(theme) = config.theme.as_deref().filter(|t| !t.contains('/') && !t.ends_with(".toml")) {
        let _ = Theme::resolve(Some(theme), None, false);
    }
}

proptest! {
    #![proptest_config(cases(600))]

    #[test]
    fn config_toml_never_panics(text in toml_input(&[CONFIG_SAMPLE, CONFIG_FULL])) {
        if let Ok(config) = Config::parse(&text, Path::new("fuzz.toml")) {
            exercise_config(&config);
        }
    }

    #[test]
    fn config_arbitrary_text_never_panics(text in any::<String>()) {
        if let Ok(config) = Config::parse(&text, Path::new("fuzz.toml")) {
            exercise_config(&config);
        }
    }
}

// 2. Theme files.

fn exercise_theme(text: &str) {
    if let Ok(theme) = Theme::parse_over(Theme::default_theme(), text, "fuzz.toml") {
        let _ = format!("{theme:?}");
    }
}

proptest! {
    #![proptest_config(cases(500))]

    #[test]
    fn theme_toml_never_panics(text in toml_input(&SHIPPED.iter().map(|(_, t)| *t).collect::<Vec<_>>())) {
        exercise_theme(&text);
    }

    #[test]
    fn theme_colours_never_panic(
        slot in select(&["ok", "warn", "text", "key", "nope"][..]),
        fg in prop_oneof![any::<String>(), "#[0-9a-fA-F]{0,8}", "#.{6}", select(WEIRD_STRINGS).prop_map(str::to_string)],
        full in any::<bool>(),
    ) {
        let value = toml::Value::String(fg).to_string();
        let text = if full {
            format!("[slots]\n{slot} = {{ fg = {value}, bg = {value}, bold = true }}\n")
        } else {
            format!("[slots]\n{slot} = {value}\n")
        };
        exercise_theme(&text);
    }
}
