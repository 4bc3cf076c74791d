//! Macro-time checks of a workflow: step signatures, state names and the
//! shape of the graph. Every independent mistake is reported, each spanned on
//! the token that causes it.

use crate::ast::{Role, StateDecl, StepDecl, Workflow};
use crate::attr::Errors;
use std::collections::HashMap;
use syn::spanned::Spanned;
use syn::{FnArg, Ident, ReturnType, Type};

/// The checked graph: state and step indices that the expansion relies on.
pub(crate) struct Graph {
    pub(crate) initial: usize,
    /// For each step, the index of its source state and of each target state.
    pub(crate) edges: Vec<(usize, Vec<usize>)>,
}

/// Levenshtein distance, for "did you mean" hints.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

fn state_list(states: &[StateDecl]) -> String {
    states
        .iter()
        .map(|s| format!("`{}`", s.ident))
        .collect::<Vec<_>>()
        .join(", ")
}

fn unknown_state(ident: &Ident, step: &Ident, states: &[StateDecl]) -> syn::Error {
    let name = ident.to_string();
    let hint = states
        .iter()
        .map(|s| (distance(&name, &s.ident.to_string()), &s.ident))
        .filter(|(d, _)| *d <= 2)
        .min_by_key(|(d, _)| *d)
        .map(|(_, s)| format!(" (did you mean `{s}`?)"))
        .unwrap_or_default();
    syn::Error::new(
        ident.span(),
        format!(
            "unknown state `{ident}` in step `{step}`{hint}; the states of this workflow are {}",
            state_list(states)
        ),
    )
}

fn check_signature(step: &StepDecl, errors: &mut Errors) {
    let sig = &step.func.sig;
    let name = &sig.ident;
    if sig.asyncness.is_none() {
        errors.push(syn::Error::new(
            sig.fn_token.span(),
            format!(
                "step `{name}` must be an `async fn`: steps talk to the server and run on tokio"
            ),
        ));
    }
    if !sig.generics.params.is_empty() {
        errors.push(syn::Error::new(
            sig.generics.span(),
            format!("step `{name}` cannot be generic"),
        ));
    }
    let expected = "a step takes exactly one argument, the context: `cx: &mut StateContext`";
    let args: Vec<&FnArg> = sig.inputs.iter().collect();
    match args.as_slice() {
        [FnArg::Typed(pat)] => {
            if !matches!(&*pat.ty, Type::Reference(r) if r.mutability.is_some()) {
                errors.push(syn::Error::new(pat.ty.span(), expected));
            }
        }
        [FnArg::Receiver(r)] => errors.push(syn::Error::new(r.span(), expected)),
        [] => errors.push(syn::Error::new(sig.paren_token.span.join(), expected)),
        [_, extra, ..] => errors.push(syn::Error::new(extra.span(), expected)),
    }
    if let ReturnType::Default = sig.output {
        let what = if step.is_branching() {
            let decision = crate::expand::decision_ident(name);
            format!("`Result<{decision}, StateError>`, naming the state it moved to")
        } else {
            "`Result<(), StateError>`".to_string()
        };
        errors.push(syn::Error::new(
            sig.ident.span(),
            format!("step `{name}` must return {what}"),
        ));
    }
}

/// Runs every check and returns the graph when there was no error.
/// `steps_complete` is false when a step's arguments did not parse: the graph
/// then lacks that step, and checking its shape would only add false errors.
pub(crate) fn validate(wf: &Workflow, steps_complete: bool) -> syn::Result<Option<Graph>> {
    let mut errors = Errors::default();
    let states = &wf.states;
    let mut index: HashMap<String, usize> = HashMap::new();
    for (i, s) in states.iter().enumerate() {
        if let Some(&first) = index.get(&s.ident.to_string()) {
            errors.push(syn::Error::new(
                s.ident.span(),
                format!(
                    "duplicate state `{}`: it is already declared (state #{} of this workflow)",
                    s.ident,
                    first + 1
                ),
            ));
        } else {
            index.insert(s.ident.to_string(), i);
        }
    }

    let initials: Vec<&StateDecl> = states.iter().filter(|s| s.role == Role::Initial).collect();
    match initials.as_slice() {
        [] => errors.push(syn::Error::new(
            wf.name().span(),
            format!(
                "workflow `{}` has no initial state: mark the state it starts in with #[initial]",
                wf.name()
            ),
        )),
        [_] => {}
        [first, rest @ ..] => {
            for s in rest {
                errors.push(syn::Error::new(
                    s.ident.span(),
                    format!(
                        "workflow `{}` has two initial states, `{}` and `{}`: a workflow starts in exactly one",
                        wf.name(),
                        first.ident,
                        s.ident
                    ),
                ));
            }
        }
    }
    if !states.iter().any(|s| s.role == Role::Terminal) && !states.is_empty() {
        errors.push(syn::Error::new(
            wf.name().span(),
            format!(
                "workflow `{}` has no terminal state: mark the state(s) it ends in with #[terminal]",
                wf.name()
            ),
        ));
    }

    let mut edges = Vec::new();
    let mut leaving: HashMap<usize, &Ident> = HashMap::new();
    for step in &wf.steps {
        check_signature(step, &mut errors);
        let name = step.ident();
        let from = index.get(&step.args.from.to_string()).copied();
        if from.is_none() {
            errors.push(unknown_state(&step.args.from, name, states));
        }
        let mut to = Vec::new();
        for (k, t) in step.args.to.iter().enumerate() {
            if step.args.to[..k].contains(t) {
                errors.push(syn::Error::new(
                    t.span(),
                    format!("step `{name}` names target state `{t}` twice"),
                ));
            }
            match index.get(&t.to_string()) {
                Some(&i) => to.push(i),
                None => errors.push(unknown_state(t, name, states)),
            }
        }
        if let Some(f) = from {
            if states[f].role == Role::Terminal {
                errors.push(syn::Error::new(
                    step.args.from.span(),
                    format!(
                        "step `{name}` leaves terminal state `{}`: a terminal state ends the workflow",
                        states[f].ident
                    ),
                ));
            }
            if let Some(other) = leaving.insert(f, name) {
                errors.push(syn::Error::new(
                    step.args.from.span(),
                    format!(
                        "state `{}` already has step `{other}` leaving it: a state has one step out; to choose between targets, make one branching step `{} -> A | B`",
                        states[f].ident, states[f].ident
                    ),
                ));
            }
            if to.len() == step.args.to.len() {
                edges.push((f, to));
            }
        }
    }
    if let Some(cleanup) = &wf.cleanup {
        let sig = &cleanup.sig;
        if sig.asyncness.is_none() || sig.inputs.len() != 1 {
            errors.push(syn::Error::new(
                sig.ident.span(),
                "a #[cleanup] function is `async fn name(cx: &mut StateContext) -> Result<(), StateError>`",
            ));
        }
    }

    // Reachability is only meaningful once every name resolves.
    match (errors.is_empty() && steps_complete, initials.as_slice()) {
        (true, [initial]) => {
            let initial = index[&initial.ident.to_string()];
            check_reachability(wf, initial, &edges, &leaving, &mut errors);
            errors.finish()?;
            Ok(Some(Graph { initial, edges }))
        }
        _ => errors.finish().map(|()| None),
    }
}

fn check_reachability(
    wf: &Workflow,
    initial: usize,
    edges: &[(usize, Vec<usize>)],
    leaving: &HashMap<usize, &Ident>,
    errors: &mut Errors,
) {
    let states = &wf.states;
    let n = states.len();
    let mut reached = vec![false; n];
    let mut stack = vec![initial];
    while let Some(s) = stack.pop() {
        if std::mem::replace(&mut reached[s], true) {
            continue;
        }
        for (from, to) in edges {
            if *from == s {
                stack.extend(to.iter().copied());
            }
        }
    }
    // States from which a terminal state can be reached, found backwards.
    let mut finishes: Vec<bool> = states.iter().map(|s| s.role == Role::Terminal).collect();
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
    for (i, s) in states.iter().enumerate() {
        if !reached[i] {
            errors.push(syn::Error::new(
                s.ident.span(),
                format!(
                    "state `{}` is unreachable: no chain of steps leads to it from the initial state `{}`",
                    s.ident, states[initial].ident
                ),
            ));
        } else if s.role != Role::Terminal && !leaving.contains_key(&i) {
            errors.push(syn::Error::new(
                s.ident.span(),
                format!(
                    "state `{}` is a dead end: no step leaves it and it is not #[terminal]",
                    s.ident
                ),
            ));
        } else if !finishes[i] {
            errors.push(syn::Error::new(
                s.ident.span(),
                format!(
                    "state `{}` can never finish: no chain of steps leads from it to a #[terminal] state",
                    s.ident
                ),
            ));
        }
    }
}
