//! Argument parsing for `#[workflow(...)]` and `#[step(...)]`: every bad key or
//! value becomes an error spanned on it that names what was expected.

use proc_macro2::Span;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Ident, LitInt, LitStr, Path, Token};

/// Keys accepted by `#[step(...)]` after the transition.
pub(crate) const STEP_KEYS: &[&str] = &["timeout", "retry", "retry_if", "backoff"];
/// Keys accepted by `#[workflow(...)]`.
pub(crate) const WORKFLOW_KEYS: &[&str] = &["name"];

/// A duration written as `"500ms"`, `"10s"` or `"1m 30s"`, kept in milliseconds.
#[derive(Clone, Copy)]
pub(crate) struct Millis(pub(crate) u64);

/// Everything `#[step(From -> To | To2, key = value, ...)]` says.
pub(crate) struct StepArgs {
    pub(crate) from: Ident,
    pub(crate) to: Vec<Ident>,
    pub(crate) timeout: Option<Millis>,
    pub(crate) retry: Option<u32>,
    pub(crate) retry_if: Option<Path>,
    pub(crate) backoff: Option<Millis>,
}

/// Everything `#[workflow(...)]` says.
#[derive(Default)]
pub(crate) struct WorkflowArgs {
    pub(crate) name: Option<LitStr>,
}

fn unknown_key(key: &Ident, attr: &str, valid: &[&str]) -> syn::Error {
    let list = valid
        .iter()
        .map(|k| format!("`{k}`"))
        .collect::<Vec<_>>()
        .join(", ");
    syn::Error::new(
        key.span(),
        format!("unknown key `{key}` in #[{attr}]: expected one of {list}"),
    )
}

/// Parses a duration in test-rig's one grammar (`"250ms"`, `"10s"`,
/// `"1m 30s"`; see `test_rig_rules::duration`), in whole milliseconds.
pub(crate) fn parse_duration(lit: &LitStr) -> syn::Result<Millis> {
    let text = lit.value();
    let bad =
        |why: String| syn::Error::new(lit.span(), format!("invalid duration `{text}`: {why}"));
    let duration = test_rig_rules::duration::parse(&text).map_err(|e| bad(e.to_string()))?;
    if duration.subsec_nanos() % 1_000_000 != 0 {
        return Err(bad(
            "a step's timeout and backoff are whole milliseconds, e.g. \"1500ms\"".into(),
        ));
    }
    u64::try_from(duration.as_millis())
        .map(Millis)
        .map_err(|_| bad("it is too long".into()))
}

struct KeyValue {
    key: Ident,
    value: Value,
}

enum Value {
    Str(LitStr),
    Int(LitInt),
    Path(Path),
}

impl Value {
    fn span(&self) -> Span {
        match self {
            Value::Str(l) => l.span(),
            Value::Int(l) => l.span(),
            Value::Path(p) => syn::spanned::Spanned::span(p),
        }
    }
}

impl Parse for KeyValue {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let key: Ident = input.parse()?;
        input.parse::<Token![=]>()?;
        let value = if input.peek(LitStr) {
            Value::Str(input.parse()?)
        } else if input.peek(LitInt) {
            Value::Int(input.parse()?)
        } else {
            Value::Path(input.parse()?)
        };
        Ok(KeyValue { key, value })
    }
}

fn expect_str(kv: &KeyValue, what: &str) -> syn::Result<LitStr> {
    match &kv.value {
        Value::Str(s) => Ok(s.clone()),
        other => Err(syn::Error::new(
            other.span(),
            format!("`{}` takes {what}", kv.key),
        )),
    }
}

/// Collects errors so that every independent mistake is reported at once.
#[derive(Default)]
pub(crate) struct Errors(Option<syn::Error>);

impl Errors {
    pub(crate) fn push(&mut self, error: syn::Error) {
        match &mut self.0 {
            Some(all) => all.combine(error),
            None => self.0 = Some(error),
        }
    }

    pub(crate) fn extend(&mut self, other: Errors) {
        if let Some(e) = other.0 {
            self.push(e);
        }
    }

    pub(crate) fn finish(self) -> syn::Result<()> {
        self.0.map_or(Ok(()), Err)
    }
}

impl StepArgs {
    /// Parses the transition, then every key. A broken transition is fatal
    /// (there is nothing to check without it); a bad key is collected in the
    /// returned errors and the step is kept, so that its states are still
    /// checked in the same compile.
    pub(crate) fn parse_lenient(input: ParseStream) -> syn::Result<(Self, Errors)> {
        if input.is_empty() {
            return Err(input.error(
                "a step names its transition: #[step(From -> To)] or #[step(From -> To | Other)]",
            ));
        }
        let from: Ident = input.parse()?;
        input.parse::<Token![->]>().map_err(|e| {
            syn::Error::new(
                e.span(),
                "expected `->` after the source state, as in #[step(From -> To)]",
            )
        })?;
        let mut to = vec![input.parse::<Ident>()?];
        while input.peek(Token![|]) {
            input.parse::<Token![|]>()?;
            to.push(input.parse()?);
        }
        let mut args = StepArgs {
            from,
            to,
            timeout: None,
            retry: None,
            retry_if: None,
            backoff: None,
        };
        let mut errors = Errors::default();
        if input.is_empty() {
            return Ok((args, errors));
        }
        if let Err(e) = input.parse::<Token![,]>() {
            errors.push(syn::Error::new(
                e.span(),
                "expected `,` and then keys after the transition, as in #[step(From -> To, timeout = \"10s\")]",
            ));
            return Ok((args, errors));
        }
        let pairs = match Punctuated::<KeyValue, Token![,]>::parse_terminated(input) {
            Ok(pairs) => pairs,
            Err(e) => {
                errors.push(e);
                return Ok((args, errors));
            }
        };
        let mut seen: Vec<Ident> = Vec::new();
        let mut retry_only = Vec::new();
        for kv in pairs {
            if let Some(first) = seen.iter().find(|k| **k == kv.key) {
                let mut e = syn::Error::new(
                    kv.key.span(),
                    format!("`{}` is given twice: give each key once", kv.key),
                );
                e.combine(syn::Error::new(
                    first.span(),
                    format!("`{first}` is first given here"),
                ));
                errors.push(e);
                continue;
            }
            seen.push(kv.key.clone());
            let result = match kv.key.to_string().as_str() {
                "timeout" => expect_str(&kv, "a duration such as \"10s\"")
                    .and_then(|l| parse_duration(&l))
                    .map(|d| args.timeout = Some(d)),
                "backoff" => expect_str(&kv, "a duration such as \"50ms\"")
                    .and_then(|l| parse_duration(&l))
                    .map(|d| args.backoff = Some(d)),
                "retry" => match &kv.value {
                    Value::Int(n) => n
                        .base10_parse::<u32>()
                        .map(|n| args.retry = Some(n))
                        .map_err(|_| {
                            syn::Error::new(
                                n.span(),
                                format!("`retry = {n}`: retry is a count from 0 up, the number of retries after the first attempt, e.g. `retry = 3`"),
                            )
                        }),
                    other => Err(syn::Error::new(
                        other.span(),
                        "`retry` takes the number of retries after the first attempt, e.g. `retry = 3`",
                    )),
                },
                "retry_if" => match &kv.value {
                    Value::Path(p) => {
                        args.retry_if = Some(p.clone());
                        Ok(())
                    }
                    other => Err(syn::Error::new(
                        other.span(),
                        "`retry_if` takes the path of a `fn(&StateError) -> bool`, e.g. `retry_if = StateError::is_deadlock`",
                    )),
                },
                _ => Err(unknown_key(&kv.key, "step", STEP_KEYS)),
            };
            if let Err(e) = result {
                errors.push(e);
            }
            if kv.key == "retry_if" || kv.key == "backoff" {
                retry_only.push(kv.key.clone());
            }
        }
        if args.retry.is_none() && !seen.iter().any(|k| k == "retry") {
            for key in retry_only {
                errors.push(syn::Error::new(
                    key.span(),
                    format!("`{key}` only applies to a retried step: add `retry = N`"),
                ));
            }
        }
        Ok((args, errors))
    }
}

impl Parse for WorkflowArgs {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let mut args = WorkflowArgs::default();
        let pairs = Punctuated::<KeyValue, Token![,]>::parse_terminated(input)?;
        let mut errors = Errors::default();
        for kv in pairs {
            match kv.key.to_string().as_str() {
                "name" if args.name.is_some() => errors.push(syn::Error::new(
                    kv.key.span(),
                    "`name` is given twice: give each key once",
                )),
                "name" => match expect_str(&kv, "a string, e.g. name = \"basic\"") {
                    Ok(s) => args.name = Some(s),
                    Err(e) => errors.push(e),
                },
                _ => errors.push(unknown_key(&kv.key, "workflow", WORKFLOW_KEYS)),
            }
        }
        errors.finish()?;
        Ok(args)
    }
}
