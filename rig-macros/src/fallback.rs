//! What the macro emits when the workflow has errors: the user's module as
//! written (markers removed, so the names still resolve for rust-analyzer)
//! followed by one `compile_error!` per mistake.

use proc_macro2::TokenStream;
use quote::quote;
use syn::ItemMod;

/// Re-emits `module` with the errors attached.
pub(crate) fn with_errors(module: &ItemMod, error: syn::Error) -> TokenStream {
    let errors = error.to_compile_error();
    quote! {
        #[allow(dead_code, unused_imports, unused_variables)]
        #module
        #errors
    }
}
