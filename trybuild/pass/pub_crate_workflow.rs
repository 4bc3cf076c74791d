// Visibility of the input is kept: a pub(crate) workflow, used from a
// sibling module; doc comments reach the generated handle methods' metadata.
mod flows {
    /// Private to this crate.
    #[test_rig::workflow]
    pub(crate) mod internal {
        use test_rig::prelude::*;

        #[initial]
        pub struct Idle;
        #[terminal]
        pub struct Done;

        /// Does the one thing.
        #[step(Idle -> Done)]
        async fn finish(_cx: &mut StateContext) -> Result<(), StateError> {
            Ok(())
        }
    }
}

mod user {
    use test_rig::prelude::*;

    pub async fn go() -> &'static str {
        let cx = StateContext::new("t", ConnectionConfig::default());
        crate::flows::internal::Conn::start(cx).finish().await.unwrap().state_name()
    }
}

#[tokio::main]
async fn main() {
    assert_eq!(user::go().await, "Done");
    assert_eq!(flows::internal::META.steps[0].doc, "Does the one thing.");
}
