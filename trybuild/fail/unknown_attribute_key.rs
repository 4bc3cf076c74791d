// `timout` is not a step key.
#[test_rig::workflow]
mod flow {
    use test_rig::prelude::*;

    #[initial]
    pub struct Start;
    #[terminal]
    pub struct Done;

    #[step(Start -> Done, timout = "10s")]
    async fn finish(_cx: &mut StateContext) -> Result<(), StateError> {
        Ok(())
    }
}

fn main() {}
