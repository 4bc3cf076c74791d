// A step starts from a state the workflow does not declare, with nothing
// close enough to suggest. Only that name is reported: `Last` looks like a
// dead end and `Done` looks unreachable only because the macro could not
// read where the step starts.
#[test_rig::workflow]
mod flow {
    use test_rig::prelude::*;

    #[initial]
    pub struct Start;
    pub struct Middle;
    pub struct Last;
    #[terminal]
    pub struct Done;

    #[step(Start -> Middle)]
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
