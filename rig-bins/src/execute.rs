//! `basic -e SQL`: one statement run after the checks, its result kept as
//! text cells and shown as the mysql client shows it (a bordered table, or
//! "Query OK, N rows affected"), or as JSON.

use mysql_async::prelude::Queryable;
use mysql_async::Value;
use serde::Serialize;
use test_rig::text_table::{Style, TextTable};
use test_rig::{Session, StateError};

/// What the statement gave.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StatementResult {
    /// The statement as given.
    pub statement: String,
    /// The result set's column names (empty for a statement without one).
    pub columns: Vec<String>,
    /// Its rows, each cell as text (`null` for SQL NULL).
    pub rows: Vec<Vec<Option<String>>>,
    /// Rows changed, for a statement without a result set.
    pub affected_rows: u64,
}

/// A value as the mysql client prints it.
pub fn cell(value: &Value) -> Option<String> {
    Some(match value {
        Value::NULL => return None,
        Value::Bytes(b) => String::from_utf8_lossy(b).into_owned(),
        Value::Int(i) => i.to_string(),
        Value::UInt(u) => u.to_string(),
        Value::Float(f) => f.to_string(),
        Value::Double(d) => d.to_string(),
        Value::Date(y, mo, d, h, mi, s, us) => {
            let mut t = format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}");
            if *us > 0 {
                t.push_str(&format!(".{us:06}"));
            }
            t
        }
        Value::Time(negative, days, h, mi, s, us) => {
            let hours = u64::from(*days) * 24 + u64::from(*h);
            let mut t = format!(
                "{}{hours:02}:{mi:02}:{s:02}",
                if *negative { "-" } else { "" }
            );
            if *us > 0 {
                t.push_str(&format!(".{us:06}"));
            }
            t
        }
    })
}

/// Runs `sql` on `session` and keeps what it returned.
pub async fn execute(session: &mut Session, sql: &str) -> Result<StatementResult, StateError> {
    let conn = session.driver()?;
    let mut result = conn
        .query_iter(sql)
        .await
        .map_err(StateError::from_driver)?;
    let columns: Vec<String> = result
        .columns()
        .map(|cols| cols.iter().map(|c| c.name_str().into_owned()).collect())
        .unwrap_or_default();
    let rows: Vec<mysql_async::Row> = result.collect().await.map_err(StateError::from_driver)?;
    let affected_rows = result.affected_rows();
    Ok(StatementResult {
        statement: sql.to_string(),
        columns,
        rows: rows
            .iter()
            .map(|row| {
                (0..row.len())
                    .map(|i| row.as_ref(i).and_then(cell))
                    .collect()
            })
            .collect(),
        affected_rows,
    })
}

/// The result as the mysql client prints it.
pub fn table(result: &StatementResult) -> String {
    if result.columns.is_empty() {
        let s = if result.affected_rows == 1 { "" } else { "s" };
        return format!("Query OK, {} row{s} affected\n", result.affected_rows);
    }
    let mut table = TextTable::new(result.columns.iter().cloned());
    for row in &result.rows {
        table.row(
            row.iter()
                .map(|c| c.clone().unwrap_or_else(|| "NULL".into())),
        );
    }
    let mut out = table.render(Style::Bordered);
    let n = result.rows.len();
    out.push_str(&format!(
        "{n} row{} in set\n",
        if n == 1 { "" } else { "s" }
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_result_set_is_a_bordered_table_and_a_change_says_how_many_rows() {
        let r = StatementResult {
            statement: "SELECT".into(),
            columns: vec!["id".into(), "name".into()],
            rows: vec![
                vec![Some("1".into()), Some("Zoë".into())],
                vec![Some("22".into()), None],
            ],
            affected_rows: 0,
        };
        assert_eq!(
            table(&r),
            "+----+------+\n| id | name |\n+----+------+\n| 1  | Zoë  |\n| 22 | NULL |\n+----+------+\n2 rows in set\n"
        );
        let change = StatementResult {
            columns: vec![],
            rows: vec![],
            affected_rows: 1,
            ..r
        };
        assert_eq!(table(&change), "Query OK, 1 row affected\n");
    }

    #[test]
    fn values_print_as_the_mysql_client_prints_them() {
        assert_eq!(cell(&Value::NULL), None);
        assert_eq!(cell(&Value::Int(-3)).unwrap(), "-3");
        assert_eq!(
            cell(&Value::Date(2026, 11, 30, 5, 6, 7, 0)).unwrap(),
            "2026-11-30 05:06:07"
        );
        assert_eq!(
            cell(&Value::Date(2026, 1, 2, 0, 0, 0, 5)).unwrap(),
            "2026-01-02 00:00:00.000005"
        );
        assert_eq!(
            cell(&Value::Time(true, 1, 2, 3, 4, 0)).unwrap(),
            "-26:03:04"
        );
        assert_eq!(cell(&Value::Bytes(b"abc".to_vec())).unwrap(), "abc");
    }
}
