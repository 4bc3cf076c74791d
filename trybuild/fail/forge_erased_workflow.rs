// The erased form cannot be forged: a table claiming a transition that no
// step makes does not compile, because the fields are private.
use test_rig::{WorkflowDef, WorkflowMeta};

static META: WorkflowMeta = WorkflowMeta {
    name: "fake",
    states: &[],
    steps: &[],
    initial: 0,
    mermaid: "",
};

static FAKE: WorkflowDef = WorkflowDef {
    meta: &META,
    steps: &[],
    cleanup: None,
};

fn main() {}
