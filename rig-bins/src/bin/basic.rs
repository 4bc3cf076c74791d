//! `basic`: connect, test, verify the database and report the server version.

use test_rig_bins::basic::{run, BasicArgs};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    test_rig_bins::logging::init();
    test_rig_bins::signals::listen();
    test_rig_bins::exit_code::finish(
        run(test_rig_bins::cli::parse_args::<BasicArgs>("basic")).await,
    )
    .await
}
