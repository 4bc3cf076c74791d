// A workflow that starts where the common states end, by importing their
// terminal state, and runs after them as one erased workflow.
use test_rig::prelude::*;

#[test_rig::workflow(name = "orders")]
pub mod orders {
    use test_rig::prelude::*;

    /// Connected, checked and identified by the common states.
    #[initial]
    pub use test_rig::common_states::Completed as Ready;
    pub struct Created;
    #[terminal]
    pub struct Dropped;

    #[step(Ready -> Created, timeout = "10s")]
    async fn create(cx: &mut StateContext) -> Result<(), StateError> {
        cx.session()?.execute("CREATE TABLE t_orders (id INT PRIMARY KEY)").await?;
        Ok(())
    }

    #[step(Created -> Dropped, retry = 2)]
    async fn drop_table(cx: &mut StateContext) -> Result<(), StateError> {
        cx.session()?.execute("DROP TABLE t_orders").await?;
        Ok(())
    }
}

fn assert_workflow<W: Workflow>(_: &W) {}

#[allow(dead_code)]
async fn typed(ready: test_rig::common_states::Conn<test_rig::common_states::Completed>) {
    let _dropped: orders::Conn<orders::Dropped> =
        orders::Conn::start(ready).create().await.unwrap().drop_table().await.unwrap();
}

fn main() {
    let both = (&test_rig::common_states::WORKFLOW).then(&orders::WORKFLOW);
    assert_workflow(&both);
    assert_eq!(both.name(), "common + orders");
    assert_eq!(orders::META.states[0].name, "Ready");
    assert_eq!(orders::META.states[0].doc, "Connected, checked and identified by the common states.");
    // The default retry predicate is StateError::is_transient (deadlocks, lock waits, TiDB conflicts).
    let policy = &orders::META.step("drop_table").unwrap().retry;
    assert_eq!(policy.retries, 2);
    assert!(!(policy.retry_if)(&StateError::step("not transient")));
}
