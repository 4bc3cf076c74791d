// Only the initial state can be started: Conn<Completed> cannot be built by hand.
use test_rig::common_states::{Completed, Conn};
use test_rig::prelude::*;

fn forge(cx: StateContext) -> Conn<Completed> {
    Conn::<Completed>::start(cx)
}

fn main() {}
