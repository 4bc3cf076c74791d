//! `isolation`: Hermitage's anomaly tests over real concurrent sessions.

use test_rig_bins::isolation_tool::{run, IsolationArgs};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    test_rig_bins::logging::init();
    test_rig_bins::signals::listen();
    test_rig_bins::exit_code::finish(
        run(test_rig_bins::cli::parse_args::<IsolationArgs>("isolation")).await,
    )
    .await
}
