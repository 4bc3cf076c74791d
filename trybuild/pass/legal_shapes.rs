// Shapes the README calls legal: a branching self-loop, a workflow nested
// in a function and in a submodule, and handles and step futures that are
// `Send + 'static` (they can move into `tokio::spawn`).
use test_rig::prelude::*;

mod nested {
    #[test_rig::workflow]
    pub mod polling {
        use test_rig::prelude::*;

        #[initial]
        pub struct Poll;
        #[terminal]
        pub struct Done;

        /// Polls again until done.
        #[step(Poll -> Poll | Done)]
        async fn check(cx: &mut StateContext) -> Result<Check, StateError> {
            let n = cx.get::<u32>().copied().unwrap_or(0);
            cx.insert(n + 1);
            Ok(if n < 2 { Check::Poll } else { Check::Done })
        }
    }
}

fn assert_send_static<T: Send + 'static>(_: &T) {}

#[tokio::main]
async fn main() {
    #[test_rig::workflow]
    mod in_a_function {
        use test_rig::prelude::*;

        #[initial]
        pub struct Start;
        #[terminal]
        pub struct End;

        #[step(Start -> End)]
        async fn go(_cx: &mut StateContext) -> Result<(), StateError> {
            Ok(())
        }
    }

    let handle = in_a_function::Conn::start(StateContext::new("f", ConnectionConfig::default()));
    assert_send_static(&handle);
    let step = handle.go();
    assert_send_static(&step);
    let ended = tokio::spawn(step).await.unwrap().unwrap();
    assert_eq!(ended.state_name(), "End");

    let mut conn = nested::polling::Conn::start(StateContext::new("p", ConnectionConfig::default()));
    let done = loop {
        match conn.check().await.unwrap() {
            nested::polling::CheckOutcome::Poll(again) => conn = again,
            nested::polling::CheckOutcome::Done(done) => break done,
        }
    };
    assert_eq!(done.context().get::<u32>(), Some(&3));
}
