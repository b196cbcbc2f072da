//! Store failures; the HTTP layer maps each to a Kubernetes `Status`.

use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StoreError {
    /// No such object (404 NotFound).
    NotFound,
    /// Create of a name that exists (409 AlreadyExists).
    AlreadyExists,
    /// Stale resourceVersion on update (409 Conflict).
    Conflict,
    /// The object fails validation (422 Invalid); the message names the field.
    Invalid(String),
    /// The request cannot be understood (400 BadRequest).
    BadRequest(String),
    /// The requested resourceVersion is older than the kept history (410 Expired/Gone).
    Gone,
}

impl StoreError {
    pub fn code(&self) -> u16 {
        match self {
            StoreError::NotFound => 404,
            StoreError::AlreadyExists | StoreError::Conflict => 409,
            StoreError::Invalid(_) => 422,
            StoreError::BadRequest(_) => 400,
            StoreError::Gone => 410,
        }
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::NotFound => f.write_str("not found"),
            StoreError::AlreadyExists => f.write_str("already exists"),
            StoreError::Conflict => f.write_str(
                "the object has been modified; please apply your changes to the latest version and try again",
            ),
            StoreError::Invalid(msg) => write!(f, "invalid: {msg}"),
            StoreError::BadRequest(msg) => write!(f, "bad request: {msg}"),
            StoreError::Gone => f.write_str("too old resource version"),
        }
    }
}

impl std::error::Error for StoreError {}

impl From<serde_json::Error> for StoreError {
    fn from(err: serde_json::Error) -> Self {
        StoreError::BadRequest(err.to_string())
    }
}
