//! `huge-object`: one ConfigMap carrying a 1 MiB annotation, so clients meet a very large
//! object in lists and watches (as a runaway `last-applied-configuration`, a bundled CRD
//! schema or a generated dashboard do on real clusters). The real server caps annotations at
//! 256 KiB; the sim does not, to go past what clients usually plan for.

use serde_json::json;

use crate::resources;
use crate::store::{Store, StoreError};

pub const NAMESPACE: &str = "default";
pub const NAME: &str = "kdeck-sim-huge-object";
pub const ANNOTATION: &str = "kdeck.dev/huge-object";
/// The annotation's length in bytes.
pub const SIZE: usize = 1 << 20;

fn config_maps() -> Result<&'static resources::ResourceType, StoreError> {
    resources::lookup("", "v1", "configmaps")
        .ok_or_else(|| StoreError::BadRequest("configmaps are not served".into()))
}

/// A printable payload: a line of text repeated, cut to exactly `SIZE` bytes.
fn payload() -> String {
    let line = "the kdeck sim's huge-object fault: one object far larger than its neighbours\n";
    line.repeat(SIZE / line.len() + 1)[..SIZE].to_string()
}

/// Store the object (again, if someone deleted or trimmed it).
pub fn install(store: &Store) -> Result<(), StoreError> {
    let rt = config_maps()?;
    let object = json!({
        "metadata": {"name": NAME, "namespace": NAMESPACE, "annotations": {ANNOTATION: payload()}},
        "data": {"purpose": "kdeck sim huge-object fault"},
    });
    match store.create_json(rt, Some(NAMESPACE), object) {
        Err(StoreError::AlreadyExists) => store
            .modify_json(rt, Some(NAMESPACE), NAME, |object| {
                object["metadata"]["annotations"][ANNOTATION] = json!(payload());
            })
            .map(drop),
        other => other.map(drop),
    }
}

/// Delete the object; gone already is fine.
pub fn remove(store: &Store) -> Result<(), StoreError> {
    match store.delete_raw(config_maps()?, Some(NAMESPACE), NAME) {
        Ok(_) | Err(StoreError::NotFound) => Ok(()),
        Err(err) => Err(err),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::SimClock;
    use k8s_openapi::api::core::v1::ConfigMap;

    #[test]
    fn install_is_idempotent_and_remove_deletes() {
        let store = Store::new(SimClock::new(1.0));
        install(&store).unwrap();
        install(&store).unwrap();
        let cm: ConfigMap = store.get(Some(NAMESPACE), NAME).unwrap();
        assert_eq!(cm.metadata.annotations.unwrap()[ANNOTATION].len(), SIZE);
        remove(&store).unwrap();
        remove(&store).unwrap();
        assert!(store.get::<ConfigMap>(Some(NAMESPACE), NAME).is_none());
    }
}
