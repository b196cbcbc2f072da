//! The source tree's shape: what each layer may import.
mod layers;
