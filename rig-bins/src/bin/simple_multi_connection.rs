//! `simple_multi_connection`: the common workflow on many connections at once.

use test_rig_bins::multi::{run, MultiArgs};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    test_rig_bins::logging::init();
    test_rig_bins::signals::listen();
    test_rig_bins::exit_code::finish(
        run(test_rig_bins::cli::parse_args::<MultiArgs>(
            "simple_multi_connection",
        ))
        .await,
    )
    .await
}
