//! Rules that test-rig's `#[workflow]` macro (at compile time) and its
//! runtime (the Python plugin loader, the configuration readers) must apply
//! alike, written once: a crate of its own because the macro crate cannot
//! depend on the runtime it generates code for.
//!
//! - [`graph`]: which states a workflow's steps reach, and which are
//!   unreachable, dead ends or can never finish;
//! - [`mermaid`]: the workflow's `stateDiagram-v2` text;
//! - [`closest`]: the "did you mean" hint for a misspelt name;
//! - [`duration`]: the one duration grammar (`500ms`, `10s`, `1m 30s`).
//!
//! ```
//! use test_rig_rules::graph::{problems, Problem};
//! // Start -> Middle, and Middle leads nowhere: Start cannot finish,
//! // Middle is a dead end and the terminal End is never reached.
//! let found = problems(0, &[false, false, true], &[(0, &[1][..])]);
//! let expected = [
//!     (0, Problem::NeverFinishes),
//!     (1, Problem::DeadEnd),
//!     (2, Problem::Unreachable),
//! ];
//! assert_eq!(found, expected);
//! ```

#![warn(missing_docs)]

pub mod duration;
pub mod graph;
mod mermaid;
mod names;

pub use mermaid::{mermaid, DiagramStep};
pub use names::closest;
