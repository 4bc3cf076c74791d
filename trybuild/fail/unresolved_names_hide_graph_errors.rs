// Two steps name states the workflow does not declare, with nothing close
// enough to suggest. Only those names are reported: `Middle` looks
// unreachable and `Last` looks like a dead end only because the macro
// could not read where the first step goes and where the second starts.
#[test_rig::workflow]
mod flow {
    use test_rig::prelude::*;

    #[initial]
    pub struct Start;
    pub struct Middle;
    pub struct Last;
    #[terminal]
    pub struct Done;

    #[step(Start -> Qwxyz)]
    async fn begin(_cx: &mut StateContext) -> Result<(), StateError> {
        Ok(())
    }

    #[step(Middle -> Last)]
    async fn go_on(_cx: &mut StateContext) -> Result<(), StateError> {
        Ok(())
    }

    #[step(Zkvpq -> Done)]
    async fn finish(_cx: &mut StateContext) -> Result<(), StateError> {
        Ok(())
    }
}

fn main() {}
