//! The names the macro derives from the user's: step and state names as
//! shown (without `r#`), and the generated decision enums, marker traits and
//! branch outcomes, which must always be valid identifiers.

use proc_macro2::Span;
use quote::format_ident;
use syn::ext::IdentExt;
use syn::Ident;

/// Methods every handle has: a step cannot share their names.
pub(crate) const HANDLE_METHODS: &[&str] = &[
    "start",
    "context",
    "context_mut",
    "into_context",
    "state_name",
];
/// Values every workflow module exports.
pub(crate) const GENERATED_VALUES: &[&str] = &["META", "WORKFLOW"];
/// Types every workflow module exports (and its hidden inner module).
pub(crate) const GENERATED_TYPES: &[&str] = &["Conn", "State", "__rig"];

/// The name as written, without a raw identifier's `r#`.
pub(crate) fn plain(ident: &Ident) -> String {
    ident.unraw().to_string()
}

/// `verify_database` -> `VerifyDatabase`; a name with no letters to
/// capitalise (`__`, `_1st`) or one that would be a keyword (`self_`)
/// gets a `Step` prefix so that the result is always an identifier.
fn camel(step: &Ident) -> String {
    let camel: String = plain(step)
        .split('_')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut c = p.chars();
            c.next()
                .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
                .unwrap_or_default()
        })
        .collect();
    if syn::parse_str::<Ident>(&camel).is_ok() {
        camel
    } else {
        format!("Step{camel}")
    }
}

/// The enum a branching step returns.
pub(crate) fn decision_ident(step: &Ident) -> Ident {
    Ident::new(&camel(step), step.span())
}

/// The branch outcome a branching step's method returns.
pub(crate) fn outcome_ident(step: &Ident) -> Ident {
    format_ident!("{}Outcome", camel(step), span = Span::call_site())
}

/// The trait marking the states a step may be called in.
pub(crate) fn marker_ident(step: &Ident) -> Ident {
    format_ident!("Can{}", camel(step), span = Span::call_site())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ident(text: &str) -> Ident {
        syn::parse_str(text).unwrap()
    }

    #[test]
    fn every_legal_step_name_gives_identifiers() {
        for (step, decision) in [
            ("verify_database", "VerifyDatabase"),
            ("r#type", "Type"),
            ("__", "Step"),
            ("_1st", "Step1st"),
            ("self_", "StepSelf"),
            ("load1", "Load1"),
            ("load_1", "Load1"),
        ] {
            assert_eq!(decision_ident(&ident(step)).to_string(), decision);
            assert_eq!(
                marker_ident(&ident(step)).to_string(),
                format!("Can{decision}")
            );
        }
        assert_eq!(plain(&ident("r#type")), "type");
    }
}
