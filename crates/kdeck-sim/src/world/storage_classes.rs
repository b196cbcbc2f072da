//! What the controllers read from StorageClasses: the default class, the binding mode, the
//! provisioner, the reclaim policy.

use k8s_openapi::api::storage::v1::StorageClass;

pub const DEFAULT_CLASS_ANNOTATION: &str = "storageclass.kubernetes.io/is-default-class";
pub const WAIT_FOR_FIRST_CONSUMER: &str = "WaitForFirstConsumer";

pub fn is_default(class: &StorageClass) -> bool {
    let annotations = class.metadata.annotations.as_ref();
    annotations.and_then(|a| a.get(DEFAULT_CLASS_ANNOTATION)).map(String::as_str) == Some("true")
}

/// The default class; with several, the newest wins, as in kube's admission plugin (then by
/// name, so the choice is stable).
pub fn default_class(classes: &[StorageClass]) -> Option<&StorageClass> {
    classes.iter().filter(|c| is_default(c)).max_by(|a, b| {
        let created = |c: &StorageClass| c.metadata.creation_timestamp.as_ref().map(|t| t.0);
        created(a).cmp(&created(b)).then_with(|| b.metadata.name.cmp(&a.metadata.name))
    })
}

pub fn find<'a>(classes: &'a [StorageClass], name: &str) -> Option<&'a StorageClass> {
    classes.iter().find(|c| c.metadata.name.as_deref() == Some(name))
}

/// Binding waits until a pod using the claim is scheduled (zonal disks).
pub fn waits_for_consumer(class: &StorageClass) -> bool {
    class.volume_binding_mode.as_deref() == Some(WAIT_FOR_FIRST_CONSUMER)
}

pub fn reclaim_policy(class: &StorageClass) -> String {
    class.reclaim_policy.clone().unwrap_or_else(|| "Delete".into())
}
