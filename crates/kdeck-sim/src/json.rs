//! Objects decode from bytes, and only from bytes. Decoding Kubernetes types from a `Value` as
//! well (`serde_json::from_value`, `T::deserialize(&Value)`) compiled every type's
//! `Deserialize` two more times: 11% of this crate's LLVM IR (`cargo llvm-lines`), paid again
//! in its unit-test build. A `Value` is written out first: a serialization, on no hot path.

use serde::de::DeserializeOwned;
use serde_json::Value;

/// `serde_json::from_value`, through bytes.
pub fn decode<T: DeserializeOwned>(value: &Value) -> serde_json::Result<T> {
    serde_json::from_slice(&serde_json::to_vec(value)?)
}

#[cfg(test)]
mod tests {
    use k8s_openapi::api::core::v1::Pod;
    use serde_json::json;

    #[test]
    fn a_value_decodes_as_from_value_would_and_a_bad_one_is_an_error() {
        let value = json!({"metadata": {"name": "web-1", "namespace": "shop"}});
        let pod: Pod = super::decode(&value).unwrap();
        assert_eq!(pod.metadata.name.as_deref(), Some("web-1"));
        assert!(super::decode::<Pod>(&json!({"metadata": {"name": 7}})).is_err());
    }
}
