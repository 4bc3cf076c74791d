//! Transactions as spans of time: each invocation paired with the
//! completion of the same process, for pictures of a run.

use super::{OpType, Outline};

/// One transaction, from its invocation to its completion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span<'h> {
    /// The process that ran it.
    pub process: u64,
    /// Where its session was, when recorded.
    pub node: Option<&'h str>,
    /// Invoked, in nanoseconds since the run began.
    pub start: u64,
    /// Completed; `None` when the history ends before it did.
    pub end: Option<u64>,
    /// How it ended: `ok`, `fail` or `info`; `invoke` when it never did.
    pub outcome: OpType,
    /// The position of its completion in the history (the checker's
    /// `T<index>`), or of its invocation when it never completed.
    pub index: usize,
}

/// Pairs each invocation in `outline` with the next completion of its
/// process (a process runs one transaction at a time), in the order of
/// invocation. Operations without a time are left out: they cannot be
/// placed.
pub fn spans<'h>(outline: &[Outline<'h>]) -> Vec<Span<'h>> {
    let mut spans: Vec<Span<'h>> = Vec::new();
    let mut open: std::collections::HashMap<u64, usize> = std::collections::HashMap::new();
    for (index, op) in outline.iter().enumerate() {
        let Some(time) = op.time else { continue };
        if op.kind == OpType::Invoke {
            open.insert(op.process, spans.len());
            spans.push(Span {
                process: op.process,
                node: op.node,
                start: time,
                end: None,
                outcome: OpType::Invoke,
                index,
            });
        } else if let Some(at) = open.remove(&op.process) {
            let span = &mut spans[at];
            span.end = Some(time);
            span.outcome = op.kind;
            span.index = index;
            span.node = span.node.or(op.node);
        }
    }
    spans
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(process: u64, kind: OpType, time: Option<u64>) -> Outline<'static> {
        Outline {
            process,
            kind,
            time,
            node: Some("n1"),
        }
    }

    #[test]
    fn each_invocation_is_paired_with_its_own_process_completion() {
        let outline = [
            op(0, OpType::Invoke, Some(10)),
            op(1, OpType::Invoke, Some(12)),
            op(1, OpType::Fail, Some(15)),
            op(0, OpType::Ok, Some(20)),
            op(0, OpType::Invoke, Some(21)),
            op(2, OpType::Ok, Some(22)),
            op(3, OpType::Invoke, None),
        ];
        let got: Vec<(u64, u64, Option<u64>, OpType, usize)> = spans(&outline)
            .iter()
            .map(|s| (s.process, s.start, s.end, s.outcome, s.index))
            .collect();
        assert_eq!(
            got,
            [
                (0, 10, Some(20), OpType::Ok, 3),
                (1, 12, Some(15), OpType::Fail, 2),
                // Still running when the history ends.
                (0, 21, None, OpType::Invoke, 4),
            ]
        );
    }
}
