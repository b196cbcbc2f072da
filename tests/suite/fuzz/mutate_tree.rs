//! Tree-level mutation of a JSON value (also used for YAML and TOML through serde): weird
//! leaves, extremes, renamed and dropped keys, deep nesting.

use super::mutate_bytes::*;
use proptest::collection::{btree_map, vec};
use proptest::prelude::*;
use proptest::sample::{Index, select};
use serde_json::{Map, Value};

/// Strings that are numbers, times or quantities in some spelling, and some that are nearly so.
pub(crate) const WEIRD_STRINGS: &[&str] = &[
    "",
    " ",
    "NaN",
    "+Inf",
    "-Inf",
    "inf",
    "Infinity",
    "1e308",
    "1e309",
    "-1e308",
    "1.7976931348623157e308",
    "5e-324",
    "-0",
    "0x10",
    " 1",
    "1 ",
    "18446744073709551616",
    "9223372036854775807",
    "-9223372036854775808",
    "99999999999999999999999999999999999999999",
    "16Ei",
    "8Ei",
    "9223372036854775807m",
    "1e18",
    "1E2147483647",
    "0.000000001n",
    "-5",
    "2025-01-01T00:00:00Z",
    "0001-01-01T00:00:00Z",
    "9999-12-31T23:59:59Z",
    "2025-13-45T99:99:99Z",
    "Running",
    "Always",
    "True",
    "CrashLoopBackOff",
    "Completed",
    "\u{1b}]0;owned\u{7}",
    "\u{1b}[2J",
    "\u{9b}31m",
    "a\u{0}b",
    "\u{202e}evil",
    "replace",
    "delete",
    "merge",
    "#ff00ff",
    "#fff",
    "255",
    "256",
    "https://",
    "http://[::1",
    "http://h/?q",
    "/",
    "/dev/null",
];

pub(crate) fn weird_leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        1 => Just(Value::Null),
        1 => any::<bool>().prop_map(Value::Bool),
        2 => any::<i64>().prop_map(Value::from),
        1 => any::<u64>().prop_map(Value::from),
        2 => select(&[
            i64::MAX, i64::MIN, -1, 0, 1, 65_535, 65_536, 4_294_967_295, 4_294_967_296, 2_147_483_648,
        ][..])
        .prop_map(Value::from),
        1 => select(&[u64::MAX, u64::MAX - 1, 1 << 63][..]).prop_map(Value::from),
        1 => any::<f64>().prop_map(Value::from),
        2 => select(&[1e308, -1e308, f64::MAX, f64::MIN, f64::MIN_POSITIVE, 5e-324, -0.0, 0.5, 1e19][..])
            .prop_map(Value::from),
        4 => select(WEIRD_STRINGS).prop_map(Value::from),
        2 => any::<String>().prop_map(Value::from),
    ]
}

pub(crate) fn weird_value() -> impl Strategy<Value = Value> {
    weird_leaf().prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..4).prop_map(Value::Array),
            btree_map("[a-z$/]{0,8}", inner, 0..4).prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

#[derive(Clone, Debug)]
pub(crate) enum TreeEdit {
    /// Put a new value in place of a node.
    Replace(Index, Value),
    /// Take a node out of its map or list.
    Remove(Index),
    /// Add a key (a known one or any) to a map, or an element to a list.
    Insert(Index, String, Value),
    /// Put a node inside `depth` single-element lists.
    Wrap(Index, usize),
    /// Repeat a list's elements `n` times over.
    Grow(Index, usize),
    /// Keep the node's type, push its value to an extreme: a number past every integer
    /// type or a float edge, a string that is nearly a number, time or quantity, a flipped
    /// bool, a list repeated. Decoding then gets past the types and into the arithmetic.
    Extreme(Index, Index),
}

/// Numbers at the edges of the integer types and of f64.
pub(crate) const EXTREME_NUMBERS: &[f64] = &[
    0.0,
    -1.0,
    1.0,
    65_535.0,
    65_536.0,
    2_147_483_647.0,
    -2_147_483_648.0,
    4_294_967_295.0,
    4_294_967_296.0,
    9_007_199_254_740_993.0,
    1e19,
    1e308,
    -1e308,
    0.5,
    5e-324,
];

pub(crate) fn extreme_of(node: &Value, choice: &Index) -> Value {
    match node {
        Value::Number(_) => {
            let ints = [i64::MAX, i64::MIN, u32::MAX.into(), i64::from(u32::MAX) + 1, -1];
            let pick = choice.index(EXTREME_NUMBERS.len() + ints.len() + 1);
            if pick < ints.len() {
                Value::from(ints[pick])
            } else if pick == ints.len() {
                Value::from(u64::MAX)
            } else {
                Value::from(EXTREME_NUMBERS[pick - ints.len() - 1])
            }
        }
        Value::String(text) => {
            let pick = choice.index(WEIRD_STRINGS.len() + 2);
            match pick.checked_sub(WEIRD_STRINGS.len()) {
                None => Value::from(WEIRD_STRINGS[pick]),
                Some(0) => Value::from(text.repeat(1000)),
                Some(_) => Value::from(format!("{text}\u{1b}[31m{text}")),
            }
        }
        Value::Bool(b) => Value::Bool(!b),
        Value::Array(items) => {
            Value::Array(items.iter().cycle().take(items.len() * (2 + choice.index(300))).cloned().collect())
        }
        other => other.clone(),
    }
}

impl TreeEdit {
    fn index(&self) -> &Index {
        match self {
            TreeEdit::Replace(i, _)
            | TreeEdit::Remove(i)
            | TreeEdit::Insert(i, _, _)
            | TreeEdit::Wrap(i, _)
            | TreeEdit::Grow(i, _)
            | TreeEdit::Extreme(i, _) => i,
        }
    }
}

/// Every map key in `value`: the vocabulary inserted keys are drawn from.
pub(crate) fn keys_of(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                out.push(k.clone());
                keys_of(v, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| keys_of(v, out)),
        _ => {}
    }
}

pub(crate) fn tree_edit(vocabulary: Vec<String>) -> impl Strategy<Value = TreeEdit> {
    let key = prop_oneof![4 => select(vocabulary), 1 => any::<String>()];
    prop_oneof![
        4 => (any::<Index>(), weird_value()).prop_map(|(i, v)| TreeEdit::Replace(i, v)),
        2 => any::<Index>().prop_map(TreeEdit::Remove),
        3 => (any::<Index>(), key, weird_value()).prop_map(|(i, k, v)| TreeEdit::Insert(i, k, v)),
        1 => (any::<Index>(), 1usize..300).prop_map(|(i, d)| TreeEdit::Wrap(i, d)),
        1 => (any::<Index>(), 2usize..300).prop_map(|(i, n)| TreeEdit::Grow(i, n)),
        6 => (any::<Index>(), any::<Index>()).prop_map(|(i, c)| TreeEdit::Extreme(i, c)),
    ]
}

pub(crate) fn node_count(value: &Value) -> usize {
    1 + match value {
        Value::Object(map) => map.values().map(node_count).sum(),
        Value::Array(items) => items.iter().map(node_count).sum(),
        _ => 0,
    }
}

/// What a visit asks of the node's parent.
pub(crate) enum Visit {
    NotYet,
    Done,
    RemoveMe,
}

pub(crate) fn visit(node: &mut Value, target: usize, seen: &mut usize, edit: &TreeEdit) -> Visit {
    if *seen == target {
        match edit {
            TreeEdit::Replace(_, v) => *node = v.clone(),
            TreeEdit::Remove(_) => return Visit::RemoveMe,
            TreeEdit::Insert(_, key, v) => match node {
                Value::Object(map) => {
                    map.insert(key.clone(), v.clone());
                }
                Value::Array(items) => items.push(v.clone()),
                other => *other = v.clone(),
            },
            TreeEdit::Wrap(_, depth) => {
                for _ in 0..*depth {
                    *node = Value::Array(vec![node.take()]);
                }
            }
            TreeEdit::Extreme(_, choice) => *node = extreme_of(node, choice),
            TreeEdit::Grow(_, n) => match node {
                Value::Array(items) if !items.is_empty() => {
                    let copy = items.clone();
                    for _ in 1..*n {
                        items.extend(copy.iter().cloned());
                    }
                }
                other => *other = Value::Array(vec![other.clone(); *n]),
            },
        }
        return Visit::Done;
    }
    *seen += 1;
    match node {
        Value::Object(map) => {
            let mut gone = None;
            for (key, child) in map.iter_mut() {
                match visit(child, target, seen, edit) {
                    Visit::NotYet => {}
                    Visit::Done => return Visit::Done,
                    Visit::RemoveMe => {
                        gone = Some(key.clone());
                        break;
                    }
                }
            }
            if let Some(key) = gone {
                map.remove(&key);
                return Visit::Done;
            }
        }
        Value::Array(items) => {
            for i in 0..items.len() {
                match visit(&mut items[i], target, seen, edit) {
                    Visit::NotYet => {}
                    Visit::Done => return Visit::Done,
                    Visit::RemoveMe => {
                        items.remove(i);
                        return Visit::Done;
                    }
                }
            }
        }
        _ => {}
    }
    Visit::NotYet
}

pub(crate) fn apply_tree_edits(sample: &Value, edits: &[TreeEdit]) -> Value {
    let mut out = sample.clone();
    for edit in edits {
        let target = edit.index().index(node_count(&out));
        if let Visit::RemoveMe = visit(&mut out, target, &mut 0, edit) {
            out = Value::Object(Map::new());
        }
    }
    out
}

/// 1-5 tree edits of `sample`, keys drawn from the sample's own.
pub(crate) fn mutated_tree(sample: Value) -> impl Strategy<Value = Value> {
    let mut vocabulary = Vec::new();
    keys_of(&sample, &mut vocabulary);
    vocabulary.extend(["$patch", "$retainKeys", "$setElementOrder/containers"].map(String::from));
    vec(tree_edit(vocabulary), 1..5).prop_map(move |edits| apply_tree_edits(&sample, &edits))
}

/// A sample as JSON text: tree-edited then byte-edited, or either alone.
pub(crate) fn mutated_json(samples: Vec<Value>) -> impl Strategy<Value = Vec<u8>> {
    let bytes: Vec<Vec<u8>> = samples.iter().map(|v| v.to_string().into_bytes()).collect();
    let trees = samples.into_iter().map(mutated_tree).collect::<Vec<_>>();
    let tree = proptest::strategy::Union::new(trees).boxed();
    prop_oneof![
        2 => tree.clone().prop_map(|v| v.to_string().into_bytes()),
        2 => mutated_any(bytes),
        1 => (tree, vec(byte_edit(), 1..3)).prop_map(|(v, e)| apply_byte_edits(v.to_string().as_bytes(), &e)),
    ]
}
