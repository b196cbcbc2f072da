//! Discovery: /version, /api, /apis, /apis/GROUP and the resource lists kubectl reads.
//!
//! Answers are the legacy (unaggregated) documents with `Content-Type: application/json`;
//! client-go, asked for aggregated discovery, accepts them and fetches each group version.

use serde_json::{Value, json};

use crate::resources::{self, ResourceType};

pub fn version() -> Value {
    json!({
        "major": "1",
        "minor": "33",
        "emulationMajor": "1",
        "emulationMinor": "33",
        "minCompatibilityMajor": "1",
        "minCompatibilityMinor": "32",
        "gitVersion": "v1.33.1",
        "gitCommit": "8adc0f041b8e7ad1d30e29cc59c6ae7a15e19828",
        "gitTreeState": "clean",
        "buildDate": "2025-05-15T08:19:08Z",
        "goVersion": "go1.24.2",
        "compiler": "gc",
        "platform": "linux/amd64",
    })
}

pub fn core_versions(server_address: &str) -> Value {
    json!({
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}],
    })
}

fn group_document(group: &str, version: &str) -> Value {
    let gv = json!({"groupVersion": format!("{group}/{version}"), "version": version});
    json!({"name": group, "versions": [gv.clone()], "preferredVersion": gv})
}

/// The groups a cluster serves: `serves` says which (add-on groups may be absent).
fn served_groups(serves: &dyn Fn(&str) -> bool) -> Vec<(&'static str, &'static str)> {
    resources::api_groups().into_iter().filter(|(g, _)| serves(g)).collect()
}

pub fn group_list(serves: &dyn Fn(&str) -> bool) -> Value {
    let groups: Vec<Value> = served_groups(serves).into_iter().map(|(g, v)| group_document(g, v)).collect();
    json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
}

pub fn group(name: &str, serves: &dyn Fn(&str) -> bool) -> Option<Value> {
    let (group, version) = served_groups(serves).into_iter().find(|(g, _)| *g == name)?;
    let mut document = group_document(group, version);
    document["kind"] = json!("APIGroup");
    document["apiVersion"] = json!("v1");
    Some(document)
}

fn subresource_entries(rt: &ResourceType) -> Vec<Value> {
    let write_verbs = ["get", "patch", "update"];
    rt.subresources
        .iter()
        .map(|sub| {
            let mut entry = json!({
                "name": format!("{}/{sub}", rt.plural),
                "singularName": "",
                "namespaced": rt.namespaced,
                "kind": rt.kind,
                "verbs": write_verbs,
            });
            if *sub == "log" {
                entry["verbs"] = json!(["get"]);
            }
            if *sub == "scale" {
                entry["group"] = json!("autoscaling");
                entry["version"] = json!("v1");
                entry["kind"] = json!("Scale");
            }
            entry
        })
        .collect()
}

/// The APIResourceList of one group version; None when the sim does not serve it.
pub fn resource_list(group: &str, version: &str, serves: &dyn Fn(&str) -> bool) -> Option<Value> {
    if !serves(group) {
        return None;
    }
    let served: Vec<&ResourceType> = resources::in_group_version(group, version).collect();
    if served.is_empty() {
        return None;
    }
    let mut entries = Vec::new();
    for rt in served {
        let mut entry = json!({
            "name": rt.plural,
            "singularName": rt.singular,
            "namespaced": rt.namespaced,
            "kind": rt.kind,
            "verbs": rt.verbs,
        });
        if !rt.short_names.is_empty() {
            entry["shortNames"] = json!(rt.short_names);
        }
        if !rt.categories.is_empty() {
            entry["categories"] = json!(rt.categories);
        }
        entries.push(entry);
        entries.extend(subresource_entries(rt));
    }
    let group_version = if group.is_empty() { version.to_string() } else { format!("{group}/{version}") };
    Some(
        json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": group_version, "resources": entries}),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apps_lists_scale_subresources_as_autoscaling_v1() {
        let list = resource_list("apps", "v1", &|_| true).unwrap();
        let entries = list["resources"].as_array().unwrap();
        let scale = entries.iter().find(|e| e["name"] == "deployments/scale").unwrap();
        assert_eq!((scale["group"].as_str(), scale["kind"].as_str()), (Some("autoscaling"), Some("Scale")));
        let deploy = entries.iter().find(|e| e["name"] == "deployments").unwrap();
        assert_eq!(deploy["shortNames"][0], "deploy");
        assert!(resource_list("apps", "v2", &|_| true).is_none());
    }

    #[test]
    fn groups_have_preferred_versions() {
        let list = group_list(&|_| true);
        let autoscaling =
            list["groups"].as_array().unwrap().iter().find(|g| g["name"] == "autoscaling").unwrap();
        assert_eq!(autoscaling["preferredVersion"]["groupVersion"], "autoscaling/v2");
        assert!(group("nope", &|_| true).is_none());
    }

    #[test]
    fn a_withheld_group_is_not_discovered() {
        let without_cert_manager = |g: &str| g != "cert-manager.io";
        let names = |list: Value| -> Vec<String> {
            list["groups"]
                .as_array()
                .unwrap()
                .iter()
                .map(|g| g["name"].as_str().unwrap().to_string())
                .collect()
        };
        assert!(names(group_list(&|_| true)).contains(&"cert-manager.io".to_string()));
        assert!(!names(group_list(&without_cert_manager)).contains(&"cert-manager.io".to_string()));
        assert!(group("cert-manager.io", &without_cert_manager).is_none());
        assert!(resource_list("cert-manager.io", "v1", &without_cert_manager).is_none());
        let certs = resource_list("cert-manager.io", "v1", &|_| true).unwrap();
        let entry =
            certs["resources"].as_array().unwrap().iter().find(|e| e["name"] == "certificates").unwrap();
        assert_eq!(entry["shortNames"], serde_json::json!(["cert", "certs"]));
        assert_eq!(entry["categories"], serde_json::json!(["cert-manager"]));
    }
}
