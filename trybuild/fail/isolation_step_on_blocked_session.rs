// A statement that may block leaves its session Pending: the script must
// collect it with .done() before giving that session another statement.
use test_rig::isolation::Script;

fn main() {
    let _ = Script::two(|t1, _t2| {
        let t1 = t1.begin().exec("update {t} set value = 11 where id = 1");
        let _ = t1.exec("update {t} set value = 12 where id = 2");
    });
}
