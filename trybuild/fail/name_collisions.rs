// Names that would collide once the macro adds its own items: each is one
// error on the user's token saying what it collides with.
#[test_rig::workflow]
pub mod steps {
    use test_rig::prelude::*;

    #[initial]
    pub struct A;
    pub struct B;
    pub struct C;
    pub struct D;
    pub struct E;
    #[terminal]
    pub struct F;

    #[step(A -> B)]
    async fn load_1(_cx: &mut StateContext) -> Result<(), StateError> {
        Ok(())
    }

    #[step(B -> C)]
    async fn load1(_cx: &mut StateContext) -> Result<(), StateError> {
        Ok(())
    }

    #[step(C -> D)]
    async fn start(_cx: &mut StateContext) -> Result<(), StateError> {
        Ok(())
    }

    #[step(D -> E)]
    async fn context_mut(_cx: &mut StateContext) -> Result<(), StateError> {
        Ok(())
    }

    #[step(E -> F)]
    async fn load_1(_cx: &mut StateContext) -> Result<(), StateError> {
        Ok(())
    }
}

#[test_rig::workflow]
pub mod states {
    use test_rig::prelude::*;

    #[initial]
    pub struct State;
    pub struct Conn;
    pub struct CanPick;
    pub struct Pick;
    #[terminal]
    pub struct Done;

    #[step(State -> Conn)]
    async fn one(_cx: &mut StateContext) -> Result<(), StateError> {
        Ok(())
    }

    #[step(Conn -> CanPick)]
    async fn two(_cx: &mut StateContext) -> Result<(), StateError> {
        Ok(())
    }

    #[step(CanPick -> Pick | Done)]
    async fn pick(_cx: &mut StateContext) -> Result<Pick, StateError> {
        Ok(Pick::Done)
    }

    #[step(Pick -> Done)]
    async fn three(_cx: &mut StateContext) -> Result<(), StateError> {
        Ok(())
    }
}

fn main() {}
