//! `kube::Resource` for the slim decode types of custom resources kdeck reads (cert-manager,
//! Argo CD, Gateway API): there are no k8s-openapi types for CRDs, and kube's derive wants the
//! full schema. And the status condition they share (metav1.Condition, slim).

use serde::Deserialize;

/// A status condition as CRD controllers write them (metav1.Condition: type, status, reason,
/// message).
#[derive(Deserialize, Clone, Debug, Default, PartialEq)]
pub struct Condition {
    #[serde(rename = "type")]
    pub type_: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
}

/// The condition of `type_` in a list, when reported.
pub fn condition<'a>(conditions: &'a [Condition], type_: &str) -> Option<&'a Condition> {
    conditions.iter().find(|c| c.type_ == type_)
}

/// Implement `kube::Resource` for a namespaced CRD type with a `metadata` field.
macro_rules! namespaced_crd {
    ($ty:ty, kind = $kind:literal, group = $group:literal, version = $version:literal, plural = $plural:literal) => {
        impl kube::Resource for $ty {
            type DynamicType = ();
            type Scope = k8s_openapi::NamespaceResourceScope;

            fn kind(_: &()) -> std::borrow::Cow<'_, str> {
                std::borrow::Cow::Borrowed($kind)
            }
            fn group(_: &()) -> std::borrow::Cow<'_, str> {
                std::borrow::Cow::Borrowed($group)
            }
            fn version(_: &()) -> std::borrow::Cow<'_, str> {
                std::borrow::Cow::Borrowed($version)
            }
            fn plural(_: &()) -> std::borrow::Cow<'_, str> {
                std::borrow::Cow::Borrowed($plural)
            }
            fn meta(&self) -> &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta {
                &self.metadata
            }
            fn meta_mut(&mut self) -> &mut k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta {
                &mut self.metadata
            }
        }
    };
}

pub(crate) use namespaced_crd;
