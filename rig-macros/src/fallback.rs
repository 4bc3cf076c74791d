//! What the macro emits when the workflow has errors: the user's module as
//! written (markers removed), plus the decision enums its branching steps
//! return, so that names still resolve for rust-analyzer and no error is
//! reported twice; then one `compile_error!` per mistake.

use crate::ast::Workflow;
use proc_macro2::TokenStream;
use quote::quote;
use std::collections::HashSet;
use syn::Item;

/// Re-emits the workflow's module with the errors attached. A second
/// function of a name already used, and a decision enum whose name is
/// taken, are left out: the macro has reported that collision already, and
/// rustc would report it again.
pub(crate) fn with_errors(wf: &Workflow, error: syn::Error) -> TokenStream {
    let errors = error.to_compile_error();
    let mut module = wf.module.clone();
    if let Some((_, items)) = module.content.as_mut() {
        let mut functions = HashSet::new();
        items.retain(|item| match item {
            Item::Fn(f) => functions.insert(f.sig.ident.to_string()),
            _ => true,
        });
        // A state named like a decision enum gives way to the enum, which
        // the step's body names; anything else named so keeps its place.
        let mut types: HashSet<String> = wf.other_types.iter().map(|i| i.to_string()).collect();
        for step in wf.steps.iter().filter(|s| s.is_branching()) {
            let decision = crate::names::decision_ident(step.ident()).to_string();
            if !types.insert(decision.clone()) {
                continue;
            }
            items.retain(|item| !matches!(item, Item::Struct(s) if s.ident == decision));
            if let Ok(item) = syn::parse2(crate::expand::decision_enum(step)) {
                items.push(item);
            }
        }
    }
    quote! {
        #[allow(dead_code, unused_imports, unused_variables)]
        #module
        #errors
    }
}
