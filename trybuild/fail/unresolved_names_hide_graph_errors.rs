// A step names a target the workflow does not declare, with nothing close
// enough to suggest. Only that name is reported: `Middle`, `Last` and
// `Done` look unreachable only because the macro could not read where the
// first step goes. (An unknown source: unknown_source_hides_graph_errors.)
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

    #[step(Last -> Done)]
    async fn finish(_cx: &mut StateContext) -> Result<(), StateError> {
        Ok(())
    }
}

fn main() {}
