// A step takes the context and nothing else.
#[test_rig::workflow]
mod flow {
    use test_rig::prelude::*;

    #[initial]
    pub struct Start;
    #[terminal]
    pub struct Done;

    #[step(Start -> Done)]
    async fn finish(_cx: &mut StateContext, rows: u64) -> Result<(), StateError> {
        let _ = rows;
        Ok(())
    }
}

fn main() {}
