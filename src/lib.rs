//! The suite package: it owns the workspace examples/, tests/ and trybuild/ proofs; it has no code of its own.
