// A step that borrows the context without `mut`: steps change the context
// (its session, its values), so the macro asks for `&mut StateContext`.
#[test_rig::workflow]
mod flow {
    use test_rig::prelude::*;

    #[initial]
    pub struct Start;
    #[terminal]
    pub struct Done;

    #[step(Start -> Done)]
    async fn finish(_cx: &StateContext) -> Result<(), StateError> {
        Ok(())
    }
}

fn main() {}
