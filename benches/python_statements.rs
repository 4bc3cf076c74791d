//! What a statement costs from a Python step (feature `python`): the same
//! `SELECT 1` loop run by a Python plugin through `cx.query` and by Rust on
//! a `Session`, against the test server, alternating rounds. Prints the
//! medians and the extra cost per statement.
//!
//! `cargo bench --features python --bench python_statements [-- STATEMENTS]`
//! (default 5000 per round, 7 rounds)

mod common;

use std::time::{Duration, Instant};
use test_rig::common_states;
use test_rig::prelude::*;
use test_rig::python::PythonPlugin;

const ROUNDS: usize = 7;

fn plugin(statements: usize) -> PythonPlugin {
    let path = std::env::temp_dir().join(format!("rig-bench-python-{}.py", std::process::id()));
    std::fs::write(
        &path,
        format!(
            "from test_rig import READY, step, terminal\nterminal('Done')\n\
             @step(READY, 'Done')\ndef loop(cx):\n    for _ in range({statements}):\n        \
             assert cx.query('SELECT 1') == [(1,)]\n"
        ),
    )
    .expect("temp dir is writable");
    PythonPlugin::load(&path).expect("the bench plugin loads")
}

async fn python_round(plugin: &PythonPlugin, config: &ConnectionConfig) -> Duration {
    let cx = common_states::WORKFLOW
        .run(StateContext::new("bench", config.clone()))
        .await
        .expect("the server answers");
    let started = Instant::now();
    plugin.run(cx).await.expect("the plugin passes");
    started.elapsed()
}

async fn rust_round(statements: usize, config: &ConnectionConfig) -> Duration {
    let mut session = Session::connect(config).await.expect("the server answers");
    let started = Instant::now();
    for _ in 0..statements {
        let one: Option<i64> = session.query_first("SELECT 1").await.unwrap();
        assert_eq!(one, Some(1));
    }
    started.elapsed()
}

#[tokio::main]
async fn main() {
    let statements = common::number_arg(5000);
    let config = ConnectionConfig::for_tests().expect("TEST_RIG_URL");
    let plugin = plugin(statements);
    let (mut python, mut rust) = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        python.push(python_round(&plugin, &config).await);
        rust.push(rust_round(statements, &config).await);
    }
    let per = |d: Duration| d.as_secs_f64() * 1e6 / statements as f64;
    let (p, r) = (per(common::median(python)), per(common::median(rust)));
    println!("{statements} x SELECT 1, median of {ROUNDS} rounds");
    println!("  Rust Session::query_first : {r:.1} µs per statement");
    println!("  Python cx.query           : {p:.1} µs per statement");
    println!("  extra per Python statement: {:.1} µs", p - r);
}
