//! Code generation for a validated workflow: the typestate handle `Conn<S>`,
//! one consuming method per step, branch outcomes, the sealed state trait,
//! metadata with a Mermaid diagram, and the erased `WORKFLOW` for the runtime.

use crate::ast::{Role, StepDecl, Workflow};
use crate::names::{decision_ident, marker_ident, outcome_ident, plain};
use crate::valid::Graph;
use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::Ident;

fn retry_if_ident(step: &Ident) -> Ident {
    format_ident!("__rig_retry_if_{}", step, span = Span::call_site())
}

/// The `stateDiagram-v2` text for the workflow.
pub(crate) fn mermaid(wf: &Workflow, graph: &Graph) -> String {
    let names: Vec<String> = wf.states.iter().map(|s| plain(&s.ident)).collect();
    let steps: Vec<test_rig_rules::DiagramStep<'_>> = wf
        .steps
        .iter()
        .zip(&graph.edges)
        .map(|(step, (from, to))| test_rig_rules::DiagramStep {
            from: &names[*from],
            to: to.iter().map(|t| names[*t].as_str()).collect(),
            label: plain(step.ident()),
        })
        .collect();
    let terminals: Vec<(&str, bool)> = wf
        .states
        .iter()
        .zip(&names)
        .filter(|(s, _)| s.role == Role::Terminal)
        .map(|(s, name)| (name.as_str(), s.failure))
        .collect();
    test_rig_rules::mermaid(&names[graph.initial], &steps, &terminals)
}

fn millis(value: Option<crate::attr::Millis>) -> TokenStream {
    match value {
        Some(m) => {
            let n = m.0;
            quote!(::core::option::Option::Some(::test_rig::__private::Duration::from_millis(#n)))
        }
        None => quote!(::core::option::Option::None),
    }
}

fn step_meta(step: &StepDecl) -> TokenStream {
    let name = plain(step.ident());
    let from = plain(&step.args.from);
    let to = step.args.to.iter().map(plain);
    let doc = crate::ast::doc_text(&step.doc_attrs);
    let timeout = millis(step.args.timeout);
    let retries = step.args.retry.unwrap_or(0);
    let backoff = step.args.backoff.map_or(0, |m| m.0);
    // A user's predicate is wrapped in the workflow module (see expand_step),
    // so that its path resolves where the user wrote it.
    let predicate = match &step.args.retry_if {
        Some(_) => {
            let wrapper = retry_if_ident(step.ident());
            quote!(super::#wrapper)
        }
        None => quote!(::test_rig::__private::StateError::is_transient),
    };
    quote! {
        ::test_rig::__private::StepMeta {
            name: #name,
            from: #from,
            to: &[#(#to),*],
            doc: #doc,
            timeout: #timeout,
            retry: ::test_rig::__private::RetryPolicy {
                retries: #retries,
                backoff: ::test_rig::__private::Duration::from_millis(#backoff),
                retry_if: #predicate,
            },
        }
    }
}

/// The enum a branching step's function returns: one unit variant per target.
/// Also emitted on error, so that the user's step bodies still resolve.
/// The step's target states, each once: a target named twice is reported by
/// the checks, and generating it twice would only add the compiler's own
/// errors (a variant defined twice) to that one message.
fn unique_targets(step: &StepDecl) -> Vec<&Ident> {
    let mut seen = Vec::new();
    for t in &step.args.to {
        if !seen.contains(&t) {
            seen.push(t);
        }
    }
    seen
}

pub(crate) fn decision_enum(step: &StepDecl) -> TokenStream {
    if !step.is_branching() {
        return TokenStream::new();
    }
    let decision = decision_ident(step.ident());
    let targets = unique_targets(step);
    let doc = format!(
        "Which state step `{}` moved to: what the step function returns.",
        plain(step.ident())
    );
    let variant_docs = targets
        .iter()
        .map(|t| format!("The step moved to `{}`.", plain(t)));
    quote! {
        #[doc = #doc]
        #[derive(::core::fmt::Debug, ::core::clone::Clone, ::core::marker::Copy, ::core::cmp::PartialEq, ::core::cmp::Eq)]
        pub enum #decision { #(#[doc = #variant_docs] #targets),* }
    }
}

/// Per step: the marker trait, the typed run fn, the decision fn, the handle method
/// and (when branching) the outcome enum.
struct StepCode {
    parent_items: TokenStream,
    inner_items: TokenStream,
    method: TokenStream,
    /// The step's arm in the workflow's table of steps.
    table_arm: TokenStream,
    marker: Ident,
    outcome: Option<Ident>,
}

fn expand_step(wf: &Workflow, index: usize, step: &StepDecl) -> StepCode {
    let name = step.ident();
    let name_str = plain(name);
    let from = &step.args.from;
    let from_str = plain(from);
    let targets = unique_targets(step);
    let marker = marker_ident(name);
    let run_fn = format_ident!("__rig_run_{}", name);
    let decide_fn = format_ident!("__rig_decide_{}", name);
    let wf_name = wf.name().to_string();
    let targets_str = targets
        .iter()
        .map(|t| format!("`{}`", plain(t)))
        .collect::<Vec<_>>()
        .join(" or ");
    let message = format!("step `{name_str}` cannot be called on a handle in state `{{Self}}`");
    let label = format!("`{name_str}` is not a step out of this state");
    let note = format!(
        "in workflow `{wf_name}`, `{name_str}` is legal only in state `{from_str}` (it moves `{from_str}` -> {targets_str})"
    );
    let user_docs = &step.doc_attrs;
    let moves_doc = format!(
        "Step `{name_str}`: moves `{from_str}` -> {targets_str}. On failure the error comes back with the state it failed in and the context."
    );
    let mut parent_items = TokenStream::new();
    let mut inner_items = TokenStream::new();
    if let Some(path) = &step.args.retry_if {
        let wrapper = retry_if_ident(name);
        parent_items.extend(quote! {
            fn #wrapper(error: &::test_rig::__private::StateError) -> bool {
                (#path)(error)
            }
        });
    }
    let mut outcome_export = None;

    let (value_ty, decide_body, returned_ty, on_ok) = if step.is_branching() {
        let decision = decision_ident(name);
        let outcome = outcome_ident(name);
        outcome_export = Some(outcome.clone());
        let outcome_doc = format!(
            "The handle after step `{name_str}`, in whichever state the step chose: match it to go on."
        );
        let variant_docs = targets
            .iter()
            .map(|t| format!("The step moved to `{}`.", plain(t)));
        let indices = 0..targets.len();
        parent_items.extend(decision_enum(step));
        inner_items.extend(quote! {
            #[doc = #outcome_doc]
            #[must_use = "a branch outcome must be matched to get the handle in the state the step chose"]
            pub enum #outcome { #(#[doc = #variant_docs] #targets(Conn<super::#targets>)),* }
            impl ::core::fmt::Debug for #outcome {
                fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                    match self { #(Self::#targets(c) => ::core::fmt::Debug::fmt(c, f)),* }
                }
            }
        });
        (
            quote!(super::#decision),
            quote!(match value { #(super::#decision::#targets => #indices),* }),
            quote!(#outcome),
            quote!(::core::result::Result::Ok(value) => ::core::result::Result::Ok(match value {
                #(super::#decision::#targets => #outcome::#targets(Conn { cx, state: ::core::marker::PhantomData })),*
            })),
        )
    } else {
        let to = &targets[0];
        (
            quote!(()),
            quote!({
                let _ = value;
                0
            }),
            quote!(Conn<super::#to>),
            quote!(::core::result::Result::Ok(()) => ::core::result::Result::Ok(Conn { cx, state: ::core::marker::PhantomData })),
        )
    };

    // The call carries the spans of the user's argument and return types,
    // so that a type the macro could not check by its spelling (an alias
    // that is wrong after all) is reported there, not on the attribute.
    let sig = &step.func.sig;
    let cx_arg = match sig.inputs.first() {
        Some(syn::FnArg::Typed(pat)) => quote_spanned!(pat.ty.span()=> cx),
        _ => quote!(cx),
    };
    let output_span = match &sig.output {
        syn::ReturnType::Type(_, ty) => ty.span(),
        syn::ReturnType::Default => sig.ident.span(),
    };
    let call = quote_spanned!(output_span=> ::std::boxed::Box::pin(super::#name(#cx_arg)));
    let from_path = quote_spanned!(from.span()=> super::#from);
    inner_items.extend(quote! {
        #[doc = concat!("Marks the states in which step `", #name_str, "` may be called.")]
        #[diagnostic::on_unimplemented(message = #message, label = #label, note = #note)]
        pub trait #marker: State + sealed::#marker {}
        impl sealed::#marker for #from_path {}
        impl #marker for #from_path {}

        #[allow(non_snake_case)]
        fn #run_fn(
            cx: &mut ::test_rig::__private::StateContext,
        ) -> ::test_rig::__private::BoxFuture<'_, ::core::result::Result<#value_ty, ::test_rig::__private::StateError>> {
            #call
        }
        #[allow(non_snake_case)]
        fn #decide_fn(value: &#value_ty) -> usize { #decide_body }
    });
    // The future's type does not mention `S`, so a call in the wrong state
    // fails once, at the call, rather than again at every `.await`.
    let method = quote! {
        #(#user_docs)*
        #[doc = ""]
        #[doc = #moves_doc]
        pub fn #name(self) -> ::test_rig::__private::BoxFuture<'static, ::core::result::Result<#returned_ty, ::test_rig::__private::StepFailed>>
        where
            S: #marker,
        {
            let mut cx = self.cx;
            ::std::boxed::Box::pin(async move {
                match ::test_rig::__private::drive_step(&WORKFLOW, #index, &mut cx, #run_fn, #decide_fn).await {
                    #on_ok,
                    ::core::result::Result::Err(error) => ::core::result::Result::Err(
                        ::test_rig::__private::step_failed(&WORKFLOW, #index, error, cx),
                    ),
                }
            })
        }
    };
    let table_arm = quote! {
        #index => super::#name(cx).await.map(|value| #decide_fn(&value)),
    };
    StepCode {
        parent_items,
        inner_items,
        method,
        table_arm,
        marker,
        outcome: outcome_export,
    }
}

/// Expands a validated workflow into the module the user sees.
pub(crate) fn expand(wf: &Workflow, graph: &Graph, display_name: String) -> TokenStream {
    let module = &wf.module;
    // Inner attributes and `//!` docs (`#![allow(..)]`) go inside the braces.
    let (inner_attrs, attrs): (Vec<&syn::Attribute>, Vec<&syn::Attribute>) = module
        .attrs
        .iter()
        .partition(|a| matches!(a.style, syn::AttrStyle::Inner(_)));
    let vis = &module.vis;
    let ident = &module.ident;
    let items = module
        .content
        .as_ref()
        .map(|(_, i)| i.as_slice())
        .unwrap_or(&[]);
    let diagram = mermaid(wf, graph);
    let initial_state = &wf.states[graph.initial];
    let initial = &initial_state.ident;
    let initial_name = plain(initial);
    let state_idents: Vec<&Ident> = wf.states.iter().map(|s| &s.ident).collect();
    let state_names: Vec<String> = state_idents.iter().map(|i| plain(i)).collect();
    // On the state's own token: an imported name that is no type (a
    // function, say) is reported at the user's `use`.
    let state_paths: Vec<TokenStream> = state_idents
        .iter()
        .map(|i| quote_spanned!(i.span()=> super::#i))
        .collect();
    let own_states: Vec<&Ident> = wf
        .states
        .iter()
        .filter(|s| !s.imported)
        .map(|s| &s.ident)
        .collect();
    // An imported state must be a workflow's state: checked on the user's `use`.
    // (The initial one is checked by `start`'s signature, on the same token.)
    let imported_checks = wf
        .states
        .iter()
        .filter(|s| s.imported && s.role != Role::Initial)
        .map(|s| {
            let ident = &s.ident;
            quote_spanned! {ident.span()=>
                const _: fn() = || {
                    fn declared_in_a_workflow<T: ::test_rig::__private::WorkflowState>() {}
                    declared_in_a_workflow::<super::#ident>();
                };
            }
        });
    let start = if initial_state.imported {
        let doc = format!(
            "Starts the workflow in `{initial_name}`, a state of an earlier workflow, from that workflow's handle in that state: only a session that went through it can start here."
        );
        // All of it on the user's `use`, where a type that is no
        // workflow's state is then reported once.
        quote_spanned! {initial.span()=>
            impl Conn<super::#initial> {
                #[doc = #doc]
                // On the user's span, rustc would lint it as the user's code.
                #[allow(dead_code)]
                pub fn start(from: <super::#initial as ::test_rig::__private::WorkflowState>::Handle) -> Self {
                    Conn {
                        cx: <super::#initial as ::test_rig::__private::WorkflowState>::into_context(from),
                        state: ::core::marker::PhantomData,
                    }
                }
            }
        }
    } else {
        quote! {
            impl Conn<super::#initial> {
                /// Starts the workflow in its initial state on the given context.
                pub fn start(cx: ::test_rig::__private::StateContext) -> Self {
                    Conn { cx, state: ::core::marker::PhantomData }
                }
            }
        }
    };
    let initial_index = graph.initial;
    let state_meta = wf.states.iter().map(|s| {
        let name = plain(&s.ident);
        let doc = &s.doc;
        let role = match s.role {
            Role::Initial => quote!(Initial),
            Role::Terminal => quote!(Terminal),
            Role::Plain => quote!(Intermediate),
        };
        let failure = s.failure;
        quote!(::test_rig::__private::StateMeta { name: #name, role: ::test_rig::__private::StateRole::#role, failure: #failure, doc: #doc })
    });
    let step_metas = wf.steps.iter().map(step_meta);
    let codes: Vec<StepCode> = wf
        .steps
        .iter()
        .enumerate()
        .map(|(i, s)| expand_step(wf, i, s))
        .collect();
    let parent_items = codes.iter().map(|c| &c.parent_items);
    let inner_items = codes.iter().map(|c| &c.inner_items);
    let methods = codes.iter().map(|c| &c.method);
    let erased_steps = graph
        .edges
        .iter()
        .map(|(from, to)| quote!(::test_rig::__private::erased_step(#from, &[#(#to),*])));
    let table_arms = codes.iter().map(|c| &c.table_arm);
    let markers: Vec<&Ident> = codes.iter().map(|c| &c.marker).collect();
    let outcomes = codes.iter().filter_map(|c| c.outcome.as_ref());
    let cleanup = match &wf.cleanup {
        Some(f) => {
            let name = &f.sig.ident;
            quote! {
                ::core::option::Option::Some({
                    fn __rig_cleanup(
                        cx: &mut ::test_rig::__private::StateContext,
                    ) -> ::test_rig::__private::BoxFuture<'_, ::core::result::Result<(), ::test_rig::__private::StateError>> {
                        ::std::boxed::Box::pin(super::#name(cx))
                    }
                    __rig_cleanup
                })
            }
        }
        None => quote!(::core::option::Option::None),
    };
    let module_doc = format!(
        "\n\n# Workflow `{display_name}`\n\nStarts in `{initial_name}`. Drive it by hand with [`Conn`] (`Conn::start`), or hand [`WORKFLOW`] to the runtime.\n\n```mermaid\n{diagram}```\n"
    );
    let conn_doc = format!(
        "A session in workflow `{display_name}`, in state `S`. Only [`Conn::start`] makes one, in the initial state `{initial_name}`; every other state is reached by calling steps, each of which consumes the handle."
    );
    let wf_doc = format!("Workflow `{display_name}` in erased form, for the coordinator.");
    let meta_doc = format!("States, steps and diagram of workflow `{display_name}`.");
    quote! {
        #(#attrs)*
        #[doc = #module_doc]
        #vis mod #ident {
            #(#inner_attrs)*
            #(#items)*
            #(#parent_items)*

            #[doc(hidden)]
            mod __rig {
                // Private supertraits: only the macro implements `State` and
                // the per-step markers.
                #[allow(unreachable_pub)]
                mod sealed {
                    pub trait Sealed {}
                    #(pub trait #markers {})*
                }

                /// A state of this workflow. Sealed: only the states the workflow declares implement it.
                pub trait State: sealed::Sealed + ::core::marker::Send + 'static {
                    /// The state's name as written in the workflow.
                    const NAME: &'static str;
                }
                #(
                    impl sealed::Sealed for #state_paths {}
                    impl State for #state_paths {
                        const NAME: &'static str = #state_names;
                    }
                )*
                #(
                    impl ::test_rig::__private::WorkflowState for super::#own_states {
                        type Handle = Conn<super::#own_states>;
                        fn into_context(handle: Conn<super::#own_states>) -> ::test_rig::__private::StateContext {
                            handle.cx
                        }
                    }
                )*
                #(#imported_checks)*

                // Not `must_use`: a handle in a terminal state is finished
                // with, and the attribute cannot tell states apart.
                #[doc = #conn_doc]
                pub struct Conn<S: State> {
                    cx: ::test_rig::__private::StateContext,
                    state: ::core::marker::PhantomData<fn() -> S>,
                }

                #start

                impl<S: State> Conn<S> {
                    /// The name of the state this handle is in.
                    pub fn state_name(&self) -> &'static str {
                        S::NAME
                    }
                    /// The context: session, configuration and step data.
                    pub fn context(&self) -> &::test_rig::__private::StateContext {
                        &self.cx
                    }
                    /// The session and the step data, for work between steps. The
                    /// context itself cannot be replaced under a typed handle.
                    pub fn context_mut(&mut self) -> ::test_rig::__private::ContextMut<'_> {
                        ::test_rig::__private::ContextMut::new(&mut self.cx)
                    }
                    /// Ends the handle and gives the context back (e.g. to start another workflow on it).
                    pub fn into_context(self) -> ::test_rig::__private::StateContext {
                        self.cx
                    }
                    #(#methods)*
                }

                impl<S: State> ::core::fmt::Debug for Conn<S> {
                    fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                        f.debug_struct("Conn").field("state", &S::NAME).field("cx", &self.cx).finish()
                    }
                }

                #(#inner_items)*

                /// The steps by index, as the erased runner awaits them (unboxed).
                struct __RigSteps;
                impl ::test_rig::__private::StepTable for __RigSteps {
                    fn run_step<'a>(
                        &'a self,
                        index: usize,
                        cx: &'a mut ::test_rig::__private::StateContext,
                    ) -> impl ::core::future::Future<Output = ::core::result::Result<usize, ::test_rig::__private::StateError>> + ::core::marker::Send + 'a {
                        async move {
                            match index {
                                #(#table_arms)*
                                _ => ::core::result::Result::Err(::test_rig::__private::no_such_step(&WORKFLOW, index)),
                            }
                        }
                    }
                }
                fn __rig_erased_workflow(
                    def: &::test_rig::__private::WorkflowDef,
                    cx: ::test_rig::__private::StateContext,
                ) -> ::test_rig::__private::BoxFuture<'_, ::core::result::Result<::test_rig::__private::StateContext, ::test_rig::__private::StepFailed>> {
                    ::test_rig::__private::run_table(def, cx, &__RigSteps)
                }

                #[doc = #meta_doc]
                pub static META: ::test_rig::__private::WorkflowMeta = ::test_rig::__private::WorkflowMeta {
                    name: #display_name,
                    states: &[#(#state_meta),*],
                    steps: &[#(#step_metas),*],
                    initial: #initial_index,
                    mermaid: #diagram,
                };

                #[doc = #wf_doc]
                pub static WORKFLOW: ::test_rig::__private::WorkflowDef = ::test_rig::__private::workflow_def(
                    &META,
                    &[#(#erased_steps),*],
                    #cleanup,
                    __rig_erased_workflow,
                );
            }
            #[allow(unused_imports)]
            pub use self::__rig::{Conn, State, META, WORKFLOW};
            #[allow(unused_imports)]
            pub use self::__rig::{#(#outcomes),*};
            #[doc(hidden)]
            #[allow(unused_imports)]
            pub use self::__rig::{#(#markers),*};
        }
    }
}
