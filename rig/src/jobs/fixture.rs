//! (tests only) Reads result tables as the `mysql` client prints them, the
//! form TiDB's documentation shows its output in, into rows keyed by
//! lower-case column name, as the job sources see them; `NULL` is absent.

use crate::jobs::model::RowMap;

fn cells(line: &str) -> Vec<String> {
    let inner = line.trim().trim_start_matches('|');
    inner.split('|').map(|c| c.trim().to_string()).collect()
}

fn is_border(line: &str) -> bool {
    line.trim_start().starts_with('+')
}

/// The rows of every table in `text`, in order. A table is a border, a
/// header line, a border, its rows and a border; other lines (the
/// fixture's note on its source, `1 row in set`) are skipped. Cells past
/// the header's width must be stray border text, as some pages have.
pub(crate) fn rows(text: &str) -> Vec<RowMap> {
    let lines: Vec<&str> = text.lines().collect();
    let mut header: Vec<String> = Vec::new();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if !line.trim_start().starts_with('|') {
            continue;
        }
        let opens_table = i >= 1
            && is_border(lines[i - 1])
            && (i < 2 || !lines[i - 2].trim_start().starts_with('|'));
        let mut values = cells(line);
        if opens_table {
            values.retain(|v| !v.is_empty());
            header = values;
            continue;
        }
        let extra = values.split_off(header.len().min(values.len()));
        assert!(
            extra
                .iter()
                .all(|c| c.chars().all(|ch| matches!(ch, '+' | '-' | ' '))),
            "cells past the header are border text: {extra:?}"
        );
        assert_eq!(values.len(), header.len(), "a row as wide as its header");
        out.push(
            header
                .iter()
                .zip(values)
                .map(|(k, v)| (k.to_ascii_lowercase(), Some(v).filter(|v| v != "NULL")))
                .collect(),
        );
    }
    out
}
