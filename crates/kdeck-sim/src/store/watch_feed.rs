//! What a watch consumes: a backlog (current objects or history) then live changes.

use tokio::sync::broadcast::{self, error::RecvError};

use super::StoreEvent;
use crate::resources::ResourceType;

/// The live part of a watch fell too far behind the store's broadcast.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lagged;

pub struct WatchFeed {
    resource: &'static ResourceType,
    backlog: std::vec::IntoIter<StoreEvent>,
    receiver: broadcast::Receiver<StoreEvent>,
    /// The store's resourceVersion when the feed was taken.
    pub start_resource_version: u64,
    /// Highest resourceVersion taken off the broadcast (any type): a safe bookmark.
    processed: u64,
}

impl WatchFeed {
    pub(super) fn new(
        resource: &'static ResourceType,
        backlog: Vec<StoreEvent>,
        receiver: broadcast::Receiver<StoreEvent>,
        start_resource_version: u64,
    ) -> WatchFeed {
        WatchFeed {
            resource,
            backlog: backlog.into_iter(),
            receiver,
            start_resource_version,
            processed: start_resource_version,
        }
    }

    /// Events still queued from the snapshot or history.
    pub fn backlog_len(&self) -> usize {
        self.backlog.len()
    }

    /// A resourceVersion every change up to which this feed has handed out (a bookmark value).
    pub fn processed_resource_version(&self) -> u64 {
        self.processed
    }

    /// The next event of this feed's type; None when the store is gone, Err when lagging.
    pub async fn next(&mut self) -> Option<Result<StoreEvent, Lagged>> {
        if let Some(event) = self.backlog.next() {
            return Some(Ok(event));
        }
        loop {
            let received = self.receiver.recv().await;
            if let Ok(event) = &received {
                self.processed = self.processed.max(event.resource_version);
            }
            match received {
                Ok(event) if std::ptr::eq(event.resource, self.resource) => {
                    // the receiver was subscribed under the snapshot's lock; this is a guard only
                    if event.resource_version <= self.start_resource_version {
                        continue;
                    }
                    return Some(Ok(event));
                }
                Ok(_) => continue,
                Err(RecvError::Lagged(_)) => return Some(Err(Lagged)),
                Err(RecvError::Closed) => return None,
            }
        }
    }
}
