//! Older revisions of the Deployments: before the first reconcile, ReplicaSets of earlier
//! templates (older image tags) are put in place scaled to 0, so the controller gives the
//! current template the next revision, as a cluster that has seen releases would show.

use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet, ReplicaSetStatus};

use crate::load::hash2;
use crate::store::Store;
use crate::world::deployments::{empty_replica_set, revision_annotations};
use crate::world::naming::{TEMPLATE_HASH_LABEL, template_hash};
use crate::world::typed;

/// The revision a Deployment will be at, deterministic per seed: about six in ten have had
/// 3 to 12 releases, the rest are at their first.
pub fn target_revision(seed: u64, key: &str) -> i64 {
    let h = hash2(seed, key, 41);
    if h % 10 < 6 { 3 + (h >> 8) as i64 % 10 } else { 1 }
}

/// `steps` releases before `image`'s tag, counting down patch, then minor, then major
/// (2.4.0 three back is 2.3.7); always older and distinct from the current tag.
pub fn older_release(image: &str, steps: i64) -> String {
    let Some((repo, tag)) = image.rsplit_once(':') else { return format!("{image}:build-{steps}") };
    let parts: Vec<i64> = tag.split(['.', '-']).take(3).map_while(|p| p.parse().ok()).collect();
    let [a, b, c] = parts[..] else { return format!("{repo}:{tag}-build.{steps}") };
    let (mut major, mut minor, mut patch) = (a, b, c);
    for _ in 0..steps {
        if patch > 0 {
            patch -= 1;
        } else if minor > 0 {
            (minor, patch) = (minor - 1, 9);
        } else if major > 0 {
            (major, minor, patch) = (major - 1, 9, 9);
        } else {
            return format!("{repo}:{tag}-rc.{steps}");
        }
    }
    format!("{repo}:{major}.{minor}.{patch}")
}

/// Key ("namespace/name") of every Deployment that got older revisions.
pub fn seed_revisions(store: &Store, seed: u64) -> Vec<String> {
    let mut seeded = Vec::new();
    for d in typed::list::<Deployment>(store, None) {
        let key = crate::world::snapshot::key_of(&d.metadata);
        let revision = target_revision(seed, &key);
        if revision <= 1 {
            continue;
        }
        for k in 1..revision {
            if let Some(rs) = old_replicaset(&d, k, revision - k)
                && typed::create(store, &rs).is_ok()
            {
                seeded.push(key.clone());
            }
        }
    }
    seeded.dedup();
    seeded
}

fn old_replicaset(d: &Deployment, revision: i64, steps_back: i64) -> Option<ReplicaSet> {
    let spec = d.spec.as_ref()?;
    let mut template = spec.template.clone();
    let container = template.spec.as_mut()?.containers.first_mut()?;
    container.image = Some(older_release(container.image.as_deref()?, steps_back));
    let hash = template_hash(&template);
    let labels = template.metadata.get_or_insert_default().labels.get_or_insert_default();
    labels.insert(TEMPLATE_HASH_LABEL.into(), hash.clone());
    let labels = labels.clone();
    let mut selector = spec.selector.clone();
    selector.match_labels.get_or_insert_default().insert(TEMPLATE_HASH_LABEL.into(), hash.clone());
    let desired = spec.replicas.unwrap_or(1);
    let name = format!("{}-{hash}", d.metadata.name.as_deref()?);
    let annotations = revision_annotations(revision, desired, desired + 1);
    let mut rs =
        empty_replica_set(d, name, Some(labels), annotations, (selector, template), spec.min_ready_seconds);
    rs.status = Some(ReplicaSetStatus { replicas: 0, observed_generation: Some(1), ..Default::default() });
    Some(rs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn older_releases_count_back() {
        assert_eq!(
            older_release("ghcr.io/b2connect/api-gateway:2.4.0", 3),
            "ghcr.io/b2connect/api-gateway:2.3.7"
        );
        assert_eq!(older_release("app:1.0.2", 1), "app:1.0.1");
        assert_eq!(older_release("app:1.0.0", 5), "app:0.9.5");
        assert_eq!(older_release("app:0.0.1", 2), "app:0.0.1-rc.2");
        assert_eq!(older_release("redis:7.2-alpine", 2), "redis:7.2-alpine-build.2");
    }
}
