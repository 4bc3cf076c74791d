// Every step consumes the handle: the old one cannot be used to issue a
// statement beside the pending one.
use test_rig::isolation::Script;

fn main() {
    let _ = Script::two(|t1, _t2| {
        let t1 = t1.begin();
        let pending = t1.exec("update {t} set value = 11 where id = 1");
        let _ = t1.exec("update {t} set value = 12 where id = 1");
        let _ = pending.done();
    });
}
