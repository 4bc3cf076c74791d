//! How a coordinator run ends for a tool: the report printed in the chosen
//! format, optionally written as JUnit XML, and the exit code it earns.

use crate::exit_code;
use clap::ValueEnum;
use std::path::Path;
use test_rig::{ErrorClass, RunReport, StateError};

/// How a tool prints its result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Lines for a person at a terminal.
    Human,
    /// One JSON document on standard output.
    Json,
}

/// Where a run's report goes besides stdout.
#[derive(Debug, Clone, Copy, Default)]
pub struct Files<'a> {
    /// `--junit`.
    pub junit: Option<&'a Path>,
    /// `--html`, with the workflows' (name, Mermaid) for its diagram.
    pub html: Option<(&'a Path, &'a [(&'a str, &'a str)])>,
}

/// Prints `report`, writes the JUnit file and HTML page if asked, and
/// returns the exit code.
pub fn emit_with(tool: &str, report: &RunReport, format: OutputFormat, files: Files<'_>) -> u8 {
    if let Some((path, diagrams)) = files.html {
        let page = || crate::run_page::run_page(tool, report, diagrams, "");
        if let Err(code) = write_html(tool, Some(path), page) {
            return code;
        }
    }
    emit(tool, report, format, files.junit)
}

/// Prints `report`, writes the JUnit file if asked, and returns the exit code.
pub fn emit(tool: &str, report: &RunReport, format: OutputFormat, junit: Option<&Path>) -> u8 {
    match format {
        OutputFormat::Human => out_raw!("{}", report.to_human()),
        OutputFormat::Json => out!("{}", report.to_json()),
    }
    if let Err(code) = write_junit(tool, junit, || report.to_junit(tool)) {
        return code;
    }
    // Interrupted, all passed, or the deciding class of failure
    // (see `test_rig::verdict::deciding_class`).
    exit_code::for_verdict(test_rig::Judged::verdict(report))
}

/// Writes the JUnit document `xml` makes to `path`, if one was asked for;
/// a file that cannot be written is a usage error (exit 2), named.
pub fn write_junit(
    tool: &str,
    path: Option<&Path>,
    xml: impl FnOnce() -> String,
) -> Result<(), u8> {
    write_output(tool, "JUnit report", path, xml)
}

/// [`write_junit`] for the `--html` page.
pub fn write_html(
    tool: &str,
    path: Option<&Path>,
    html: impl FnOnce() -> String,
) -> Result<(), u8> {
    write_output(tool, "HTML page", path, html)
}

/// Writes what `content` makes to `path`, if given; names `what` and the
/// path when it cannot (exit 2).
fn write_output(
    tool: &str,
    what: &str,
    path: Option<&Path>,
    content: impl FnOnce() -> String,
) -> Result<(), u8> {
    let Some(path) = path else { return Ok(()) };
    std::fs::write(path, content()).map_err(|e| {
        err!(
            "{tool}: error: cannot write {what} `{}`: {e}",
            path.display()
        );
        exit_code::USAGE
    })
}

/// Checks before a run that the `--html` page can be written.
pub fn check_html_path(tool: &str, html: Option<&Path>) -> Result<(), u8> {
    check_writable(tool, "HTML page", html)
}

/// A run that ended in `error` before it had a report: the error on stderr
/// (with `hint` after it), and with `--format json` a document on stdout as
/// well, so that a JSON reader always gets one. Gives the exit code.
pub fn fail(tool: &str, format: OutputFormat, error: &StateError, hint: &str) -> u8 {
    let message = format!("{error}{hint}");
    fail_with(tool, format, error.class(), &message, error.server_code())
}

/// A run interrupted (Ctrl-C, SIGTERM) while `doing`, before it had a
/// report: reported as [`fail`] does, exit 130.
pub fn interrupted(tool: &str, format: OutputFormat, doing: &str) -> u8 {
    let message = format!("interrupted while {doing}");
    fail_with(tool, format, ErrorClass::Cancelled, &message, None)
}

/// [`fail`] for an error known only by its class and message; the exit
/// code is the class's.
pub fn fail_with(
    tool: &str,
    format: OutputFormat,
    class: ErrorClass,
    message: &str,
    server_code: Option<u16>,
) -> u8 {
    let exit = exit_code::for_class(class);
    err!("{tool}: error: {message}");
    if format == OutputFormat::Json {
        let outcome = if class == ErrorClass::Cancelled {
            "interrupted"
        } else {
            "failed"
        };
        let doc = serde_json::json!({
            "tool": tool,
            "outcome": outcome,
            "exit_code": exit,
            "error": { "class": class, "message": message, "code": server_code },
        });
        match serde_json::to_string_pretty(&doc) {
            Ok(text) => out!("{text}"),
            Err(e) => err!("{tool}: error: cannot render JSON: {e}"),
        }
    }
    write_failure_files(tool, class, message);
    exit
}

/// The `--junit` and `--html` paths of this run, for a run that fails
/// before it has a report (see [`remember_files`]).
static FILES: std::sync::OnceLock<(Option<std::path::PathBuf>, Option<std::path::PathBuf>)> =
    std::sync::OnceLock::new();

/// Records where `--junit` and `--html` go, so that a run that fails before
/// its report (a server down, a wrong password, an interrupted connect)
/// still leaves a JUnit file with one errored test case and a page saying
/// why: a CI reporter then finds the failure, not a missing file. Call it
/// once, when the arguments are parsed.
pub fn remember_files(junit: Option<&Path>, html: Option<&Path>) {
    let _ = FILES.set((junit.map(Path::to_path_buf), html.map(Path::to_path_buf)));
}

fn write_failure_files(tool: &str, class: ErrorClass, message: &str) {
    let Some((junit, html)) = FILES.get() else {
        return;
    };
    if let Some(path) = junit {
        use test_rig::junit;
        let mut suite = junit::suite(
            tool,
            std::time::SystemTime::now(),
            std::time::Duration::ZERO,
        );
        let mut status = if class == ErrorClass::Cancelled {
            junit::error(message, "")
        } else {
            junit::failure(message, "")
        };
        status.set_type(class.as_str());
        suite.add_test_case(junit::case(&junit::classname(&[tool]), "run", None, status));
        // Best effort: the error is already on stderr, and this may be the
        // very path that could not be written.
        let _ = std::fs::write(path, junit::document(suite));
    }
    if let Some(path) = html {
        let body = format!(
            "<p class=\"failure\">The run ended before it had a report ({}): {}</p>\n",
            class.as_str(),
            crate::html::escape(message)
        );
        let _ = std::fs::write(path, crate::html::page(tool, &body));
    }
}

/// Checks before a run that the JUnit file can be written, so that a bad
/// path is a usage error at once rather than after the whole run. Opens it
/// for appending, which creates it if missing and changes nothing else.
pub fn check_junit_path(tool: &str, junit: Option<&Path>) -> Result<(), u8> {
    check_writable(tool, "JUnit report", junit)
}

/// [`check_junit_path`] for any output file, named `what` in the error.
pub fn check_writable(tool: &str, what: &str, path: Option<&Path>) -> Result<(), u8> {
    let Some(path) = path else {
        return Ok(());
    };
    std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(path)
        .map(drop)
        .map_err(|e| {
            err!(
                "{tool}: error: cannot write {what} `{}`: {e}",
                path.display()
            );
            exit_code::USAGE
        })
}
