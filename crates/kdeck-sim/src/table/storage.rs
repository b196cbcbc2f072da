//! Rows for claims, volumes and storage classes, as kube's printers write them.

use serde_json::{Value, json};

use super::cells::{at, items, text};

/// "RWO,RWX": kube's short names for access modes.
fn access_modes(object: &Value, path: &str) -> String {
    let short = |mode: &str| match mode {
        "ReadWriteOnce" => "RWO".to_string(),
        "ReadOnlyMany" => "ROX".to_string(),
        "ReadWriteMany" => "RWX".to_string(),
        "ReadWriteOncePod" => "RWOP".to_string(),
        other => other.to_string(),
    };
    items(object, path).iter().filter_map(Value::as_str).map(short).collect::<Vec<_>>().join(",")
}

pub fn claim_cells(claim: &Value, name: String, created: String) -> Vec<Value> {
    let bound = text(claim, "status.phase") == "Bound";
    // Capacity and access modes are the bound volume's: empty while Pending.
    let (capacity, modes) = if bound {
        (text(claim, "status.capacity.storage"), access_modes(claim, "status.accessModes"))
    } else {
        (String::new(), String::new())
    };
    vec![
        json!(name),
        json!(text(claim, "status.phase")),
        json!(text(claim, "spec.volumeName")),
        json!(capacity),
        json!(modes),
        json!(text(claim, "spec.storageClassName")),
        json!(created),
        json!(text(claim, "spec.volumeMode")),
    ]
}

pub fn volume_cells(volume: &Value, name: String, created: String) -> Vec<Value> {
    let claim_ref = at(volume, "spec.claimRef");
    let claim = if claim_ref.is_object() {
        format!("{}/{}", text(claim_ref, "namespace"), text(claim_ref, "name"))
    } else {
        String::new()
    };
    vec![
        json!(name),
        json!(text(volume, "spec.capacity.storage")),
        json!(access_modes(volume, "spec.accessModes")),
        json!(text(volume, "spec.persistentVolumeReclaimPolicy")),
        json!(text(volume, "status.phase")),
        json!(claim),
        json!(text(volume, "spec.storageClassName")),
        json!(text(volume, "status.reason")),
        json!(created),
        json!(text(volume, "spec.volumeMode")),
    ]
}

pub fn class_cells(class: &Value, name: String, created: String) -> Vec<Value> {
    let default = at(class, "metadata.annotations")
        .get(crate::world::storage_classes::DEFAULT_CLASS_ANNOTATION)
        .and_then(Value::as_str)
        == Some("true");
    let name = if default { format!("{name} (default)") } else { name };
    let reclaim = match text(class, "reclaimPolicy") {
        r if r.is_empty() => "Delete".to_string(),
        r => r,
    };
    let binding = match text(class, "volumeBindingMode") {
        m if m.is_empty() => "Immediate".to_string(),
        m => m,
    };
    vec![
        json!(name),
        json!(text(class, "provisioner")),
        json!(reclaim),
        json!(binding),
        json!(at(class, "allowVolumeExpansion").as_bool().unwrap_or(false)),
        json!(created),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pending_claim_shows_no_capacity_and_a_bound_volume_its_claim() {
        let claim = json!({"spec": {"storageClassName": "gp3", "volumeMode": "Filesystem"},
                           "status": {"phase": "Pending", "capacity": {"storage": "10Gi"}}});
        let cells = claim_cells(&claim, "data-kafka-3".into(), "5s".into());
        assert_eq!(cells[1], "Pending");
        assert_eq!(cells[3], "");
        assert_eq!(cells[5], "gp3");
        let volume = json!({"spec": {"capacity": {"storage": "10Gi"}, "accessModes": ["ReadWriteOnce"],
                            "persistentVolumeReclaimPolicy": "Delete", "storageClassName": "gp3",
                            "claimRef": {"namespace": "kafka", "name": "data-kafka-0"}},
                            "status": {"phase": "Bound"}});
        let cells = volume_cells(&volume, "pvc-1".into(), "1d".into());
        assert_eq!(cells[2], "RWO");
        assert_eq!(cells[5], "kafka/data-kafka-0");
    }

    #[test]
    fn the_default_class_is_marked() {
        let class = json!({"metadata": {"annotations": {"storageclass.kubernetes.io/is-default-class": "true"}},
                           "provisioner": "ebs.csi.aws.com", "volumeBindingMode": "WaitForFirstConsumer"});
        let cells = class_cells(&class, "gp3".into(), "1d".into());
        assert_eq!(cells[0], "gp3 (default)");
        assert_eq!(cells[2], "Delete");
        assert_eq!(cells[4], false);
    }
}
