//! Hermitage's scripts as the catalogue transcribes them (`hermitage/*.txt`,
//! one file per test): `#` lines name the source and, after the script,
//! give the reason for an adaptation; `[hermitage]` starts the script as
//! published, statement for statement with its `-- T1` comments; an
//! optional `[as run]` starts the order the catalogue runs instead.
//!
//! Statements are compared after [`normalize`]: the `set ... isolation
//! level` part of a `begin` line is dropped (the runner sets each cell's
//! level), PostgreSQL's `abort` reads as `rollback`, case and spacing are
//! folded.

/// One statement of a transcribed script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// 1 for T1, 2 for T2, 3 for T3; `None` where Hermitage says "either".
    pub session: Option<usize>,
    /// The statement, normalized.
    pub statement: String,
    /// The line as Hermitage prints it.
    pub text: &'static str,
}

/// A parsed transcription.
#[derive(Debug, Clone, Default)]
pub struct Transcript {
    /// The `#` lines before the script: where it comes from.
    pub source: Vec<&'static str>,
    /// The script as published.
    pub hermitage: Vec<Line>,
    /// The `#` lines after the script: why the catalogue runs another order.
    pub adaptation: Vec<&'static str>,
    /// The order the catalogue runs, where it differs.
    pub as_run: Option<Vec<Line>>,
}

/// Folds a statement for comparison (see the module docs).
pub fn normalize(statement: &str) -> String {
    let parts: Vec<String> = statement
        .split(';')
        .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
        .map(|p| p.to_ascii_lowercase())
        .filter(|p| !p.is_empty() && !p.contains("isolation level"))
        .map(|p| if p == "abort" { "rollback".into() } else { p })
        .collect();
    parts.join("; ")
}

fn parse_line(text: &'static str) -> Option<Line> {
    let (statement, comment) = text.split_once("--")?;
    let tag: String = comment
        .trim_start()
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect();
    let session = match tag.to_ascii_lowercase().as_str() {
        "either" => None,
        t => Some(t.strip_prefix('t')?.parse().ok()?),
    };
    Some(Line {
        session,
        statement: normalize(statement),
        text,
    })
}

enum Part {
    Source,
    Hermitage,
    Adaptation,
    AsRun,
}

impl Transcript {
    /// Parses a transcription. Lines that are neither comments nor
    /// statements with a session tag are ignored; the unit tests over the
    /// catalogue catch a transcription that parses to nothing.
    pub fn parse(text: &'static str) -> Transcript {
        let mut t = Transcript::default();
        let mut part = Part::Source;
        for raw in text.lines() {
            let line = raw.trim();
            if line.is_empty() {
                continue;
            }
            if line == "[hermitage]" {
                part = Part::Hermitage;
                continue;
            }
            if line == "[as run]" {
                part = Part::AsRun;
                t.as_run = Some(Vec::new());
                continue;
            }
            if let Some(comment) = line.strip_prefix('#') {
                let comment = comment.trim();
                match part {
                    Part::Source => t.source.push(comment),
                    _ => {
                        part = Part::Adaptation;
                        t.adaptation.push(comment);
                    }
                }
                continue;
            }
            let Some(parsed) = parse_line(raw) else {
                continue;
            };
            match (&part, t.as_run.as_mut()) {
                (Part::AsRun, Some(run)) => run.push(parsed),
                _ => t.hermitage.push(parsed),
            }
        }
        t
    }

    /// Checks that the `[as run]` order holds Hermitage's statements and
    /// nothing else: the same (session, statement) pairs, reordered, where
    /// a transaction's end may be COMMIT instead of Hermitage's ROLLBACK
    /// (the runner sends it as ROLLBACK when the server aborted).
    pub fn check_adaptation(&self) -> Result<(), String> {
        let Some(as_run) = &self.as_run else {
            return Ok(());
        };
        let key = |l: &Line| {
            let s = if l.statement == "rollback" {
                "commit".to_string()
            } else {
                l.statement.clone()
            };
            (l.session, s)
        };
        let mut published: Vec<_> = self.hermitage.iter().map(key).collect();
        let mut adapted: Vec<_> = as_run.iter().map(key).collect();
        published.sort();
        adapted.sort();
        if published == adapted {
            Ok(())
        } else {
            Err(format!(
                "[as run] is not a reordering of Hermitage's statements: {adapted:?} against {published:?}"
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_sessions_statements_and_sections() {
        let t = Transcript::parse(
            "# from somewhere\n[hermitage]\n\
             set session transaction isolation level serializable; begin; -- T1\n\
             select *  from test; -- T2. Shows 1 => 10\n\
             abort; -- T1. failed\n\
             select * from test; -- either\n\
             # reordered because\n[as run]\nbegin; -- T1\n",
        );
        assert_eq!(t.source, ["from somewhere"]);
        let got: Vec<_> = t
            .hermitage
            .iter()
            .map(|l| (l.session, l.statement.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (Some(1), "begin"),
                (Some(2), "select * from test"),
                (Some(1), "rollback"),
                (None, "select * from test"),
            ]
        );
        assert_eq!(t.adaptation, ["reordered because"]);
        assert_eq!(t.as_run.as_ref().map(Vec::len), Some(1));
        assert!(t.check_adaptation().is_err(), "statements were dropped");
    }

    #[test]
    fn an_adaptation_may_reorder_and_commit_but_not_change_statements() {
        let ok = Transcript::parse(
            "[hermitage]\nupdate a; -- T1\nrollback; -- T1\ncommit; -- T2\n\
             # why\n[as run]\ncommit; -- T2\nupdate a; -- T1\ncommit; -- T1\n",
        );
        assert_eq!(ok.check_adaptation(), Ok(()));
        let changed =
            Transcript::parse("[hermitage]\nupdate a; -- T1\n# why\n[as run]\nupdate b; -- T1\n");
        assert!(changed.check_adaptation().is_err());
        let moved =
            Transcript::parse("[hermitage]\nupdate a; -- T1\n# why\n[as run]\nupdate a; -- T2\n");
        assert!(moved.check_adaptation().is_err());
    }
}
