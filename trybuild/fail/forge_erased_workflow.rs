// The erased form cannot be forged: a table claiming a transition that no
// step makes, or a run that skips the steps, does not compile, because the
// fields are private.
use test_rig::workflow::BoxFuture;
use test_rig::{StateContext, StepFailed, WorkflowDef, WorkflowMeta};

static META: WorkflowMeta = WorkflowMeta {
    name: "fake",
    states: &[],
    steps: &[],
    initial: 0,
    mermaid: "",
};

fn finish_at_once(_: &WorkflowDef, cx: StateContext) -> BoxFuture<'_, Result<StateContext, StepFailed>> {
    Box::pin(async move { Ok(cx) })
}

static FAKE: WorkflowDef = WorkflowDef {
    meta: &META,
    steps: &[],
    cleanup: None,
    run: finish_at_once,
};

fn main() {}
