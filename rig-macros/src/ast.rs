//! The typed model of a `#[workflow]` module, built from syn: its states, its
//! steps and its cleanup, with the inert attributes taken off the items.

use crate::attr::{Errors, StepArgs};
use syn::spanned::Spanned;
use syn::{Attribute, Ident, Item, ItemFn, ItemMod, UseTree};

/// How a state is marked.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    Initial,
    Terminal,
    Plain,
}

/// A state: a unit struct of the module, or a state imported with
/// `#[initial]`/`#[state]`/`#[terminal]` on a `use`.
pub(crate) struct StateDecl {
    pub(crate) ident: Ident,
    pub(crate) role: Role,
    /// `#[terminal(failure)]`: reaching it fails the run.
    pub(crate) failure: bool,
    pub(crate) doc: String,
    /// Brought in with a `use`: declared by another workflow.
    pub(crate) imported: bool,
}

/// A `#[step(...)]` function.
pub(crate) struct StepDecl {
    pub(crate) func: ItemFn,
    pub(crate) args: StepArgs,
    pub(crate) doc_attrs: Vec<Attribute>,
}

impl StepDecl {
    pub(crate) fn ident(&self) -> &Ident {
        &self.func.sig.ident
    }

    pub(crate) fn is_branching(&self) -> bool {
        self.args.to.len() > 1
    }
}

/// The whole workflow as the macro sees it.
pub(crate) struct Workflow {
    /// The module with the inert attributes removed; its items are re-emitted as written.
    pub(crate) module: ItemMod,
    pub(crate) states: Vec<StateDecl>,
    pub(crate) steps: Vec<StepDecl>,
    pub(crate) cleanup: Option<ItemFn>,
    /// Every other type-namespace name the module declares (structs with
    /// fields, enums, traits, type aliases, plain `use`s), which the
    /// generated items must not collide with.
    pub(crate) other_types: Vec<Ident>,
    /// Structs with fields, named to explain why they are not states.
    pub(crate) non_unit_structs: Vec<Ident>,
    /// False when a step's transition did not parse: the graph then lacks
    /// that step, and checking its shape would only add false errors.
    pub(crate) steps_complete: bool,
}

const MARKERS: &[&str] = &["initial", "terminal", "state", "step", "cleanup"];

fn is_marker(attr: &Attribute) -> bool {
    MARKERS.iter().any(|m| attr.path().is_ident(m))
}

fn find<'a>(attrs: &'a [Attribute], name: &str) -> Option<&'a Attribute> {
    attrs.iter().find(|a| a.path().is_ident(name))
}

/// Joins the `///` lines of an item into one string.
pub(crate) fn doc_text(attrs: &[Attribute]) -> String {
    attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .filter_map(|a| match &a.meta {
            syn::Meta::NameValue(nv) => match &nv.value {
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s),
                    ..
                }) => Some(s.value().trim().to_string()),
                _ => None,
            },
            _ => None,
        })
        .collect::<Vec<_>>()
        .join(" ")
        .trim()
        .to_string()
}

/// `#[cfg]` is applied after the macro has read the workflow, so a cfg on a
/// step or state would leave the graph naming an item that is gone.
/// Returns whether there was one.
fn reject_cfg(attrs: &[Attribute], what: &str, errors: &mut Errors) -> bool {
    let mut found = false;
    for a in attrs
        .iter()
        .filter(|a| a.path().is_ident("cfg") || a.path().is_ident("cfg_attr"))
    {
        errors.push(syn::Error::new_spanned(
            a,
            format!("#[cfg] on a {what} is not supported: the macro reads the workflow before cfg removes anything; put the cfg on the whole `#[workflow] mod`, or write two workflows"),
        ));
        found = true;
    }
    found
}

/// The state's role, and whether it is a `#[terminal(failure)]`.
fn role_of(attrs: &[Attribute], errors: &mut Errors) -> (Role, bool) {
    let initial = find(attrs, "initial");
    let terminal = find(attrs, "terminal");
    if let (Some(_), Some(t)) = (initial, terminal) {
        errors.push(syn::Error::new_spanned(
            t,
            "a state cannot be both #[initial] and #[terminal]: the workflow would have nothing to do",
        ));
    }
    if let Some(a) = initial.filter(|a| !matches!(a.meta, syn::Meta::Path(_))) {
        errors.push(syn::Error::new_spanned(a, "#[initial] takes no arguments"));
    }
    let failure = terminal.is_some_and(|a| match &a.meta {
        syn::Meta::Path(_) => false,
        syn::Meta::List(list) if list.parse_args::<Ident>().is_ok_and(|i| i == "failure") => true,
        _ => {
            errors.push(syn::Error::new_spanned(
                a,
                "#[terminal] takes no arguments, or `failure` for a state that fails the run: #[terminal(failure)]",
            ));
            false
        }
    });
    let role = match (initial, terminal) {
        (Some(_), _) => Role::Initial,
        (None, Some(_)) => Role::Terminal,
        (None, None) => Role::Plain,
    };
    (role, failure)
}

fn imported_idents(tree: &UseTree, out: &mut Vec<Ident>, errors: &mut Errors) {
    match tree {
        UseTree::Path(p) => imported_idents(&p.tree, out, errors),
        UseTree::Name(n) => out.push(n.ident.clone()),
        UseTree::Rename(r) => out.push(r.rename.clone()),
        UseTree::Group(g) => g.items.iter().for_each(|t| imported_idents(t, out, errors)),
        UseTree::Glob(g) => errors.push(syn::Error::new(
            g.span(),
            "a glob cannot declare states: name each imported state",
        )),
    }
}

impl Workflow {
    /// Builds the model. Returns the module (markers stripped) alongside the
    /// errors, so that the fallback can re-emit it even when parsing failed.
    pub(crate) fn from_module(mut module: ItemMod) -> (Self, Errors) {
        let mut errors = Errors::default();
        let mut states = Vec::new();
        let mut steps = Vec::new();
        let mut cleanup = None;
        let mut other_types = Vec::new();
        let mut non_unit_structs = Vec::new();
        let mut steps_complete = true;
        let Some((_, items)) = module.content.as_mut() else {
            errors.push(syn::Error::new(
                module.span(),
                "#[workflow] needs an inline module: `mod name { ... }`, not `mod name;`",
            ));
            let wf = Workflow {
                module,
                states,
                steps,
                cleanup,
                other_types,
                non_unit_structs,
                steps_complete,
            };
            return (wf, errors);
        };
        for item in items.iter_mut() {
            match item {
                Item::Struct(s) => {
                    let (role, failure) = role_of(&s.attrs, &mut errors);
                    let is_unit = matches!(s.fields, syn::Fields::Unit);
                    if is_unit && !s.generics.params.is_empty() {
                        errors.push(syn::Error::new(
                            s.generics.span(),
                            "a state is a plain unit struct: it cannot be generic",
                        ));
                    }
                    if !is_unit {
                        non_unit_structs.push(s.ident.clone());
                    }
                    if is_unit || role != Role::Plain {
                        let _ = reject_cfg(&s.attrs, "state", &mut errors);
                        if !is_unit {
                            errors.push(syn::Error::new(
                                s.fields.span(),
                                "a state is a unit struct (`pub struct Name;`): keep step data in the context",
                            ));
                        }
                        states.push(StateDecl {
                            ident: s.ident.clone(),
                            role,
                            failure,
                            doc: doc_text(&s.attrs),
                            imported: false,
                        });
                    } else {
                        other_types.push(s.ident.clone());
                    }
                    s.attrs.retain(|a| !is_marker(a));
                    if is_unit {
                        // States are type-level markers: never built as values by design.
                        s.attrs.push(syn::parse_quote!(#[allow(dead_code)]));
                    }
                }
                Item::Use(u) if u.attrs.iter().any(is_marker) => {
                    let (role, failure) = role_of(&u.attrs, &mut errors);
                    let mut idents = Vec::new();
                    imported_idents(&u.tree, &mut idents, &mut errors);
                    if role != Role::Plain && idents.len() > 1 {
                        errors.push(syn::Error::new(
                            u.tree.span(),
                            "#[initial] or #[terminal] on a `use` imports exactly one state; use #[state] for the others",
                        ));
                    }
                    let _ = reject_cfg(&u.attrs, "state", &mut errors);
                    let doc = doc_text(&u.attrs);
                    states.extend(idents.into_iter().map(|ident| StateDecl {
                        ident,
                        role,
                        failure,
                        doc: doc.clone(),
                        imported: true,
                    }));
                    u.attrs.retain(|a| !is_marker(a));
                }
                Item::Fn(f) => {
                    let step_attrs: Vec<&Attribute> = f
                        .attrs
                        .iter()
                        .filter(|a| a.path().is_ident("step"))
                        .collect();
                    for extra in step_attrs.iter().skip(1) {
                        errors.push(syn::Error::new_spanned(
                            extra,
                            format!(
                                "a second #[step] on `{}`: a function is one step, with one transition",
                                f.sig.ident
                            ),
                        ));
                    }
                    let cleanup_attr = find(&f.attrs, "cleanup");
                    if let (Some(_), Some(c)) = (step_attrs.first(), cleanup_attr) {
                        errors.push(syn::Error::new_spanned(
                            c,
                            format!(
                                "`{}` is marked both #[step] and #[cleanup]: the cleanup is a function of its own",
                                f.sig.ident
                            ),
                        ));
                    }
                    if let Some(attr) = step_attrs.first() {
                        // A step that cfg may remove is left out of the graph,
                        // and so are the graph checks it would mislead.
                        let cfg = reject_cfg(&f.attrs, "step", &mut errors);
                        match attr.parse_args_with(StepArgs::parse_lenient) {
                            Ok(_) if cfg => steps_complete = false,
                            Ok((args, key_errors)) => {
                                errors.extend(key_errors);
                                let doc_attrs = f
                                    .attrs
                                    .iter()
                                    .filter(|a| a.path().is_ident("doc"))
                                    .cloned()
                                    .collect();
                                f.attrs.retain(|a| !is_marker(a));
                                steps.push(StepDecl {
                                    func: f.clone(),
                                    args,
                                    doc_attrs,
                                });
                            }
                            Err(e) => {
                                steps_complete = false;
                                errors.push(e);
                            }
                        }
                    } else if cleanup_attr.is_some() {
                        let _ = reject_cfg(&f.attrs, "cleanup function", &mut errors);
                        if cleanup.is_some() {
                            errors.push(syn::Error::new(
                                f.sig.ident.span(),
                                "a workflow has at most one #[cleanup] function",
                            ));
                        }
                        cleanup = Some(f.clone());
                    }
                    f.attrs.retain(|a| !is_marker(a));
                }
                other => {
                    other_types.extend(type_names(other));
                    if let Some(attrs) = item_attrs(other) {
                        if let Some(a) = attrs.iter().find(|a| is_marker(a)) {
                            errors.push(syn::Error::new_spanned(
                                a,
                                "this marker belongs on a unit struct (a state), a `use` of a state, or an `async fn` (a step)",
                            ));
                        }
                        attrs.retain(|a| !is_marker(a));
                    }
                }
            }
        }
        let wf = Workflow {
            module,
            states,
            steps,
            cleanup,
            other_types,
            non_unit_structs,
            steps_complete,
        };
        (wf, errors)
    }

    pub(crate) fn name(&self) -> &Ident {
        &self.module.ident
    }
}

/// The type-namespace names an item that is not a state declares.
fn type_names(item: &Item) -> Vec<Ident> {
    match item {
        Item::Enum(i) => vec![i.ident.clone()],
        Item::Trait(i) => vec![i.ident.clone()],
        Item::Type(i) => vec![i.ident.clone()],
        Item::Union(i) => vec![i.ident.clone()],
        Item::Mod(i) => vec![i.ident.clone()],
        Item::Use(u) => {
            let mut names = Vec::new();
            imported_idents(&u.tree, &mut names, &mut Errors::default());
            names
        }
        _ => Vec::new(),
    }
}

fn item_attrs(item: &mut Item) -> Option<&mut Vec<Attribute>> {
    match item {
        Item::Enum(i) => Some(&mut i.attrs),
        Item::Const(i) => Some(&mut i.attrs),
        Item::Static(i) => Some(&mut i.attrs),
        Item::Impl(i) => Some(&mut i.attrs),
        Item::Mod(i) => Some(&mut i.attrs),
        Item::Trait(i) => Some(&mut i.attrs),
        Item::Type(i) => Some(&mut i.attrs),
        Item::Use(i) => Some(&mut i.attrs),
        _ => None,
    }
}
