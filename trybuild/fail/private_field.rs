// The handle's fields are private: no way to build one, or to swap its state.
use std::marker::PhantomData;
use test_rig::common_states::{Completed, Conn};
use test_rig::prelude::*;

fn forge(cx: StateContext) -> Conn<Completed> {
    Conn { cx, state: PhantomData }
}

fn main() {}
