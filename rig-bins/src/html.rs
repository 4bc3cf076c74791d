//! Self-contained HTML pages (`--html FILE`): the page shell with its
//! inline style, text escaping and the colours every picture uses. A page
//! loads nothing from the network, so it opens on a machine offline or
//! as a CI artifact.

use std::fmt::Write as _;

/// Beyond this many bars a timeline draws only those that did not succeed
/// (failed, unknown, a witness): a page of millions of bars would not open.
pub const MAX_BARS: usize = 50_000;

/// `text` escaped for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    quick_xml::escape::escape(text).into_owned()
}

/// The fill of a transaction or step by how it ended: committed, failed,
/// unknown, never completed.
pub fn outcome_colour(outcome: &str) -> &'static str {
    match outcome {
        "ok" | "passed" => "#2e7d32",
        "fail" | "failed" => "#c62828",
        "info" | "interrupted" => "#ef6c00",
        _ => "#9e9e9e",
    }
}

const STYLE: &str = "\
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}\
h1{font-size:1.3em}h2{font-size:1.1em;margin-top:1.6em}\
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 8px;text-align:left}\
.valid{color:#2e7d32}.invalid{color:#c62828}.unknown{color:#ef6c00}\
svg text{font:11px system-ui,sans-serif}\
.witness{stroke:#000;stroke-width:2}\
pre{background:#f6f6f6;padding:6px;white-space:pre-wrap}\
.legend span{display:inline-block;width:12px;height:12px;margin:0 4px 0 12px;vertical-align:middle}";

/// A whole page: `title` in the head and as the heading, then `body`.
pub fn page(title: &str, body: &str) -> String {
    let mut out = String::with_capacity(body.len() + 1024);
    let title = escape(title);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <title>{title}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<h1>{title}</h1>\n{body}</body>\n</html>\n"
    );
    out
}

/// The colour key of [`outcome_colour`], with the word used for each.
pub fn legend(entries: &[(&str, &str)]) -> String {
    let mut out = String::from("<p class=\"legend\">");
    for (outcome, label) in entries {
        let _ = write!(
            out,
            "<span style=\"background:{}\"></span>{}",
            outcome_colour(outcome),
            escape(label)
        );
    }
    out.push_str("</p>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_escapes_its_title_and_needs_no_network() {
        let html = page("a <b> & c", "<p>x</p>\n");
        assert!(html.starts_with("<!DOCTYPE html>"));
        assert!(html.contains("<title>a &lt;b&gt; &amp; c</title>"));
        assert!(html.contains("<h1>a &lt;b&gt; &amp; c</h1>\n<p>x</p>"));
        assert!(!html.contains("http"), "{html}");
    }

    #[test]
    fn each_outcome_has_its_own_colour() {
        let colours = ["ok", "fail", "info", "invoke"].map(outcome_colour);
        for (i, a) in colours.iter().enumerate() {
            for b in &colours[i + 1..] {
                assert_ne!(a, b);
            }
        }
        assert_eq!(outcome_colour("passed"), outcome_colour("ok"));
        assert_eq!(outcome_colour("failed"), outcome_colour("fail"));
    }
}
