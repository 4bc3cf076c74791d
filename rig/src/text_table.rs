//! Text tables for a terminal, the one writer every human report uses:
//! columns padded to their widest cell (counted in characters), either
//! plain (two spaces between columns, trailing spaces trimmed) or bordered
//! as the mysql client draws a result set.

/// How a table is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// Columns two spaces apart; no line ends in spaces.
    Plain,
    /// `+---+` borders above and below the header and below the last row,
    /// `| a |` cells: the mysql client's result sets.
    Bordered,
}

/// A table: a header, rows, and the least width of each column.
#[derive(Debug, Clone)]
pub struct TextTable {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
    min_widths: Vec<usize>,
}

impl TextTable {
    /// A table with these column names.
    pub fn new<S: Into<String>>(header: impl IntoIterator<Item = S>) -> Self {
        let header: Vec<String> = header.into_iter().map(Into::into).collect();
        let min_widths = vec![0; header.len()];
        TextTable {
            header,
            rows: Vec::new(),
            min_widths,
        }
    }

    /// Adds a row (missing cells are empty, extra ones are dropped).
    pub fn row<S: Into<String>>(&mut self, cells: impl IntoIterator<Item = S>) -> &mut Self {
        let mut row: Vec<String> = cells.into_iter().map(Into::into).collect();
        row.resize(self.header.len(), String::new());
        self.rows.push(row);
        self
    }

    /// Makes column `column` at least `width` characters wide (a layout
    /// that stays put whatever the cells hold).
    pub fn min_width(&mut self, column: usize, width: usize) -> &mut Self {
        if let Some(w) = self.min_widths.get_mut(column) {
            *w = width;
        }
        self
    }

    fn widths(&self) -> Vec<usize> {
        let mut widths = self.min_widths.clone();
        for line in std::iter::once(&self.header).chain(&self.rows) {
            for (w, cell) in widths.iter_mut().zip(line) {
                *w = (*w).max(cell.chars().count());
            }
        }
        widths
    }

    /// The table as text, one `\n`-ended line per row.
    pub fn render(&self, style: Style) -> String {
        let widths = self.widths();
        let pad = |cell: &str, width: usize| {
            format!("{cell}{}", " ".repeat(width - cell.chars().count()))
        };
        let mut out = String::new();
        match style {
            Style::Plain => {
                for line in std::iter::once(&self.header).chain(&self.rows) {
                    let cells: Vec<String> =
                        line.iter().zip(&widths).map(|(c, w)| pad(c, *w)).collect();
                    out.push_str(cells.join("  ").trim_end());
                    out.push('\n');
                }
            }
            Style::Bordered => {
                let border: String = widths
                    .iter()
                    .map(|w| format!("+{}", "-".repeat(w + 2)))
                    .collect::<String>()
                    + "+\n";
                let line = |cells: &[String]| {
                    cells
                        .iter()
                        .zip(&widths)
                        .map(|(c, w)| format!("| {} ", pad(c, *w)))
                        .collect::<String>()
                        + "|\n"
                };
                out.push_str(&border);
                out.push_str(&line(&self.header));
                out.push_str(&border);
                for row in &self.rows {
                    out.push_str(&line(row));
                }
                out.push_str(&border);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> TextTable {
        let mut t = TextTable::new(["id", "name"]);
        t.row(["1", "Ann"]).row(["22", "Élodie"]);
        t
    }

    #[test]
    fn plain_columns_are_as_wide_as_their_widest_cell_in_characters() {
        assert_eq!(
            sample().render(Style::Plain),
            "id  name\n1   Ann\n22  Élodie\n"
        );
    }

    /// The mysql client's layout (`mysql -e 'SELECT …'` at a terminal).
    #[test]
    fn bordered_is_the_mysql_clients_result_set() {
        assert_eq!(
            sample().render(Style::Bordered),
            "+----+--------+\n| id | name   |\n+----+--------+\n| 1  | Ann    |\n| 22 | Élodie |\n+----+--------+\n"
        );
    }

    #[test]
    fn a_least_width_holds_a_column_open_and_short_rows_are_filled() {
        let mut t = TextTable::new(["a", "b", "c"]);
        t.min_width(0, 4).row(["x"]);
        assert_eq!(t.render(Style::Plain), "a     b  c\nx\n");
    }
}
