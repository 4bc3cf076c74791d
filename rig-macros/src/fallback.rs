//! What the macro emits when the workflow has errors: the user's module as
//! written (markers removed), plus the decision enums its branching steps
//! return, so that names still resolve for rust-analyzer and no error is
//! reported twice; then one `compile_error!` per mistake.

use crate::ast::Workflow;
use proc_macro2::TokenStream;
use quote::quote;

/// Re-emits the workflow's module with the errors attached.
pub(crate) fn with_errors(wf: &Workflow, error: syn::Error) -> TokenStream {
    let errors = error.to_compile_error();
    let mut module = wf.module.clone();
    if let Some((_, items)) = module.content.as_mut() {
        for step in &wf.steps {
            let decision = crate::expand::decision_enum(step);
            if !decision.is_empty() {
                if let Ok(item) = syn::parse2(decision) {
                    items.push(item);
                }
            }
        }
    }
    quote! {
        #[allow(dead_code, unused_imports, unused_variables)]
        #module
        #errors
    }
}
