// `Spin` and `Spun` are reachable and each has a step out, but the steps
// only lead back and forth between them: no chain reaches `Done`.
#[test_rig::workflow]
mod flow {
    use test_rig::prelude::*;

    #[initial]
    pub struct Start;
    pub struct Spin;
    pub struct Spun;
    #[terminal]
    pub struct Done;

    #[step(Start -> Spin | Done)]
    async fn begin(_cx: &mut StateContext) -> Result<Begin, StateError> {
        Ok(Begin::Done)
    }

    #[step(Spin -> Spun)]
    async fn spin(_cx: &mut StateContext) -> Result<(), StateError> {
        Ok(())
    }

    #[step(Spun -> Spin)]
    async fn back(_cx: &mut StateContext) -> Result<(), StateError> {
        Ok(())
    }
}

fn main() {}
