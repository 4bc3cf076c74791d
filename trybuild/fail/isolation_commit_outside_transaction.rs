// COMMIT exists only inside a transaction: an Idle session has nothing to commit.
use test_rig::isolation::Script;

fn main() {
    let script = Script::new();
    let (t1, _t2) = script.two();
    let _ = t1.commit();
}
