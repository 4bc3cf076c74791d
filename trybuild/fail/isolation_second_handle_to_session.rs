// A session has exactly one handle: it cannot be cloned, so no statement can
// be sent on T1 while T1's previous one is still pending.
use test_rig::isolation::Script;

fn main() {
    let _ = Script::two(|t1, _t2| {
        let again = t1.clone();
        let pending = t1.begin().exec("update {t} set value = 11 where id = 1");
        let _ = again.exec("update {t} set value = 12 where id = 1");
        let _ = pending.done();
    });
}
