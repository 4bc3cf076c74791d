// A linear workflow with no server: driven by hand through typed handles,
// then erased, with the same transitions either way.
use std::sync::{Arc, Mutex};
use test_rig::prelude::*;
use test_rig::{Transition, TransitionObserver};

#[derive(Debug, PartialEq)]
struct Counter(u32);

#[test_rig::workflow]
pub mod counting {
    use super::Counter;
    use test_rig::prelude::*;

    /// Nothing counted yet.
    #[initial]
    pub struct Empty;
    pub struct One;
    #[terminal]
    pub struct Two;

    /// Counts the first.
    #[step(Empty -> One)]
    async fn first(cx: &mut StateContext) -> Result<(), StateError> {
        cx.insert(Counter(1));
        Ok(())
    }

    /// Counts the second.
    #[step(One -> Two)]
    async fn second(cx: &mut StateContext) -> Result<(), StateError> {
        cx.get_mut::<Counter>().ok_or_else(|| StateError::step("no counter"))?.0 += 1;
        Ok(())
    }
}

#[derive(Default)]
struct Log(Mutex<Vec<String>>);

impl TransitionObserver for Log {
    fn on_transition(&self, t: &Transition) {
        self.0.lock().unwrap().push(format!("{}:{}->{}", t.step, t.from, t.to.unwrap_or("x")));
    }
}

#[tokio::main]
async fn main() {
    let log = Arc::new(Log::default());
    let mut cx = StateContext::new("t1", ConnectionConfig::default());
    cx.set_observer(log.clone());
    let start = counting::Conn::start(cx);
    assert_eq!(start.state_name(), "Empty");
    let one: counting::Conn<counting::One> = start.first().await.unwrap();
    let two: counting::Conn<counting::Two> = one.second().await.unwrap();
    assert_eq!(two.context().get::<Counter>(), Some(&Counter(2)));

    let mut cx = two.into_context();
    cx.remove::<Counter>();
    let cx = counting::WORKFLOW.run(cx).await.unwrap();
    assert_eq!(cx.get::<Counter>(), Some(&Counter(2)));
    assert_eq!(
        *log.0.lock().unwrap(),
        ["first:Empty->One", "second:One->Two", "first:Empty->One", "second:One->Two"]
    );
    assert_eq!(
        counting::META.mermaid,
        "stateDiagram-v2\n    [*] --> Empty\n    Empty --> One: first\n    One --> Two: second\n    Two --> [*]\n"
    );
    assert_eq!(counting::META.states[0].doc, "Nothing counted yet.");
    assert_eq!(counting::META.step("second").map(|s| s.doc), Some("Counts the second."));
}
