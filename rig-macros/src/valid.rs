//! Macro-time checks of a workflow: step signatures, state names and the
//! shape of the graph. Every independent mistake is reported, each spanned on
//! the token that causes it.

use crate::ast::{Role, StateDecl, Workflow};
use crate::attr::Errors;
use crate::names::{
    decision_ident, marker_ident, outcome_ident, plain, GENERATED_TYPES, GENERATED_VALUES,
    HANDLE_METHODS,
};
use std::collections::HashMap;
use syn::spanned::Spanned;
use syn::{FnArg, Ident, ReturnType, Type};

/// The checked graph: state and step indices that the expansion relies on.
pub(crate) struct Graph {
    pub(crate) initial: usize,
    /// For each step, the index of its source state and of each target state.
    pub(crate) edges: Vec<(usize, Vec<usize>)>,
}

fn state_list(states: &[StateDecl]) -> String {
    states
        .iter()
        .map(|s| format!("`{}`", s.ident))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The state a misspelt name most likely means: two edits away at most.
fn closest_state(ident: &Ident, states: &[StateDecl]) -> Option<usize> {
    let names: Vec<String> = states.iter().map(|s| s.ident.to_string()).collect();
    test_rig_rules::closest(&ident.to_string(), names.iter().map(String::as_str))
}

fn unknown_state(ident: &Ident, step: &Ident, wf: &Workflow) -> syn::Error {
    let states = &wf.states;
    if wf.non_unit_structs.iter().any(|s| s == ident) {
        return syn::Error::new(
            ident.span(),
            format!(
                "`{ident}` in step `{}` is a struct with fields, not a state: states are unit structs (`pub struct {ident};`); keep step data in the context",
                plain(step)
            ),
        );
    }
    let hint = closest_state(ident, states)
        .map(|i| format!(" (did you mean `{}`?)", states[i].ident))
        .unwrap_or_default();
    syn::Error::new(
        ident.span(),
        format!(
            "unknown state `{ident}` in step `{}`{hint}; the states of this workflow are {}",
            plain(step),
            state_list(states)
        ),
    )
}

/// What a step or cleanup function must look like; `returns` is the
/// `Result` it must return, as the messages spell it.
fn check_signature(
    kind: &str,
    sig: &syn::Signature,
    decision: Option<&Ident>,
    errors: &mut Errors,
) {
    let name = plain(&sig.ident);
    let shape = match decision {
        Some(d) => format!("`async fn {name}(cx: &mut StateContext) -> Result<{d}, StateError>`"),
        None => format!("`async fn {name}(cx: &mut StateContext) -> Result<(), StateError>`"),
    };
    if sig.asyncness.is_none() {
        errors.push(syn::Error::new(
            sig.fn_token.span(),
            format!(
                "{kind} `{name}` must be an `async fn`: steps talk to the server and run on tokio"
            ),
        ));
    }
    if let Some(token) = &sig.unsafety {
        errors.push(syn::Error::new(
            token.span(),
            format!("{kind} `{name}` cannot be `unsafe`: it must be {shape}"),
        ));
    }
    if let Some(token) = &sig.constness {
        errors.push(syn::Error::new(
            token.span(),
            format!("{kind} `{name}` cannot be `const`: it must be {shape}"),
        ));
    }
    if let Some(abi) = &sig.abi {
        errors.push(syn::Error::new(
            abi.span(),
            format!("{kind} `{name}` cannot declare an ABI: it must be {shape}"),
        ));
    }
    if let Some(variadic) = &sig.variadic {
        errors.push(syn::Error::new(
            variadic.span(),
            format!("{kind} `{name}` cannot be variadic: it must be {shape}"),
        ));
    }
    // Lifetimes are fine (`async fn f<'a>(cx: &'a mut StateContext)`); types
    // and consts would leave the macro nothing to call.
    for param in &sig.generics.params {
        if !matches!(param, syn::GenericParam::Lifetime(_)) {
            errors.push(syn::Error::new(
                param.span(),
                format!("{kind} `{name}` cannot have type or const parameters: it must be {shape}"),
            ));
        }
    }
    let expected =
        format!("{kind} `{name}` takes exactly one argument, the context: it must be {shape}");
    let args: Vec<&FnArg> = sig.inputs.iter().collect();
    match args.as_slice() {
        [FnArg::Typed(pat)] => match &*pat.ty {
            Type::Reference(r) if r.mutability.is_some() => {
                if let Type::Path(p) = &*r.elem {
                    let last = p.path.segments.last().map(|s| s.ident.to_string());
                    if last.as_deref() != Some("StateContext") {
                        errors.push(syn::Error::new(r.elem.span(), expected));
                    }
                } else {
                    errors.push(syn::Error::new(r.elem.span(), expected));
                }
            }
            other => errors.push(syn::Error::new(other.span(), expected)),
        },
        [FnArg::Receiver(r)] => errors.push(syn::Error::new(r.span(), expected)),
        [] => errors.push(syn::Error::new(sig.paren_token.span.join(), expected)),
        [_, extra, ..] => errors.push(syn::Error::new(extra.span(), expected)),
    }
    check_return(kind, sig, decision, &shape, errors);
}

/// The return type, as far as it can be read without resolving names: a
/// `Result<T, E>` whose `T` is wrong, or a type that is no path at all, is
/// reported here on the type; an alias is left to the compiler.
fn check_return(
    kind: &str,
    sig: &syn::Signature,
    decision: Option<&Ident>,
    shape: &str,
    errors: &mut Errors,
) {
    let name = plain(&sig.ident);
    let ty = match &sig.output {
        ReturnType::Default => {
            errors.push(syn::Error::new(
                sig.ident.span(),
                format!("{kind} `{name}` returns nothing: it must be {shape}"),
            ));
            return;
        }
        ReturnType::Type(_, ty) => ty,
    };
    let wrong = || {
        syn::Error::new(
            ty.span(),
            format!("{kind} `{name}` returns the wrong type: it must be {shape}"),
        )
    };
    let Type::Path(path) = &**ty else {
        errors.push(wrong());
        return;
    };
    let Some(last) = path.path.segments.last() else {
        return;
    };
    if last.ident != "Result" {
        // An alias of the right `Result` is left to the compiler; a type
        // that can never be one is reported now, with the other mistakes.
        const NEVER_RESULT: &[&str] = &[
            "bool", "char", "str", "String", "Option", "Vec", "Box", "u8", "u16", "u32", "u64",
            "u128", "usize", "i8", "i16", "i32", "i64", "i128", "isize", "f32", "f64",
        ];
        if NEVER_RESULT.iter().any(|t| last.ident == t) {
            errors.push(wrong());
        }
        return;
    }
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        errors.push(wrong());
        return;
    };
    let Some(syn::GenericArgument::Type(ok)) = args.args.first() else {
        errors.push(wrong());
        return;
    };
    let fits = match (decision, ok) {
        (None, Type::Tuple(t)) => t.elems.is_empty(),
        (Some(d), Type::Path(p)) => p.path.segments.last().is_some_and(|s| s.ident == *d),
        _ => false,
    };
    if !fits {
        errors.push(syn::Error::new(
            ok.span(),
            format!("{kind} `{name}` returns the wrong type: it must be {shape}"),
        ));
    }
}

/// Every name the expansion adds to the user's module, and what adds it.
fn generated_names(wf: &Workflow) -> Vec<(String, String)> {
    let mut names: Vec<(String, String)> = GENERATED_TYPES
        .iter()
        .chain(GENERATED_VALUES)
        .map(|n| (n.to_string(), "the macro's generated items".to_string()))
        .collect();
    for step in &wf.steps {
        let of = format!("step `{}`", plain(step.ident()));
        names.push((
            marker_ident(step.ident()).to_string(),
            format!("the marker trait of {of}"),
        ));
        if step.is_branching() {
            names.push((
                decision_ident(step.ident()).to_string(),
                format!("the decision enum of {of}"),
            ));
            names.push((
                outcome_ident(step.ident()).to_string(),
                format!("the branch outcome of {of}"),
            ));
        }
    }
    names
}

/// Names that would collide once expanded: two steps with one name or one
/// marker, a step named like a handle method or a generated value, a state
/// or other type named like a generated type. One error each, on the
/// user's token.
fn check_collisions(wf: &Workflow, errors: &mut Errors) {
    let mut steps_seen: HashMap<String, &Ident> = HashMap::new();
    let mut markers_seen: HashMap<String, &Ident> = HashMap::new();
    for step in &wf.steps {
        let ident = step.ident();
        let name = plain(ident);
        if let Some(first) = steps_seen.insert(name.clone(), ident) {
            let mut e = syn::Error::new(
                ident.span(),
                format!("two steps are named `{name}`: each step needs its own name"),
            );
            e.combine(syn::Error::new(
                first.span(),
                format!("the first step named `{name}` is here"),
            ));
            errors.push(e);
            continue;
        }
        if HANDLE_METHODS.contains(&name.as_str()) || GENERATED_VALUES.contains(&name.as_str()) {
            errors.push(syn::Error::new(
                ident.span(),
                format!("a step cannot be named `{name}`: every workflow generates `{name}` itself (handles have {}; modules export {})",
                    HANDLE_METHODS.join(", "), GENERATED_VALUES.join(", ")),
            ));
        }
        let marker = marker_ident(ident).to_string();
        if let Some(other) = markers_seen.insert(marker.clone(), ident) {
            errors.push(syn::Error::new(
                ident.span(),
                format!(
                    "steps `{}` and `{name}` both make the marker trait `{marker}`: rename one so that their UpperCamelCase forms differ",
                    plain(other)
                ),
            ));
        }
    }
    let generated = generated_names(wf);
    let declared = wf
        .states
        .iter()
        .filter(|s| !s.imported)
        .map(|s| (&s.ident, "a state"))
        .chain(
            wf.states
                .iter()
                .filter(|s| s.imported)
                .map(|s| (&s.ident, "an imported state")),
        )
        .chain(wf.other_types.iter().map(|i| (i, "an item")));
    for (ident, what) in declared {
        let name = plain(ident);
        if let Some((_, by)) = generated.iter().find(|(n, _)| *n == name) {
            errors.push(syn::Error::new(
                ident.span(),
                format!("{what} cannot be named `{name}`: that name is taken by {by}"),
            ));
        }
    }
}

/// Runs every check and returns the graph when there was no error. The
/// graph checks run on as much of the graph as could be read: they are
/// skipped only where a step's transition did not parse or names an unknown
/// state, since they would then report what that mistake causes.
pub(crate) fn validate(wf: &Workflow) -> syn::Result<Option<Graph>> {
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
    check_collisions(wf, &mut errors);

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
    let has_terminal = states.iter().any(|s| s.role == Role::Terminal);
    if !has_terminal && !states.is_empty() {
        errors.push(syn::Error::new(
            wf.name().span(),
            format!(
                "workflow `{}` has no terminal state: mark the state(s) it ends in with #[terminal]",
                wf.name()
            ),
        ));
    }

    let mut edges = Vec::new();
    // What the graph checks may claim, given names that did not resolve: a
    // misspelt name stands for the state it most likely means; a name with
    // no likely meaning could be any state.
    let mut graph = Certainty {
        targets_known: wf.steps_complete,
        sources_known: wf.steps_complete,
        has_terminal,
    };
    let mut leaving: HashMap<usize, &Ident> = HashMap::new();
    for step in &wf.steps {
        let decision = step.is_branching().then(|| decision_ident(step.ident()));
        check_signature("step", &step.func.sig, decision.as_ref(), &mut errors);
        let name = step.ident();
        let mut from = index.get(&step.args.from.to_string()).copied();
        if from.is_none() {
            errors.push(unknown_state(&step.args.from, name, wf));
            from = closest_state(&step.args.from, states);
            if from.is_none() {
                // The step's edge is missing from the graph: neither the
                // state it was to leave nor those it leads to can be judged.
                graph.sources_known = false;
                graph.targets_known = false;
            }
        }
        let mut to = Vec::new();
        for (k, t) in step.args.to.iter().enumerate() {
            if step.args.to[..k].contains(t) {
                errors.push(syn::Error::new(
                    t.span(),
                    format!("step `{}` names target state `{t}` twice", plain(name)),
                ));
            }
            match index.get(&t.to_string()) {
                Some(&i) => to.push(i),
                None => {
                    errors.push(unknown_state(t, name, wf));
                    match closest_state(t, states) {
                        Some(i) => to.push(i),
                        None => graph.targets_known = false,
                    }
                }
            }
        }
        let resolved = index.get(&step.args.from.to_string()).copied();
        if let Some(f) = resolved {
            if states[f].role == Role::Terminal {
                errors.push(syn::Error::new(
                    step.args.from.span(),
                    format!(
                        "step `{}` leaves terminal state `{}`: a terminal state ends the workflow",
                        plain(name),
                        states[f].ident
                    ),
                ));
            }
            if let Some(other) = leaving.insert(f, name) {
                errors.push(syn::Error::new(
                    step.args.from.span(),
                    format!(
                        "state `{}` already has step `{}` leaving it: a state has one step out; to choose between targets, make one branching step `{} -> A | B`",
                        states[f].ident, plain(other), states[f].ident
                    ),
                ));
            }
        } else if let Some(f) = from {
            // A misspelt source: assumed for the graph, blamed on nothing.
            leaving.entry(f).or_insert(name);
        }
        if let Some(f) = from {
            // With a target unresolved the graph is incomplete, which
            // `Certainty` accounts for; the expansion only ever sees a
            // graph whose every name resolved.
            edges.push((f, to));
        }
    }
    if let Some(cleanup) = &wf.cleanup {
        check_signature("cleanup function", &cleanup.sig, None, &mut errors);
    }

    match initials.as_slice() {
        [initial] => {
            let initial = index[&initial.ident.to_string()];
            check_reachability(wf, initial, &edges, &graph, &mut errors);
            errors.finish()?;
            Ok(Some(Graph { initial, edges }))
        }
        _ => errors.finish().map(|()| None),
    }
}

/// Which graph claims the names that did resolve can support.
struct Certainty {
    /// Every step's targets and sources are known: "unreachable" and "can
    /// never finish" cannot be caused by a target, or a whole step (its
    /// source unread), missing from the graph.
    targets_known: bool,
    /// Every step's source is known: "dead end" cannot be caused by a step
    /// whose source the macro could not read.
    sources_known: bool,
    /// With no terminal state, every last state is a dead end that cannot
    /// finish: the missing #[terminal] is the one error to report.
    has_terminal: bool,
}

fn check_reachability(
    wf: &Workflow,
    initial: usize,
    edges: &[(usize, Vec<usize>)],
    graph: &Certainty,
    errors: &mut Errors,
) {
    use test_rig_rules::graph::{problems, Problem};
    let states = &wf.states;
    let terminal: Vec<bool> = states.iter().map(|s| s.role == Role::Terminal).collect();
    let edges: Vec<_> = edges.iter().map(|(f, to)| (*f, to.as_slice())).collect();
    for (i, problem) in problems(initial, &terminal, &edges) {
        let s = &states[i];
        // A second state of one name is reported as a duplicate, not again here.
        if states[..i].iter().any(|earlier| earlier.ident == s.ident) {
            continue;
        }
        let message = match problem {
            Problem::Unreachable if graph.targets_known => format!(
                "state `{}` is unreachable: no chain of steps leads to it from the initial state `{}`",
                s.ident, states[initial].ident
            ),
            Problem::DeadEnd if graph.sources_known && graph.has_terminal => format!(
                "state `{}` is a dead end: no step leaves it and it is not #[terminal]",
                s.ident
            ),
            Problem::NeverFinishes if graph.has_terminal && graph.targets_known => format!(
                "state `{}` can never finish: no chain of steps leads from it to a #[terminal] state",
                s.ident
            ),
            _ => continue,
        };
        errors.push(syn::Error::new(s.ident.span(), message));
    }
}
