//! Server-side printing: meta.k8s.io/v1 Table responses for `kubectl get`, with the real
//! columns per kind and PartialObjectMetadata in each row (kubectl -L and -A read it).

mod age;
mod cells;
mod cert_manager;
mod core;
mod gateway_api;
mod pods;
mod policies;
mod storage;

use jiff::Timestamp;
use serde_json::{Map, Value, json};

use crate::resources::ResourceType;

pub use core::workload_selector;

/// What each row's `object` carries (`includeObject` query parameter).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum IncludeObject {
    None,
    #[default]
    Metadata,
    Object,
}

impl IncludeObject {
    pub fn from_query(value: Option<&str>) -> IncludeObject {
        match value {
            Some("None") => IncludeObject::None,
            Some("Object") => IncludeObject::Object,
            _ => IncludeObject::Metadata,
        }
    }
}

/// The Table group-version the Accept header asks for, if any (kubectl: v1, then v1beta1).
pub fn requested_table_version(accept: &str) -> Option<&'static str> {
    let mut versions = accept.split(',').filter_map(|media| {
        let params: Vec<&str> = media.split(';').map(str::trim).collect();
        let is_table = params.contains(&"as=Table") && params.contains(&"g=meta.k8s.io");
        match is_table {
            true if params.contains(&"v=v1") => Some("meta.k8s.io/v1"),
            true if params.contains(&"v=v1beta1") => Some("meta.k8s.io/v1beta1"),
            _ => None,
        }
    });
    versions.next()
}

pub fn column_definitions(rt: &ResourceType) -> Value {
    let columns: Vec<Value> = cells::columns(rt.plural)
        .iter()
        .map(|(name, kind, priority)| {
            let format = if *name == "Name" { "name" } else { "" };
            json!({"name": name, "type": kind, "format": format, "description": "", "priority": priority})
        })
        .collect();
    Value::Array(columns)
}

/// One row for one object.
pub fn row(rt: &ResourceType, object: &Value, include: IncludeObject, now: Timestamp) -> Value {
    let mut row = Map::new();
    row.insert("cells".into(), Value::Array(cells::cells(rt.plural, object, now)));
    match include {
        IncludeObject::None => {}
        IncludeObject::Metadata => {
            let metadata = object.get("metadata").cloned().unwrap_or_else(|| json!({}));
            row.insert(
                "object".into(),
                json!({"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": metadata}),
            );
        }
        IncludeObject::Object => {
            row.insert("object".into(), object.clone());
        }
    }
    Value::Object(row)
}

/// A whole Table; `list_metadata` carries resourceVersion/continue/remainingItemCount.
pub fn table(
    rt: &ResourceType,
    api_version: &str,
    objects: &[Value],
    list_metadata: Value,
    include: IncludeObject,
    with_columns: bool,
    now: Timestamp,
) -> Value {
    let rows: Vec<Value> = objects.iter().map(|o| row(rt, o, include, now)).collect();
    let columns = if with_columns { column_definitions(rt) } else { Value::Array(Vec::new()) };
    json!({
        "kind": "Table",
        "apiVersion": api_version,
        "metadata": list_metadata,
        "columnDefinitions": columns,
        "rows": rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources;
    use k8s_openapi::api::apps::v1::Deployment;

    #[test]
    fn kubectl_accept_header_asks_for_v1() {
        let accept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";
        assert_eq!(requested_table_version(accept), Some("meta.k8s.io/v1"));
        assert_eq!(requested_table_version("application/json"), None);
    }

    #[test]
    fn deployment_rows_have_the_real_columns_and_metadata() {
        let rt = resources::of::<Deployment>().unwrap();
        let d = json!({"metadata": {"name": "web", "namespace": "a", "labels": {"app": "web"},
                                     "creationTimestamp": "2023-11-14T22:00:00Z"},
                       "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}}},
                       "status": {"readyReplicas": 2, "updatedReplicas": 3, "availableReplicas": 2}});
        let now = Timestamp::from_second(1_700_000_000).unwrap();
        let t = table(rt, "meta.k8s.io/v1", &[d], json!({}), IncludeObject::Metadata, true, now);
        let names: Vec<&str> =
            t["columnDefinitions"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
        assert_eq!(&names[..5], ["Name", "Ready", "Up-to-date", "Available", "Age"]);
        let row = &t["rows"][0];
        assert_eq!(row["cells"][1], "2/3");
        assert_eq!(row["cells"][4], "13m");
        assert_eq!(row["cells"][7], "app=web");
        assert_eq!(row["object"]["metadata"]["labels"]["app"], "web");
    }
}
