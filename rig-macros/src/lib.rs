//! Procedural macros of test-rig: `#[workflow]` turns a module of unit-struct
//! states and `#[step]` async functions into typestate handles.
//!
//! Use them through `test_rig` (`test_rig::workflow`), which re-exports them;
//! the generated code reaches the runtime through `test_rig::__private` so
//! users add no dependency of their own.
//!
//! # The contract
//!
//! Inside a `#[workflow] mod name { ... }`:
//! - every unit struct is a state; mark exactly one `#[initial]` and one or
//!   more `#[terminal]`. A state of another workflow is brought in with
//!   `#[initial] use path::State;`, `#[state] use ...` or `#[terminal] use ...`.
//!   `#[terminal(failure)]` marks an end that fails the run which reaches
//!   it (its cleanup runs, the error names the step and the state).
//! - every `#[step(From -> To)]` function is a step:
//!   `async fn name(cx: &mut StateContext) -> Result<(), StateError>`.
//!   A branching step `#[step(From -> A | B)]` returns `Result<Name, StateError>`
//!   where `Name` is the generated enum (the step name in UpperCamelCase) with
//!   one variant per target.
//! - keys after the transition: `timeout = "10s"`, `retry = N`,
//!   `retry_if = path::to::fn(&StateError) -> bool` (default:
//!   `StateError::is_transient`), `backoff = "50ms"`.
//! - one optional `#[cleanup] async fn name(cx: &mut StateContext) -> Result<(), StateError>`,
//!   run when the workflow fails.
//!
//! The macro generates `Conn<S>` (one consuming method per step, legal only
//! in the step's source state), `State` and the per-step `Can<Step>` markers
//! (all sealed), `<Step>Outcome` enums for branching steps, `META` (states,
//! steps, Mermaid diagram) and `WORKFLOW` (the erased form the coordinator
//! runs: the steps in one table, one `async` match over the step index, so
//! that a run awaits each step inside its own future rather than boxing one
//! per step). `Conn::start` takes a `StateContext` when the initial state is the
//! workflow's own, and the declaring workflow's `Conn<State>` when it is
//! imported, so an imported state is reached only through its workflow.
//!
//! Every mistake it can see is reported in one pass, each on its token:
//! parse errors, unknown and repeated keys, unknown states (with a "did you
//! mean"), signatures, names that collide with generated ones, and the graph
//! checks on as much of the graph as could be read. It never panics. Legal:
//! raw identifiers (shown without `r#`), lifetimes on a step, inner
//! attributes, a branching self-loop. Refused with an error: `#[cfg]` on a
//! step or state (the macro runs before cfg; put it on the module).

mod ast;
mod attr;
mod expand;
mod fallback;
mod names;
mod valid;

use proc_macro::TokenStream;
use syn::ItemMod;

/// Turns a module into a typestate workflow. See the crate docs for the contract.
#[proc_macro_attribute]
pub fn workflow(args: TokenStream, input: TokenStream) -> TokenStream {
    workflow_impl(args.into(), input.into()).into()
}

fn workflow_impl(
    args: proc_macro2::TokenStream,
    input: proc_macro2::TokenStream,
) -> proc_macro2::TokenStream {
    let module: ItemMod = match syn::parse2(input) {
        Ok(m) => m,
        Err(_) => {
            return syn::Error::new(
                proc_macro2::Span::call_site(),
                "#[workflow] applies to an inline module: `mod name { ... }`",
            )
            .to_compile_error()
        }
    };
    let args = syn::parse2::<attr::WorkflowArgs>(args);
    let (wf, mut errors) = ast::Workflow::from_module(module);
    let display_name = match args {
        Ok(a) => a.name.map(|n| n.value()),
        Err(e) => {
            errors.push(e);
            None
        }
    }
    .unwrap_or_else(|| wf.name().to_string());
    let checked = valid::validate(&wf);
    match (errors.finish(), checked) {
        (Ok(()), Ok(Some(graph))) => expand::expand(&wf, &graph, display_name),
        (Err(mut first), Err(second)) => {
            first.combine(second);
            fallback::with_errors(&wf, first)
        }
        (Err(e), _) | (Ok(()), Err(e)) => fallback::with_errors(&wf, e),
        // validate returns no graph only alongside an error, here or from parsing.
        (Ok(()), Ok(None)) => fallback::with_errors(
            &wf,
            syn::Error::new(wf.name().span(), "the workflow could not be checked"),
        ),
    }
}

/// Marks the state a workflow starts in. Only meaningful inside `#[workflow]`.
#[proc_macro_attribute]
pub fn initial(_args: TokenStream, input: TokenStream) -> TokenStream {
    outside_workflow("initial", input)
}

/// Marks a state a workflow ends in. Only meaningful inside `#[workflow]`.
#[proc_macro_attribute]
pub fn terminal(_args: TokenStream, input: TokenStream) -> TokenStream {
    outside_workflow("terminal", input)
}

/// Marks an imported state. Only meaningful inside `#[workflow]`.
#[proc_macro_attribute]
pub fn state(_args: TokenStream, input: TokenStream) -> TokenStream {
    outside_workflow("state", input)
}

/// Marks a step `#[step(From -> To, ...)]`. Only meaningful inside `#[workflow]`.
#[proc_macro_attribute]
pub fn step(_args: TokenStream, input: TokenStream) -> TokenStream {
    outside_workflow("step", input)
}

/// Marks the cleanup function. Only meaningful inside `#[workflow]`.
#[proc_macro_attribute]
pub fn cleanup(_args: TokenStream, input: TokenStream) -> TokenStream {
    outside_workflow("cleanup", input)
}

/// The markers are consumed by `#[workflow]`; reaching one on its own means
/// it sits outside a workflow module.
fn outside_workflow(name: &str, input: TokenStream) -> TokenStream {
    let input: proc_macro2::TokenStream = input.into();
    let error = syn::Error::new(
        proc_macro2::Span::call_site(),
        format!("#[{name}] only has meaning inside a `#[workflow] mod`"),
    )
    .to_compile_error();
    quote::quote!(#error #input).into()
}
