//! A load statement: the user's SQL with `{participant}` and `{iteration}`
//! turned into `?` parameters (bound, never spliced into the text), and a
//! file of such statements split at the `;` that end them.
//!
//! Quotes and comments are read as MySQL reads them ('…', "…" and `…`
//! quoting, backslash escapes in the first two, `#`, `-- ` and `/* */`
//! comments), so a `;` or a placeholder inside them is left alone. A
//! placeholder inside a quoted string would be a parameter inside a
//! literal, which the server does not bind: it is refused, as is a `?` of
//! the user's own, which would take a parameter meant for another.

use std::fmt;

/// A value bound to a statement's parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placeholder {
    /// `{participant}`: the connection's number, 1 to N.
    Participant,
    /// `{iteration}`: the connection's pass over the statements, from 1.
    Iteration,
}

/// A statement ready to run: its SQL with `?` for each placeholder, and
/// what each `?` is bound to, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadStatement {
    /// The statement as the user wrote it.
    pub text: String,
    /// The statement sent to the server.
    pub sql: String,
    /// The value of each `?` of `sql`, in order.
    pub params: Vec<Placeholder>,
}

/// Why a statement cannot be run as given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StatementError {
    /// Nothing but blanks and comments.
    #[error("statement {index} is empty")]
    Empty {
        /// 1-based position among the statements.
        index: usize,
    },
    /// A placeholder inside a quoted string or identifier.
    #[error("statement {index}: `{placeholder}` is inside quotes; write it bare (`WHERE id = {placeholder}`): it is bound as a parameter, never pasted into the text")]
    QuotedPlaceholder {
        /// 1-based position among the statements.
        index: usize,
        /// The placeholder.
        placeholder: String,
    },
    /// A `?` of the user's own.
    #[error("statement {index} has a `?` parameter of its own; only {{participant}} and {{iteration}} are bound")]
    OwnParameter {
        /// 1-based position among the statements.
        index: usize,
    },
    /// A quote or comment still open at the end.
    #[error("statement {index}: a {what} is not closed")]
    Unclosed {
        /// 1-based position among the statements.
        index: usize,
        /// `quoted string`, `quoted identifier` or `comment`.
        what: &'static str,
    },
}

/// What the scanner is inside of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Region {
    Code,
    Quote(char),
    LineComment,
    BlockComment,
}

impl Region {
    fn unclosed(self) -> Option<&'static str> {
        match self {
            Region::Code | Region::LineComment => None,
            Region::Quote('`') => Some("quoted identifier"),
            Region::Quote(_) => Some("quoted string"),
            Region::BlockComment => Some("comment"),
        }
    }
}

/// Calls `each(region, byte offset, char)` for every character of `text`,
/// with the region it is in (the opening and closing characters of a quote
/// or comment count as inside it); gives the region at the end.
fn scan(text: &str, mut each: impl FnMut(Region, usize, char)) -> Region {
    let mut region = Region::Code;
    let mut chars = text.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        let next = chars.peek().map(|(_, n)| *n);
        match region {
            Region::Code => match c {
                '\'' | '"' | '`' => region = Region::Quote(c),
                '#' => region = Region::LineComment,
                '-' if next == Some('-') && text[at + 2..].starts_with([' ', '\t', '\n']) => {
                    region = Region::LineComment
                }
                '/' if next == Some('*') => region = Region::BlockComment,
                _ => {}
            },
            Region::Quote(q) => {
                if c == '\\' && q != '`' {
                    each(region, at, c);
                    if let Some((escaped_at, escaped)) = chars.next() {
                        each(region, escaped_at, escaped);
                    }
                    continue;
                }
                if c == q {
                    each(region, at, c);
                    region = Region::Code;
                    continue;
                }
            }
            Region::LineComment => {
                if c == '\n' {
                    region = Region::Code;
                }
            }
            Region::BlockComment => {
                if c == '*' && next == Some('/') {
                    each(region, at, c);
                    if let Some((end_at, end)) = chars.next() {
                        each(region, end_at, end);
                    }
                    region = Region::Code;
                    continue;
                }
            }
        }
        each(region, at, c);
    }
    region
}

const PLACEHOLDERS: [(&str, Placeholder); 2] = [
    ("{participant}", Placeholder::Participant),
    ("{iteration}", Placeholder::Iteration),
];

impl LoadStatement {
    /// Reads statement number `index` (1-based, for messages).
    pub fn parse(text: &str, index: usize) -> Result<LoadStatement, StatementError> {
        let mut regions = Vec::with_capacity(text.len());
        let end = scan(text, |region, at, c| regions.push((at, c, region)));
        if let Some(what) = end.unclosed() {
            return Err(StatementError::Unclosed { index, what });
        }
        if regions.iter().all(|(_, c, r)| {
            c.is_whitespace() || matches!(r, Region::LineComment | Region::BlockComment)
        }) {
            return Err(StatementError::Empty { index });
        }
        let mut sql = String::with_capacity(text.len());
        let mut params = Vec::new();
        let mut skip_to = 0;
        for &(at, c, region) in &regions {
            if at < skip_to {
                continue;
            }
            let placeholder = PLACEHOLDERS
                .iter()
                .find(|(name, _)| c == '{' && text[at..].starts_with(name));
            match (placeholder, region) {
                (Some((name, value)), Region::Code) => {
                    sql.push('?');
                    params.push(*value);
                    skip_to = at + name.len();
                }
                (Some((name, _)), Region::Quote(_)) => {
                    return Err(StatementError::QuotedPlaceholder {
                        index,
                        placeholder: name.to_string(),
                    })
                }
                _ if c == '?' && region == Region::Code => {
                    return Err(StatementError::OwnParameter { index })
                }
                _ => sql.push(c),
            }
        }
        Ok(LoadStatement {
            text: text.trim().to_string(),
            sql: sql.trim().to_string(),
            params,
        })
    }
}

impl fmt::Display for LoadStatement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// The statements of a file: split at each `;` outside quotes and
/// comments; pieces holding only blanks and comments are dropped.
pub fn split_statements(text: &str) -> Vec<String> {
    let mut cuts = Vec::new();
    scan(text, |region, at, c| {
        if region == Region::Code && c == ';' {
            cuts.push(at);
        }
    });
    let mut pieces = Vec::new();
    let mut from = 0;
    for cut in cuts.into_iter().chain(std::iter::once(text.len())) {
        let piece = &text[from..cut];
        from = (cut + 1).min(text.len());
        let mut meaningful = false;
        scan(piece, |region, _, c| {
            meaningful |= region != Region::LineComment
                && region != Region::BlockComment
                && !c.is_whitespace();
        });
        if meaningful {
            pieces.push(piece.trim().to_string());
        }
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;
    use Placeholder::*;

    fn parse(text: &str) -> Result<LoadStatement, StatementError> {
        LoadStatement::parse(text, 1)
    }

    #[test]
    fn placeholders_become_parameters_in_order() {
        let s =
            parse("INSERT INTO t (c, i, again) VALUES ({participant}, {iteration}, {participant})")
                .unwrap();
        assert_eq!(s.sql, "INSERT INTO t (c, i, again) VALUES (?, ?, ?)");
        assert_eq!(s.params, [Participant, Iteration, Participant]);
        let plain = parse("  SELECT 1 ").unwrap();
        assert_eq!((plain.sql.as_str(), plain.params.len()), ("SELECT 1", 0));
        // Shown as the user wrote it.
        assert_eq!(
            s.to_string(),
            "INSERT INTO t (c, i, again) VALUES ({participant}, {iteration}, {participant})"
        );
        // A slash alone divides; only `/*` opens a comment.
        let s = parse("SELECT 4/2, {iteration} / 1").unwrap();
        assert_eq!(s.sql, "SELECT 4/2, ? / 1");
    }

    #[test]
    fn braces_that_are_not_placeholders_stay() {
        let s = parse("SELECT JSON_EXTRACT('{\"a\": 1}', '$.a'), {iteration}").unwrap();
        assert_eq!(s.sql, "SELECT JSON_EXTRACT('{\"a\": 1}', '$.a'), ?");
        assert_eq!(parse("SELECT {participants}").unwrap().params, []);
    }

    #[test]
    fn a_placeholder_in_quotes_is_refused_and_in_a_comment_ignored() {
        for quoted in [
            "SELECT '{participant}'",
            "SELECT \"x{iteration}\"",
            "SELECT `{iteration}`",
            "SELECT 'it\\'s {iteration}'",
        ] {
            assert!(
                matches!(parse(quoted), Err(StatementError::QuotedPlaceholder { .. })),
                "{quoted}"
            );
        }
        let s = parse("SELECT 1 /* {participant} */ -- {iteration}\n, 2 # {iteration}").unwrap();
        assert_eq!(s.params, []);
        assert!(s.sql.contains("/* {participant} */"));
        // `--` without a blank after it is two minus signs, not a comment.
        let s = parse("SELECT 5--{iteration}").unwrap();
        assert_eq!(
            (s.sql.as_str(), s.params.as_slice()),
            ("SELECT 5--?", &[Iteration][..])
        );
    }

    /// MySQL's quoting: a backslash escapes in '…' and "…" but not in a
    /// backtick identifier, and a doubled quote stays inside the string.
    #[test]
    fn quotes_end_where_mysql_ends_them() {
        // The backslash is part of the identifier `x\`, which ends there.
        let s = parse("SELECT 1 AS `x\\`, {iteration}").unwrap();
        assert_eq!(s.params, [Iteration]);
        // In a string it escapes the quote: the placeholder is still inside.
        for inside in ["SELECT \"a\\\"{iteration}\"", "SELECT 'it''s {iteration}'"] {
            assert!(
                matches!(parse(inside), Err(StatementError::QuotedPlaceholder { .. })),
                "{inside}"
            );
        }
        let s = parse("SELECT 'a''b', {participant} /* x */ /* y */, {iteration}").unwrap();
        assert_eq!(s.params, [Participant, Iteration]);
        // A comment ends at the end of its line, and code goes on.
        let s = parse("SELECT 1 # note\n, {iteration}\n-- again\n, {participant}").unwrap();
        assert_eq!(s.params, [Iteration, Participant]);
    }

    #[test]
    fn a_question_mark_of_the_users_own_is_refused_unless_quoted() {
        assert_eq!(
            parse("SELECT * FROM t WHERE id = ?"),
            Err(StatementError::OwnParameter { index: 1 })
        );
        assert!(parse("SELECT 'why?' , `a?` -- what?\n").is_ok());
        let e = StatementError::OwnParameter { index: 3 }.to_string();
        assert_eq!(
            e,
            "statement 3 has a `?` parameter of its own; only {participant} and {iteration} are bound"
        );
    }

    #[test]
    fn empty_and_unclosed_statements_are_named() {
        assert_eq!(
            parse("  -- nothing\n"),
            Err(StatementError::Empty { index: 1 })
        );
        assert_eq!(
            parse("SELECT 'open"),
            Err(StatementError::Unclosed {
                index: 1,
                what: "quoted string"
            })
        );
        assert_eq!(
            parse("SELECT 1 /* open"),
            Err(StatementError::Unclosed {
                index: 1,
                what: "comment"
            })
        );
        assert_eq!(
            parse("SELECT `open"),
            Err(StatementError::Unclosed {
                index: 1,
                what: "quoted identifier"
            })
        );
    }

    #[test]
    fn a_file_splits_at_semicolons_outside_quotes_and_comments() {
        let file = "-- setup\nBEGIN;\nUPDATE t SET v = 'a;b' WHERE id = {participant}; /* ; */\n\
                    INSERT INTO log VALUES (\"x;y\", {iteration})  ;\n# the end;\nCOMMIT\n;\n  ";
        assert_eq!(
            split_statements(file),
            [
                "-- setup\nBEGIN",
                "UPDATE t SET v = 'a;b' WHERE id = {participant}",
                "/* ; */\nINSERT INTO log VALUES (\"x;y\", {iteration})",
                "# the end;\nCOMMIT",
            ]
        );
        assert!(split_statements("  ;; -- only comments\n").is_empty());
        assert_eq!(split_statements("SELECT 1"), ["SELECT 1"]);
    }
}
