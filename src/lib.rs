//! The suite package: it owns the workspace examples/, tests/ and trybuild/ proofs; it has no code of its own.

/// The README's Rust examples, compiled as doc-tests so they stay true.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
