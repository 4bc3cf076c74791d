//! What a plugin file declares (states, steps, step functions) and the
//! checks the `#[workflow]` macro makes at compile time, made here when the
//! file is loaded: unknown or duplicate states, two steps out of one state,
//! unreachable states, dead ends, missing or uncallable step functions.
//! With roles, each role's graph (its own steps and those of no role) is
//! checked as a workflow of its own, and two steps may leave one state when
//! no participant could run both.

use crate::workflow::StateRole;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use std::collections::HashMap;
use std::time::Duration;

/// The state every plugin starts in: the end of the common states.
pub(crate) const READY: &str = "Ready";

/// One declared step, resolved.
pub(crate) struct StepDecl {
    pub(crate) name: String,
    pub(crate) from: usize,
    pub(crate) to: Vec<usize>,
    pub(crate) func: Py<PyAny>,
    pub(crate) timeout: Option<Duration>,
    /// The role whose participants run it; `None`: every participant.
    pub(crate) role: Option<String>,
}

impl StepDecl {
    /// Whether a participant of `role` (`None`: a plugin without roles) runs it.
    pub(crate) fn runs_for(&self, role: Option<&str>) -> bool {
        self.role.is_none() || self.role.as_deref() == role
    }
}

/// A plugin's checked graph: `states[0]` is [`READY`].
pub(crate) struct Shape {
    pub(crate) states: Vec<(String, StateRole)>,
    /// The terminal states declared with `failure=True`.
    pub(crate) failures: Vec<String>,
    pub(crate) steps: Vec<StepDecl>,
    /// The `@cleanup` function, if any.
    pub(crate) cleanup: Option<Py<PyAny>>,
    /// The roles its steps name, sorted; empty without roles.
    pub(crate) roles: Vec<String>,
}

/// A step as api.py records it: (name, source, targets, line, function or
/// None, timeout in seconds or None, role or None).
type StepTuple = (
    String,
    String,
    Vec<String>,
    u32,
    Option<Py<PyAny>>,
    Option<f64>,
    Option<String>,
);

struct RawStep {
    name: String,
    from: String,
    to: Vec<String>,
    line: u32,
    func: Option<Py<PyAny>>,
    timeout: Option<f64>,
    role: Option<String>,
}

/// Collects every mistake with the file and line it was made on.
struct Problems<'f> {
    file: &'f str,
    list: Vec<String>,
}

impl Problems<'_> {
    fn at(&mut self, line: u32, message: String) {
        self.list.push(format!("{}:{line}: {message}", self.file));
    }
}

/// Reads the declarations left in `api` (the `test_rig` module the plugin
/// imported) after the plugin ran as `module`, and checks them.
pub(crate) fn read(
    file: &str,
    api: &Bound<'_, PyModule>,
    module: &Bound<'_, PyModule>,
) -> Result<Shape, Vec<String>> {
    let mut problems = Problems {
        file,
        list: Vec::new(),
    };
    let raw_states: Vec<(String, String, u32)> = extract(api, "_states", &mut problems);
    let raw_steps: Vec<StepTuple> = extract(api, "_steps", &mut problems);
    let cleanups: Vec<(Py<PyAny>, u32)> = extract(api, "_cleanups", &mut problems);
    if !problems.list.is_empty() {
        return Err(problems.list);
    }
    let steps: Vec<RawStep> = raw_steps
        .into_iter()
        .map(|(name, from, to, line, func, timeout, role)| RawStep {
            name,
            from,
            to,
            line,
            func,
            timeout,
            role,
        })
        .collect();

    let declared = declared_states(raw_states, &mut problems);
    let resolved = resolved_steps(steps, &declared, &module.dict(), &mut problems);
    let cleanup = checked_cleanup(api.py(), cleanups, &mut problems);
    let mut roles: Vec<String> = resolved.iter().filter_map(|d| d.role.clone()).collect();
    roles.sort();
    roles.dedup();
    if problems.list.is_empty() {
        check_roles(
            &declared.states,
            &declared.declared_at,
            &resolved,
            &roles,
            &mut problems,
        );
    }
    if problems.list.is_empty() {
        Ok(Shape {
            states: declared.states,
            failures: declared.failures,
            steps: resolved,
            cleanup,
            roles,
        })
    } else {
        Err(problems.list)
    }
}

/// The plugin's states as declared, `READY` first.
struct Declared {
    states: Vec<(String, StateRole)>,
    index: HashMap<String, usize>,
    /// The line each state is declared on (0 for `READY`).
    declared_at: Vec<u32>,
    /// The terminal states declared as failures.
    failures: Vec<String>,
}

/// Reads `terminal(…)`, `state(…)` and `failure(…)` declarations: a
/// duplicate, a redeclared `READY` and a plugin with no terminal state
/// are problems.
fn declared_states(raw: Vec<(String, String, u32)>, problems: &mut Problems<'_>) -> Declared {
    let mut states: Vec<(String, StateRole)> = vec![(READY.to_string(), StateRole::Initial)];
    let mut index: HashMap<String, usize> = HashMap::from([(READY.to_string(), 0)]);
    let mut declared_at: Vec<u32> = vec![0];
    let mut failures = Vec::new();
    for (kind, name, line) in raw {
        if name == READY {
            problems.at(
                line,
                format!("`{READY}` is declared by test-rig (the end of the common states): use test_rig.READY instead of declaring it"),
            );
        } else if let Some(&first) = index.get(&name) {
            problems.at(
                line,
                format!(
                    "duplicate state `{name}`: it is already declared on line {}",
                    declared_at[first]
                ),
            );
        } else {
            let role = match kind.as_str() {
                "terminal" => StateRole::Terminal,
                "failure" => {
                    failures.push(name.clone());
                    StateRole::Terminal
                }
                _ => StateRole::Intermediate,
            };
            index.insert(name.clone(), states.len());
            states.push((name, role));
            declared_at.push(line);
        }
    }
    if !states.iter().any(|(_, r)| *r == StateRole::Terminal) {
        problems.at(
            1,
            "the plugin declares no terminal state: declare the state(s) it ends in with terminal(\"Name\")".into(),
        );
    }
    Declared {
        states,
        index,
        declared_at,
        failures,
    }
}

/// Resolves each step's states, function and role against `declared`:
/// unknown states (with the likely one), a step declared twice, two steps
/// out of one state for one role and a missing function are problems.
fn resolved_steps(
    steps: Vec<RawStep>,
    declared: &Declared,
    globals: &Bound<'_, PyDict>,
    problems: &mut Problems<'_>,
) -> Vec<StepDecl> {
    let Declared { states, index, .. } = declared;
    let state_list = states
        .iter()
        .map(|(n, _)| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let mut resolved = Vec::new();
    let mut leaving: HashMap<usize, Vec<(String, Option<String>)>> = HashMap::new();
    let mut names: HashMap<String, u32> = HashMap::new();
    for step in steps {
        let line = step.line;
        if let Some(first) = names.insert(step.name.clone(), line) {
            problems.at(
                line,
                format!(
                    "step `{}` is declared twice (first on line {first})",
                    step.name
                ),
            );
        }
        let lookup = |state: &str, problems: &mut Problems<'_>| {
            let found = index.get(state).copied();
            if found.is_none() {
                let hint = test_rig_rules::closest(state, states.iter().map(|(n, _)| n.as_str()))
                    .map(|i| format!(" (did you mean `{}`?)", states[i].0))
                    .unwrap_or_default();
                problems.at(
                    line,
                    format!(
                        "unknown state `{state}` in step `{}`{hint}; the states of this plugin are {state_list}",
                        step.name
                    ),
                );
            }
            found
        };
        let from = lookup(&step.from, problems);
        let to: Vec<Option<usize>> = step.to.iter().map(|t| lookup(t, problems)).collect();
        if step.to.is_empty() {
            problems.at(line, format!("step `{}` names no target state", step.name));
        }
        let func = step_function(&step, globals, problems);
        if let Some(f) = from {
            if states[f].1 == StateRole::Terminal {
                problems.at(
                    line,
                    format!(
                        "step `{}` leaves terminal state `{}`: a terminal state ends the plugin",
                        step.name, states[f].0
                    ),
                );
            }
            let others = leaving.entry(f).or_default();
            // Two steps out of one state are one too many for a participant
            // that would run both: same role, or either for every role.
            let clash = others
                .iter()
                .find(|(_, role)| role.is_none() || step.role.is_none() || *role == step.role);
            if let Some((other, _)) = clash {
                problems.at(
                    line,
                    format!(
                        "state `{}` already has step `{other}` leaving it: a state has one step out (per role); to choose between targets, give one step several targets",
                        states[f].0
                    ),
                );
            }
            others.push((step.name.clone(), step.role.clone()));
        }
        if let (Some(from), Some(to), Some(func)) =
            (from, to.into_iter().collect::<Option<Vec<_>>>(), func)
        {
            resolved.push(StepDecl {
                name: step.name,
                from,
                to,
                func,
                // api.py accepts only positive finite numbers.
                timeout: step
                    .timeout
                    .and_then(|s| Duration::try_from_secs_f64(s).ok()),
                role: step.role,
            });
        }
    }
    resolved
}

/// The one `@cleanup` function, callable.
fn checked_cleanup(
    py: Python<'_>,
    cleanups: Vec<(Py<PyAny>, u32)>,
    problems: &mut Problems<'_>,
) -> Option<Py<PyAny>> {
    let mut found = None;
    for (func, line) in cleanups {
        if found.is_some() {
            problems.at(
                line,
                "a second @cleanup function: a plugin has at most one".into(),
            );
        } else if !func.bind(py).is_callable() {
            problems.at(
                line,
                "@cleanup must decorate a function taking the context".into(),
            );
        } else {
            found = Some(func);
        }
    }
    found
}

fn extract<'py, T: FromPyObject<'py>>(
    api: &Bound<'py, PyModule>,
    name: &str,
    problems: &mut Problems<'_>,
) -> Vec<T> {
    match api.getattr(name).and_then(|v| v.extract()) {
        Ok(v) => v,
        Err(e) => {
            problems.at(
                1,
                format!("test_rig.{name} was changed by the plugin and cannot be read: {e}"),
            );
            Vec::new()
        }
    }
}

/// The function a step runs: the decorated one, or the module global named
/// like the step.
fn step_function(
    step: &RawStep,
    globals: &Bound<'_, PyDict>,
    problems: &mut Problems<'_>,
) -> Option<Py<PyAny>> {
    let py = globals.py();
    let func = match &step.func {
        Some(f) => f.bind(py).clone(),
        None => match globals.get_item(&step.name) {
            Ok(Some(f)) => f,
            _ => {
                problems.at(
                    step.line,
                    format!(
                        "step `{0}` has no function: define `def {0}(cx):` in the plugin",
                        step.name
                    ),
                );
                return None;
            }
        },
    };
    if !func.is_callable() {
        let kind = func
            .get_type()
            .name()
            .map(|n| n.to_string())
            .unwrap_or_else(|_| "?".into());
        problems.at(
            step.line,
            format!(
                "step `{}` is not callable (it is a {kind}): a step is a function taking the context, `def {}(cx):`",
                step.name, step.name
            ),
        );
        return None;
    }
    Some(func.unbind())
}

/// The graph of each role (of the whole plugin without roles): a state no
/// role reaches is unreachable; in each role, a state it reaches must have
/// a step out (or be terminal) and lead to a terminal state.
fn check_roles(
    states: &[(String, StateRole)],
    declared_at: &[u32],
    steps: &[StepDecl],
    roles: &[String],
    problems: &mut Problems<'_>,
) {
    let mut reached_by_any = vec![false; states.len()];
    let each: Vec<Option<&str>> = if roles.is_empty() {
        vec![None]
    } else {
        roles.iter().map(|r| Some(r.as_str())).collect()
    };
    for role in each {
        let own: Vec<&StepDecl> = steps.iter().filter(|d| d.runs_for(role)).collect();
        let reached = check_graph(states, declared_at, &own, role, problems);
        for (any, r) in reached_by_any.iter_mut().zip(reached) {
            *any |= r;
        }
    }
    for (i, (name, _)) in states.iter().enumerate() {
        if !reached_by_any[i] {
            problems.at(
                declared_at[i].max(1),
                format!(
                    "state `{name}` is unreachable: no chain of steps leads to it from `{READY}`"
                ),
            );
        }
    }
}

/// Dead ends and states that cannot finish among those `steps` (one role's)
/// reach from [`READY`]; gives which states they reach.
fn check_graph(
    states: &[(String, StateRole)],
    declared_at: &[u32],
    steps: &[&StepDecl],
    role: Option<&str>,
    problems: &mut Problems<'_>,
) -> Vec<bool> {
    use test_rig_rules::graph::{problems as graph_problems, reached, Problem};
    let terminal: Vec<bool> = states
        .iter()
        .map(|(_, r)| *r == StateRole::Terminal)
        .collect();
    let edges: Vec<_> = steps.iter().map(|d| (d.from, d.to.as_slice())).collect();
    let for_role = role.map(|r| format!(" for role `{r}`")).unwrap_or_default();
    // Unreachable states are the caller's to judge, over every role.
    for (i, problem) in graph_problems(0, &terminal, &edges) {
        let (name, line) = (&states[i].0, declared_at[i].max(1));
        match problem {
            Problem::Unreachable => {}
            Problem::DeadEnd => problems.at(
                line,
                format!("state `{name}` is a dead end{for_role}: no step leaves it and it is not terminal"),
            ),
            Problem::NeverFinishes => problems.at(
                line,
                format!("state `{name}` can never finish{for_role}: no chain of steps leads from it to a terminal state"),
            ),
        }
    }
    reached(states.len(), 0, &edges)
}
