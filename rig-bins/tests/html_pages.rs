//! Every tool's `--html` page, from real runs against the test server,
//! opened in headless Chromium (`scripts/browser` installs Debian's
//! package; `TEST_RIG_BROWSER` names it): the page loads with no script
//! error, needs no network, and the DOM the browser built holds what the
//! run did (a lane per participant, a bar per step attempt, a grid cell
//! and an interleaving per isolation cell, the state diagrams).
#![cfg(feature = "python")]

mod common;
use common::*;

use std::path::{Path, PathBuf};
use std::process::Command;

fn browser() -> String {
    std::env::var("TEST_RIG_BROWSER").unwrap_or_else(|_| "chromium".into())
}

/// The DOM headless Chromium built from the page at `path` (with
/// `fragment` after `#`, if any); fails the test on a script error.
fn dom(path: &Path, fragment: &str) -> String {
    let url = format!("file://{}{fragment}", path.display());
    let out = Command::new(browser())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--enable-logging=stderr",
            "--v=0",
            "--dump-dom",
            &url,
        ])
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "headless Chromium ({}) must run for the HTML tests ({e}): scripts/test installs it with scripts/browser",
                browser()
            )
        });
    let (dom, log) = text(&out);
    assert!(out.status.success(), "chromium failed: {log}");
    for bad in ["Uncaught", "CONSOLE", "net::ERR"] {
        assert!(!log.contains(bad), "the page logged `{bad}`: {log}");
    }
    assert!(dom.contains("</html>"), "no document: {dom}");
    dom
}

/// Runs `tool` with `args` and `--html` into `dir`; the page's path.
fn page(tool: &str, dir: &Path, name: &str, args: &[&str]) -> PathBuf {
    let path = dir.join(format!("{name}.html"));
    let out = common::tool(tool)
        .args(args)
        .args(["--html", path.to_str().unwrap()])
        .output()
        .expect("the tool runs");
    let raw = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{name}: no page ({e}): {}", stderr(&out)));
    assert!(!raw.contains("<script"), "{name}: the page runs no script");
    assert!(
        !raw.contains("http://") && !raw.contains("https://"),
        "{name}: the page loads nothing"
    );
    path
}

fn count(dom: &str, needle: &str) -> usize {
    dom.matches(needle).count()
}

#[test]
fn basic_shows_its_checks_on_a_timeline_and_its_workflow() {
    let dir = scratch_dir("html-basic");
    let url = server_url();
    let passed = dom(
        &page(env!("CARGO_BIN_EXE_basic"), &dir, "ok", &["--url", &url]),
        "",
    );
    assert_eq!(count(&passed, "class=\"lane\""), 1);
    // The five checks, each a passed attempt.
    assert_eq!(count(&passed, "class=\"bar ok\""), 5, "{passed}");
    assert_eq!(count(&passed, "<g class=\"state\">"), 6);
    assert!(passed.contains(">MariaDB "), "{passed}");
    let down = format!("mysql://root@127.0.0.1:{}/test", closed_port());
    let failed = dom(
        &page(env!("CARGO_BIN_EXE_basic"), &dir, "down", &["--url", &down]),
        "",
    );
    assert_eq!(count(&failed, "class=\"bar fail\""), 1, "{failed}");
    assert!(failed.contains("connection refused"), "{failed}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn simple_multi_connection_has_a_lane_per_connection_and_a_bar_per_step() {
    let dir = scratch_dir("html-multi");
    let url = server_url();
    let args = ["--url", url.as_str(), "-n", "3", "--iterations", "2"];
    let d = dom(
        &page(
            env!("CARGO_BIN_EXE_simple_multi_connection"),
            &dir,
            "multi",
            &args,
        ),
        "",
    );
    assert_eq!(count(&d, "class=\"lane\""), 3);
    for name in ["conn-1", "conn-2", "conn-3"] {
        assert!(d.contains(&format!("data-name=\"{name}\"")), "{name}");
    }
    // The common workflow twice on each: 5 steps a time.
    assert_eq!(count(&d, "class=\"bar ok\""), 30, "{d}");
    assert_eq!(count(&d, "<figure>"), 1);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_load_page_has_its_figures_and_intervals() {
    let dir = scratch_dir("html-load");
    let url = server_url();
    let args = [
        "--url",
        &url,
        "-n",
        "2",
        "--sql",
        "SELECT 1",
        "--duration",
        "1500ms",
        "--report-interval",
        "500ms",
    ];
    let d = dom(
        &page(
            env!("CARGO_BIN_EXE_simple_multi_connection"),
            &dir,
            "load",
            &args,
        ),
        "",
    );
    assert!(d.contains("<table class=\"load\">"), "{d}");
    assert!(d.contains("<th>transactions</th>"));
    // Three intervals of 500 ms (and perhaps a sliver at the end): a row
    // each in the intervals table.
    let table = &d[d
        .find("<table class=\"intervals\">")
        .expect("an intervals table")..];
    let table = &table[..table.find("</table>").unwrap()];
    let intervals = count(table, "<tr><td>");
    assert!((3..=4).contains(&intervals), "{table}");
    assert_eq!(count(&d, "class=\"lane\""), 2);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn isolation_cells_link_to_their_interleavings_in_session_columns() {
    let dir = scratch_dir("html-isolation");
    let url = server_url();
    let args = [
        "--url",
        &url,
        "--tests",
        "g0,p4",
        "--levels",
        "read-committed,serializable",
    ];
    let path = page(env!("CARGO_BIN_EXE_isolation"), &dir, "matrix", &args);
    let d = dom(&path, "#cell-g0-read-committed");
    let links = count(&d, "href=\"#cell-");
    assert_eq!(links, 4);
    for id in [
        "cell-g0-read-committed",
        "cell-g0-serializable",
        "cell-p4-read-committed",
        "cell-p4-serializable",
    ] {
        assert!(d.contains(&format!("href=\"#{id}\"")), "{id}");
        assert!(
            d.contains(&format!("class=\"interleaving\" id=\"{id}\"")),
            "{id}"
        );
    }
    // G0 at READ COMMITTED: T2's write waits for T1 and resumes at its COMMIT.
    let g0 = &d[d.find("id=\"cell-g0-read-committed\"").unwrap()..];
    let g0 = &g0[..g0.find("</section>").unwrap()];
    assert!(g0.contains("<th>T1</th><th>T2</th>"), "{g0}");
    assert!(g0.contains("(blocked)"), "{g0}");
    assert!(
        g0.contains("<td>COMMIT</td><td class=\"resumed\">resumed: update test set value = 12"),
        "{g0}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn python_demo_draws_both_workflows_and_its_log() {
    let dir = scratch_dir("html-python");
    let url = server_url();
    let plugin = format!(
        "{}/../examples/plugins/bank_roles.py",
        env!("CARGO_MANIFEST_DIR")
    );
    let args = [
        "--url",
        &url,
        "--plugin",
        &plugin,
        "--roles",
        "checker=1,teller=2",
    ];
    let d = dom(
        &page(env!("CARGO_BIN_EXE_python_demo"), &dir, "roles", &args),
        "",
    );
    assert_eq!(count(&d, "<figure>"), 2);
    assert!(
        d.contains(">deposit [teller]<") && d.contains(">tally [checker]<"),
        "{d}"
    );
    assert_eq!(count(&d, "class=\"lane\""), 3);
    assert!(d.contains("2 deposits, 3 in all, as told"), "{d}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn job_monitor_puts_each_job_on_the_timeline() {
    let dir = scratch_dir("html-jobs");
    let url = server_url();
    let args = [
        "--url",
        &url,
        "--submit",
        "SELECT SLEEP(1.2)",
        "--interval",
        "100ms",
    ];
    let d = dom(
        &page(env!("CARGO_BIN_EXE_job_monitor"), &dir, "jobs", &args),
        "",
    );
    assert_eq!(count(&d, "class=\"lane\""), 1, "{d}");
    assert!(d.contains("SELECT SLEEP(1.2)"), "{d}");
    assert!(d.contains("<table class=\"jobs\">"));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn an_unwritable_page_is_refused_before_the_run() {
    for tool in [
        env!("CARGO_BIN_EXE_basic"),
        env!("CARGO_BIN_EXE_isolation"),
        env!("CARGO_BIN_EXE_job_monitor"),
        env!("CARGO_BIN_EXE_simple_multi_connection"),
    ] {
        let out = common::tool(tool)
            .args(["--url", &server_url(), "--html", "/nonexistent-dir/p.html"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{tool}");
        assert!(
            stderr(&out).contains("cannot write HTML page `/nonexistent-dir/p.html`"),
            "{tool}: {}",
            stderr(&out)
        );
    }
}
