// A branching step returns the generated decision enum; the handle method
// returns an outcome enum that must be matched to go on.
use test_rig::prelude::*;

struct Wanted(bool);

#[test_rig::workflow]
pub mod checkout {
    use super::Wanted;
    use test_rig::prelude::*;

    #[initial]
    pub struct Cart;
    pub struct Paid;
    pub struct Abandoned;
    #[terminal]
    pub struct Closed;

    /// Pays or walks away.
    #[step(Cart -> Paid | Abandoned)]
    async fn decide(cx: &mut StateContext) -> Result<Decide, StateError> {
        Ok(if cx.get::<Wanted>().is_some_and(|w| w.0) { Decide::Paid } else { Decide::Abandoned })
    }

    #[step(Paid -> Closed)]
    async fn ship(_cx: &mut StateContext) -> Result<(), StateError> {
        Ok(())
    }

    #[step(Abandoned -> Closed)]
    async fn forget(_cx: &mut StateContext) -> Result<(), StateError> {
        Ok(())
    }
}

async fn walk(wanted: bool) -> &'static str {
    let mut cx = StateContext::new("t", ConnectionConfig::default());
    cx.insert(Wanted(wanted));
    let closed = match checkout::Conn::start(cx).decide().await.unwrap() {
        checkout::DecideOutcome::Paid(paid) => paid.ship().await.unwrap(),
        checkout::DecideOutcome::Abandoned(gone) => gone.forget().await.unwrap(),
    };
    closed.state_name()
}

#[tokio::main]
async fn main() {
    assert_eq!(walk(true).await, "Closed");
    assert_eq!(walk(false).await, "Closed");
    let step = checkout::META.step("decide").unwrap();
    assert_eq!(step.to, ["Paid", "Abandoned"]);
    assert!(checkout::META.mermaid.contains("Cart --> Abandoned: decide"));
}
