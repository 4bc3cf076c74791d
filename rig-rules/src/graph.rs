//! The shape of a workflow's graph: which states its steps reach from the
//! initial one, and which states are unreachable, dead ends, or can never
//! finish. States are numbered in declaration order; a step is an edge from
//! the state it leaves to the states it may reach.

/// A step as the checks see it: the state it leaves, the states it may reach.
pub type Edge<'a> = (usize, &'a [usize]);

/// What is wrong with a state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    /// No chain of steps leads to it from the initial state.
    Unreachable,
    /// Reached, not terminal, and no step leaves it.
    DeadEnd,
    /// Reached and left, but no chain of steps leads from it to a terminal state.
    NeverFinishes,
}

/// Which of `states` states a chain of `edges` reaches from `initial`
/// (`initial` included).
pub fn reached(states: usize, initial: usize, edges: &[Edge<'_>]) -> Vec<bool> {
    let mut reached = vec![false; states];
    let mut stack = vec![initial];
    while let Some(s) = stack.pop() {
        if s < states && !std::mem::replace(&mut reached[s], true) {
            for (from, to) in edges {
                if *from == s {
                    stack.extend(to.iter().copied());
                }
            }
        }
    }
    reached
}

/// Which states a chain of `edges` leads from to a terminal one (the
/// terminal states included), found backwards from them.
pub fn finishing(terminal: &[bool], edges: &[Edge<'_>]) -> Vec<bool> {
    let mut finishes = terminal.to_vec();
    let mut changed = true;
    while changed {
        changed = false;
        for (from, to) in edges {
            if !finishes[*from] && to.iter().any(|t| finishes[*t]) {
                finishes[*from] = true;
                changed = true;
            }
        }
    }
    finishes
}

/// Each state's problem, in state order: unreachable from `initial`, else a
/// dead end, else it can never finish. `terminal[i]` says whether state `i`
/// is terminal (its length is the number of states); a state with no
/// problem is left out.
pub fn problems(initial: usize, terminal: &[bool], edges: &[Edge<'_>]) -> Vec<(usize, Problem)> {
    let reached = reached(terminal.len(), initial, edges);
    let finishes = finishing(terminal, edges);
    (0..terminal.len())
        .filter_map(|i| {
            let problem = if !reached[i] {
                Problem::Unreachable
            } else if !terminal[i] && !edges.iter().any(|(from, _)| *from == i) {
                Problem::DeadEnd
            } else if !finishes[i] {
                Problem::NeverFinishes
            } else {
                return None;
            };
            Some((i, problem))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_well_formed_workflow_has_no_problem() {
        // 0 -> 1 -> 1 | 2, 2 terminal: a loop that can end.
        let edges: &[Edge] = &[(0, &[1]), (1, &[1, 2])];
        assert_eq!(problems(0, &[false, false, true], edges), vec![]);
        assert_eq!(reached(3, 0, edges), vec![true, true, true]);
    }

    #[test]
    fn each_problem_is_found_and_only_the_first_per_state() {
        // 0 -> 1 | 3; 1 -> 1 (a loop with no way out); 2 unreachable and
        // terminal; 3 a dead end. 0 cannot finish either: both its ways
        // lead nowhere.
        let edges: &[Edge] = &[(0, &[1, 3]), (1, &[1])];
        assert_eq!(
            problems(0, &[false, false, true, false], edges),
            vec![
                (0, Problem::NeverFinishes),
                (1, Problem::NeverFinishes),
                (2, Problem::Unreachable),
                (3, Problem::DeadEnd),
            ]
        );
    }

    #[test]
    fn finishing_follows_chains_backwards_through_branches() {
        // 0 -> 1; 1 -> 2 | 3; 3 terminal; 2 -> 2.
        let edges: &[Edge] = &[(0, &[1]), (1, &[2, 3]), (2, &[2])];
        assert_eq!(
            finishing(&[false, false, false, true], edges),
            vec![true, true, false, true]
        );
    }

    #[test]
    fn a_target_past_the_last_state_is_ignored_not_a_panic() {
        assert_eq!(reached(2, 0, &[(0, &[2])]), vec![true, false]);
    }

    #[test]
    fn an_unreachable_state_is_not_also_a_dead_end() {
        let edges: &[Edge] = &[(0, &[2])];
        assert_eq!(
            problems(0, &[false, false, true], edges),
            vec![(1, Problem::Unreachable)]
        );
    }
}
