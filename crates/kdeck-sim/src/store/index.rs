//! The small per-object index the store keeps beside the JSON bytes: enough to answer label
//! and field selectors without parsing the object again.

use serde_json::Value;

use crate::resources::ResourceType;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ObjectIndex {
    pub name: Box<str>,
    pub namespace: Option<Box<str>>,
    pub resource_version: u64,
    pub labels: Box<[(Box<str>, Box<str>)]>,
    /// Values of the type's selectable fields (missing fields index as "").
    pub fields: Box<[(&'static str, Box<str>)]>,
}

impl ObjectIndex {
    pub fn from_value(rt: &ResourceType, object: &Value, resource_version: u64) -> ObjectIndex {
        let metadata = object.get("metadata");
        let text = |key: &str| metadata.and_then(|m| m.get(key)).and_then(Value::as_str).unwrap_or("");
        let labels = metadata
            .and_then(|m| m.get("labels"))
            .and_then(Value::as_object)
            .map(|labels| {
                labels
                    .iter()
                    .map(|(k, v)| (Box::from(k.as_str()), Box::from(v.as_str().unwrap_or(""))))
                    .collect()
            })
            .unwrap_or_default();
        let fields =
            rt.selectable_fields.iter().map(|path| (*path, Box::from(field_value(object, path)))).collect();
        let namespace = Some(text("namespace")).filter(|ns| rt.namespaced && !ns.is_empty());
        ObjectIndex {
            name: Box::from(text("name")),
            namespace: namespace.map(Box::from),
            resource_version,
            labels,
            fields,
        }
    }

    pub fn label(&self, key: &str) -> Option<&str> {
        self.labels.iter().find(|(k, _)| &**k == key).map(|(_, v)| &**v)
    }

    /// The value of a field-selector field; None when the type cannot select on it.
    pub fn field(&self, path: &str) -> Option<&str> {
        match path {
            "metadata.name" => Some(&self.name),
            "metadata.namespace" => Some(self.namespace.as_deref().unwrap_or("")),
            _ => self.fields.iter().find(|(p, _)| *p == path).map(|(_, v)| &**v),
        }
    }
}

/// A dotted path's string value; events' "source" selects on source.component as upstream does.
fn field_value<'a>(object: &'a Value, path: &str) -> &'a str {
    let path = if path == "source" { "source.component" } else { path };
    path.split('.').try_fold(object, |value, key| value.get(key)).and_then(Value::as_str).unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources;
    use k8s_openapi::api::core::v1::{Event, Pod};
    use serde_json::json;

    #[test]
    fn indexes_labels_and_pod_fields() {
        let rt = resources::of::<Pod>().unwrap();
        let pod = json!({"metadata": {"name": "a", "namespace": "ns", "labels": {"app": "web"}},
                         "spec": {"nodeName": "n1"}, "status": {"phase": "Running"}});
        let index = ObjectIndex::from_value(rt, &pod, 7);
        assert_eq!(index.label("app"), Some("web"));
        assert_eq!(index.field("spec.nodeName"), Some("n1"));
        assert_eq!(index.field("status.phase"), Some("Running"));
        assert_eq!(index.field("metadata.namespace"), Some("ns"));
        assert_eq!(index.field("spec.unknown"), None);
    }

    #[test]
    fn missing_event_fields_index_as_empty() {
        let rt = resources::of::<Event>().unwrap();
        let event = json!({"metadata": {"name": "e"}, "involvedObject": {"kind": "Pod"}});
        let index = ObjectIndex::from_value(rt, &event, 1);
        assert_eq!(index.field("involvedObject.kind"), Some("Pod"));
        assert_eq!(index.field("involvedObject.name"), Some(""));
    }
}
