//! Container faults a topology or scenario can inject, keyed by image.

use std::str::FromStr;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// The process exits with an error a few seconds after each start.
    CrashLoop,
    /// The container outgrows its memory limit after a few minutes and is OOM-killed.
    OomKilled,
    /// The image cannot be pulled (tag missing from the registry).
    ImagePull,
}

impl FromStr for Fault {
    type Err = String;

    fn from_str(s: &str) -> Result<Fault, String> {
        match s {
            "CrashLoopBackOff" | "CrashLoop" | "crashloop" => Ok(Fault::CrashLoop),
            "OOMKilled" | "oomkill" => Ok(Fault::OomKilled),
            "ImagePullBackOff" | "ErrImagePull" | "imagepull" => Ok(Fault::ImagePull),
            other => Err(format!("unknown fault {other:?} (CrashLoopBackOff, OOMKilled, ImagePullBackOff)")),
        }
    }
}
