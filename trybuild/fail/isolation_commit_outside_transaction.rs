// COMMIT exists only inside a transaction: an Idle session has nothing to commit.
use test_rig::isolation::Script;

fn main() {
    let _ = Script::two(|t1, _t2| {
        let _ = t1.commit();
    });
}
