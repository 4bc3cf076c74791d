// A handle cannot leave its script: steps taken after the script was
// recorded would go nowhere, or into a script that is already running.
use test_rig::isolation::Script;

fn main() {
    let mut kept = None;
    let _ = Script::two(|t1, _t2| {
        kept = Some(t1);
    });
    let _ = kept.map(|t1| t1.begin());
}
