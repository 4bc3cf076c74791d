//! Finding a server when the user named none: TiDB's default port first,
//! then MySQL's, recognising a MySQL-protocol server by its greeting (the
//! library's probe, `test_rig::preflight::speaks_mysql`).

use std::time::Duration;

/// Where to look, in order, with a label for messages.
pub const CANDIDATES: &[(&str, u16, &str)] = &[
    ("127.0.0.1", 4000, "TiDB's default port"),
    ("127.0.0.1", 3306, "MySQL's and MariaDB's default port"),
];

pub use test_rig::preflight::speaks_mysql;

/// The first candidate that answers, with a sentence saying what was tried.
pub async fn detect(limit: Duration) -> Option<(&'static str, u16, String)> {
    let mut tried = Vec::new();
    for &(host, port, label) in CANDIDATES {
        if speaks_mysql(host, port, limit).await {
            let mut note = format!("no target given: using {host}:{port} ({label})");
            if !tried.is_empty() {
                note.push_str(&format!("; no server at {}", tried.join(", ")));
            }
            return Some((host, port, note));
        }
        tried.push(format!("{host}:{port} ({label})"));
    }
    None
}

/// The sentence for when no candidate answered.
pub fn nothing_found() -> String {
    let tried: Vec<String> = CANDIDATES
        .iter()
        .map(|(h, p, label)| format!("{h}:{p} ({label})"))
        .collect();
    format!(
        "no target given and no server answers at {}; pass --url or --host/--port",
        tried.join(" or ")
    )
}
