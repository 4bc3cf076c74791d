//! (tests only) Reads a result table as the `mysql` client prints it, the
//! form TiDB's documentation shows its output in, into rows keyed by
//! lower-case column name, as the job sources see them; `NULL` is absent.

use crate::jobs::model::RowMap;

/// The rows of the first table in `text`; lines starting with `#` (the
/// fixture's note on its source) and `+` (borders) are skipped.
pub(crate) fn rows(text: &str) -> Vec<RowMap> {
    let cells = |line: &str| -> Vec<String> {
        let inner = line.trim().trim_start_matches('|').trim_end_matches('|');
        inner.split('|').map(|c| c.trim().to_string()).collect()
    };
    let mut lines = text
        .lines()
        .filter(|l| l.trim_start().starts_with('|'))
        .map(cells);
    let Some(header) = lines.next() else {
        return Vec::new();
    };
    lines
        .map(|values| {
            assert_eq!(values.len(), header.len(), "a row as wide as the header");
            header
                .iter()
                .zip(values)
                .map(|(k, v)| (k.to_ascii_lowercase(), Some(v).filter(|v| v != "NULL")))
                .collect()
        })
        .collect()
}
