//! (feature `python`) Workflows whose states and steps come from a Python
//! file, run by an embedded interpreter (pyo3). The file is checked when it
//! is loaded, with the rules `#[workflow]` applies at compile time; its steps
//! run on the participant's own session through a bridge to its async side, and the plugin
//! starts where the common states end (`Ready`), so it is chained after
//! them: `(&common_states::WORKFLOW).then(plugin)`.
//!
//! A step that times out or is cancelled is abandoned, not killed: Python
//! cannot be interrupted from outside (in `time.sleep`, say), so its thread
//! runs on until its next `cx` call, which raises `RuntimeError`. A SQL
//! statement it had running is stopped on the server (`KILL CONNECTION`), and
//! `@cleanup` runs on a new session when the old one went with it.
//!
//! ```python
//! from test_rig import READY, step, state, terminal
//!
//! state("Written")
//! terminal("Done")
//!
//! @step(READY, "Written")
//! def write(cx):
//!     cx.execute("INSERT INTO t (id, v) VALUES (?, ?)", (1, "one"))
//!
//! @step("Written", "Done")
//! def check(cx):
//!     assert cx.query("SELECT v FROM t WHERE id = ?", (1,)) == [("one",)]
//! ```

mod bridge;
mod declare;
mod values;

use crate::context::StateContext;
use crate::error::StateError;
use crate::failure::StepFailed;
use crate::workflow::{
    BoxFuture, ErasedStep, RetryPolicy, StateMeta, StateRole, StepMeta, Workflow, WorkflowDef,
    WorkflowMeta,
};
use pyo3::prelude::*;
use std::ffi::CString;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Why a plugin file could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PluginError {
    /// The file could not be read.
    #[error("cannot read plugin `{path}`: {reason}")]
    Read {
        /// The file.
        path: PathBuf,
        /// What the system said.
        reason: String,
    },
    /// Running the file raised an exception (a syntax error, a failed import...).
    #[error("plugin `{path}` raised an exception while loading:\n{traceback}")]
    Python {
        /// The file.
        path: PathBuf,
        /// Python's traceback.
        traceback: String,
    },
    /// A role the plugin does not have (or none, for a plugin with roles).
    #[error("plugin `{}` {}", path.display(), describe_role_error(asked.as_deref(), roles))]
    Role {
        /// The file.
        path: PathBuf,
        /// The role asked for.
        asked: Option<String>,
        /// The roles it has.
        roles: Vec<String>,
    },
    /// The file ran, but what it declares is not a valid workflow.
    #[error("plugin `{}` is not a valid workflow:\n  {}", path.display(), problems.join("\n  "))]
    Invalid {
        /// The file.
        path: PathBuf,
        /// Each mistake, as `file:line: message`.
        problems: Vec<String>,
    },
}

fn describe_role_error(asked: Option<&str>, roles: &[String]) -> String {
    let list = roles
        .iter()
        .map(|r| format!("`{r}`"))
        .collect::<Vec<_>>()
        .join(", ");
    match (asked, roles.is_empty()) {
        (Some(r), true) => format!("has no roles (no step names one), so it has no role `{r}`"),
        (Some(r), false) => format!("has no role `{r}`; its roles are {list}"),
        (None, _) => format!("gives its steps roles ({list}): each participant needs one of them"),
    }
}

/// The participant's `cx.data` and identity, kept in its context so that
/// they last for its whole run (across repeats of the plugin too).
struct PluginRun(Arc<bridge::RunData>);

/// The plugin's `@cleanup`, left in the context while the plugin runs so
/// that `release` (a plain function pointer) can find it.
struct PluginCleanup {
    func: Arc<Py<PyAny>>,
    run: Arc<bridge::RunData>,
}

/// A workflow loaded from a Python file. It lives for the rest of the process
/// (its metadata is `'static`, like a compiled workflow's).
pub struct PythonPlugin {
    path: PathBuf,
    /// Every state and step (each step labelled with its role).
    meta: &'static WorkflowMeta,
    /// What a participant runs: one variant without roles, else one per role.
    variants: Vec<Variant>,
    cleanup: Option<Arc<Py<PyAny>>>,
}

/// The steps one role's participants run (all of them without roles).
struct Variant {
    role: Option<String>,
    def: &'static WorkflowDef,
    /// The function of each step, in the order of `def.steps`.
    funcs: Vec<Arc<Py<PyAny>>>,
}

impl std::fmt::Debug for PythonPlugin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PythonPlugin")
            .field("path", &self.path)
            .field("workflow", &self.meta.name)
            .finish()
    }
}

fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

fn never_retry(_: &StateError) -> bool {
    false
}

/// The `run` of a plugin's erased definition. A plugin's steps are Python
/// functions, which a function pointer cannot carry: `PythonPlugin::run`
/// passes its own runner to the shared loop, and nothing calls this.
fn run_through_plugin(
    def: &WorkflowDef,
    cx: StateContext,
) -> BoxFuture<'_, Result<StateContext, StepFailed>> {
    let error = StateError::step("a Python workflow runs only through its PythonPlugin");
    let failed = StepFailed::from_parts(def.meta.name, "", declare::READY, error, cx, None);
    Box::pin(async move { Err(failed) })
}

/// On failure: roll back what the step left open, run the plugin's
/// `@cleanup` if it has one, and release the session.
fn release(cx: &mut StateContext) -> BoxFuture<'_, Result<(), StateError>> {
    Box::pin(async move {
        let cleanup = cx.remove::<PluginCleanup>();
        let mut outcome = match cx.session() {
            Ok(session) if session.is_open() => session.execute("ROLLBACK").await.map(|_| ()),
            // No session, or one whose reopening failed: nothing to roll back.
            _ => Ok(()),
        };
        if let Some(PluginCleanup { func, run }) = cleanup {
            let ran = bridge::call(cx, "cleanup", func, run).await.map(|_| ());
            outcome = outcome.and(ran);
        }
        if let Some(session) = cx.take_session() {
            let _ = session.close().await;
        }
        outcome
    })
}

/// A declared step's metadata, its doc comment read from the function.
fn step_meta(py: Python<'_>, decl: &declare::StepDecl, state_names: &[&'static str]) -> StepMeta {
    let to: &'static [&'static str] = Box::leak(decl.to.iter().map(|t| state_names[*t]).collect());
    let doc = decl
        .func
        .bind(py)
        .getattr("__doc__")
        .and_then(|d| d.extract::<Option<String>>())
        .ok()
        .flatten()
        .map_or("", |d| leak(d.trim().to_string()));
    StepMeta {
        name: leak(decl.name.clone()),
        from: state_names[decl.from],
        to,
        doc,
        timeout: decl.timeout,
        retry: RetryPolicy {
            retries: 0,
            backoff: Duration::ZERO,
            retry_if: never_retry,
        },
    }
}

static LOADED: AtomicUsize = AtomicUsize::new(0);

/// Held while a plugin file runs (see `PythonPlugin::load`).
static LOADING: std::sync::Mutex<()> = std::sync::Mutex::new(());

impl PythonPlugin {
    /// Loads and checks a plugin file. Every mistake in it is reported at once.
    ///
    /// ```no_run
    /// use test_rig::python::PythonPlugin;
    /// use test_rig::{common_states, ConnectionConfig, Coordinator, Workflow};
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// let plugin = std::sync::Arc::new(PythonPlugin::load("examples/plugins/demo.py")?);
    /// let mut coordinator = Coordinator::new();
    /// for name in ["a", "b"] {
    ///     let config = ConnectionConfig::from_url("mysql://root@127.0.0.1:3306/test")?;
    ///     coordinator.add_workflow(name, config, (&common_states::WORKFLOW).then(plugin.clone()))?;
    /// }
    /// println!("{}", coordinator.run().await.to_human());
    /// # Ok(())
    /// # }
    /// ```
    pub fn load(path: impl AsRef<Path>) -> Result<PythonPlugin, PluginError> {
        let path = path.as_ref().to_path_buf();
        let read_error = |reason: String| PluginError::Read {
            path: path.clone(),
            reason,
        };
        let source =
            crate::input_file::read_limited(&path).map_err(|e| read_error(e.to_string()))?;
        let code = CString::new(source).map_err(|_| read_error("it contains a NUL byte".into()))?;
        let file = path.display().to_string();
        let file_c = CString::new(file.clone()).map_err(|_| read_error("bad file name".into()))?;
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "plugin".into());
        // One load at a time in the process: a plugin's declarations go to
        // the `test_rig` module in `sys.modules`, and Python may switch
        // threads while a plugin file runs, so two loads at once could each
        // pick up the other's states (seen with tests loading in parallel).
        let _one_at_a_time = LOADING.lock().unwrap_or_else(|p| p.into_inner());
        Python::with_gil(|py| {
            let python_error = |e: PyErr| PluginError::Python {
                path: path.clone(),
                traceback: bridge::traceback(py, &e),
            };
            let api = api_module(py).map_err(python_error)?;
            add_to_path(py, &path).map_err(python_error)?;
            let unique = LOADED.fetch_add(1, Ordering::Relaxed);
            let module_name = CString::new(format!("test_rig_plugin_{unique}"))
                .map_err(|e| read_error(e.to_string()))?;
            let module =
                PyModule::from_code(py, &code, &file_c, &module_name).map_err(python_error)?;
            let shape =
                declare::read(&file, &api, &module).map_err(|problems| PluginError::Invalid {
                    path: path.clone(),
                    problems,
                })?;
            Ok(Self::from_shape(py, path.clone(), leak(stem), shape))
        })
    }

    fn from_shape(
        py: Python<'_>,
        path: PathBuf,
        name: &'static str,
        shape: declare::Shape,
    ) -> Self {
        let state_names: Vec<&'static str> =
            shape.states.iter().map(|(n, _)| leak(n.clone())).collect();
        let states: &'static [StateMeta] = Box::leak(
            shape
                .states
                .iter()
                .zip(&state_names)
                .map(|((_, role), name)| StateMeta {
                    name,
                    role: *role,
                    failure: shape.failures.iter().any(|f| f == name),
                    doc: "",
                })
                .collect::<Vec<_>>()
                .into_boxed_slice(),
        );
        let metas: Vec<StepMeta> = shape
            .steps
            .iter()
            .map(|decl| step_meta(py, decl, &state_names))
            .collect();
        let mermaid = leak(mermaid(
            &state_names,
            &shape.states,
            &shape.failures,
            &metas,
            &shape.steps,
        ));
        let meta = |steps: Vec<StepMeta>| -> &'static WorkflowMeta {
            Box::leak(Box::new(WorkflowMeta {
                name,
                states,
                steps: Box::leak(steps.into_boxed_slice()),
                initial: 0,
                mermaid,
            }))
        };
        let roles: Vec<Option<String>> = if shape.roles.is_empty() {
            vec![None]
        } else {
            shape.roles.iter().cloned().map(Some).collect()
        };
        let funcs: Vec<Arc<Py<PyAny>>> = shape
            .steps
            .iter()
            .map(|d| Arc::new(d.func.clone_ref(py)))
            .collect();
        let variants = roles
            .into_iter()
            .map(|role| {
                let chosen: Vec<usize> = (0..shape.steps.len())
                    .filter(|i| shape.steps[*i].runs_for(role.as_deref()))
                    .collect();
                let erased: Vec<ErasedStep> = chosen
                    .iter()
                    .map(|i| ErasedStep {
                        from: shape.steps[*i].from,
                        to: Box::leak(shape.steps[*i].to.clone().into_boxed_slice()),
                    })
                    .collect();
                let def: &'static WorkflowDef = Box::leak(Box::new(WorkflowDef {
                    meta: meta(chosen.iter().map(|i| metas[*i].clone()).collect()),
                    steps: Box::leak(erased.into_boxed_slice()),
                    cleanup: Some(release),
                    run: run_through_plugin,
                }));
                Variant {
                    role,
                    def,
                    funcs: chosen.iter().map(|i| funcs[*i].clone()).collect(),
                }
            })
            .collect();
        PythonPlugin {
            path,
            meta: meta(metas),
            variants,
            cleanup: shape.cleanup.map(Arc::new),
        }
    }

    /// The roles its steps name (`role="..."`), sorted; empty when it has none.
    pub fn roles(&self) -> Vec<&str> {
        self.variants
            .iter()
            .filter_map(|v| v.role.as_deref())
            .collect()
    }

    /// The plugin as a participant of `role` runs it: its steps without a
    /// role and those of `role`. A plugin without roles takes `None`; one
    /// with roles needs one of them.
    pub fn for_role(self: &Arc<Self>, role: Option<&str>) -> Result<RolePlugin, PluginError> {
        match self.variants.iter().position(|v| v.role.as_deref() == role) {
            Some(variant) => Ok(RolePlugin {
                plugin: self.clone(),
                variant,
            }),
            None => Err(PluginError::Role {
                path: self.path.clone(),
                asked: role.map(str::to_string),
                roles: self.roles().iter().map(|r| r.to_string()).collect(),
            }),
        }
    }

    /// The plugin's states and steps, as for a compiled workflow (every
    /// role's steps; the diagram labels each with its role).
    pub fn meta(&self) -> &'static WorkflowMeta {
        self.meta
    }

    /// The file it was loaded from.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// A fresh `test_rig` module for one plugin to import: the Python API, the
/// context class and the `RigError` and `SqlError` exceptions. Fresh so that one plugin's
/// declarations never leak into another's.
fn api_module(py: Python<'_>) -> PyResult<Bound<'_, PyModule>> {
    // Checked at compile time: api.py holds no NUL byte.
    let source = pyo3::ffi::c_str!(include_str!("api.py"));
    let api = PyModule::from_code(py, source, c"<test_rig>", c"test_rig")?;
    api.add("RigError", py.get_type::<bridge::RigError>())?;
    api.add("SqlError", py.get_type::<bridge::SqlError>())?;
    api.add_class::<bridge::PyContext>()?;
    py.import("sys")?
        .getattr("modules")?
        .set_item("test_rig", &api)?;
    Ok(api)
}

/// Puts the plugin's directory first on `sys.path`, so that it can import
/// modules that sit next to it.
fn add_to_path(py: Python<'_>, plugin: &Path) -> PyResult<()> {
    let dir = match plugin.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let dir = std::fs::canonicalize(&dir).unwrap_or(dir);
    let sys_path = py.import("sys")?.getattr("path")?;
    let dir = dir.to_string_lossy().into_owned();
    if !sys_path.contains(&dir)? {
        sys_path.call_method1("insert", (0, dir))?;
    }
    Ok(())
}

/// Sends what Python code prints to standard error, keeping standard output
/// for a tool's report (e.g. `--format json`).
pub fn print_to_stderr() -> Result<(), StateError> {
    Python::with_gil(|py| {
        let sys = py.import("sys")?;
        sys.setattr("stdout", sys.getattr("stderr")?)
    })
    .map_err(|e| StateError::step(format!("cannot send Python's output to stderr: {e}")))
}

fn mermaid(
    names: &[&str],
    states: &[(String, StateRole)],
    failures: &[String],
    steps: &[StepMeta],
    decls: &[declare::StepDecl],
) -> String {
    let steps: Vec<test_rig_rules::DiagramStep<'_>> = steps
        .iter()
        .zip(decls)
        .map(|(step, decl)| test_rig_rules::DiagramStep {
            from: step.from,
            to: step.to.to_vec(),
            label: match &decl.role {
                Some(role) => format!("{} [{role}]", step.name),
                None => step.name.to_string(),
            },
        })
        .collect();
    let terminals: Vec<(&str, bool)> = states
        .iter()
        .filter(|(_, r)| *r == StateRole::Terminal)
        .map(|(name, _)| (name.as_str(), failures.contains(name)))
        .collect();
    test_rig_rules::mermaid(names[0], &steps, &terminals)
}

/// Which target a step's return value names.
fn decide(step: &StepMeta, returned: Option<String>) -> Result<usize, StateError> {
    let list = || {
        step.to
            .iter()
            .map(|t| format!("`{t}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match (returned, step.to.len()) {
        (None, 1) => Ok(0),
        (None, _) => Err(StateError::step(format!(
            "Python step `{}` returned None, but it has several targets: return the name of the state it moved to, one of {}",
            step.name,
            list()
        ))),
        (Some(name), _) => step.to.iter().position(|t| *t == name).ok_or_else(|| {
            StateError::step(format!(
                "Python step `{}` returned `{name}`, which is not one of its targets {}",
                step.name,
                list()
            ))
        }),
    }
}

/// Gives a closure the higher-ranked signature `drive_step` expects.
fn step_fn<F>(f: F) -> F
where
    F: for<'c> Fn(&'c mut StateContext) -> BoxFuture<'c, Result<usize, StateError>>,
{
    f
}

/// A plugin as the participants of one role run it
/// ([`PythonPlugin::for_role`]).
#[derive(Debug, Clone)]
pub struct RolePlugin {
    plugin: Arc<PythonPlugin>,
    variant: usize,
}

impl RolePlugin {
    /// The role, if the plugin has roles.
    pub fn role(&self) -> Option<&str> {
        self.plugin.variants[self.variant].role.as_deref()
    }
}

impl Workflow for RolePlugin {
    fn name(&self) -> String {
        self.plugin.meta.name.to_string()
    }

    fn run<'a>(&'a self, cx: StateContext) -> BoxFuture<'a, Result<StateContext, StepFailed>> {
        self.plugin.run_variant(self.variant, cx)
    }
}

impl PythonPlugin {
    fn run_variant(
        &self,
        variant: usize,
        mut cx: StateContext,
    ) -> BoxFuture<'_, Result<StateContext, StepFailed>> {
        let Variant { role, def, funcs } = &self.variants[variant];
        Box::pin(async move {
            let run = match cx.get::<PluginRun>() {
                Some(PluginRun(run)) => run.clone(),
                None => {
                    let run = bridge::RunData::new(&cx, role.clone());
                    cx.insert(PluginRun(run.clone()));
                    run
                }
            };
            if let Some(func) = &self.cleanup {
                cx.insert(PluginCleanup {
                    func: func.clone(),
                    run: run.clone(),
                });
            }
            let def: &'static WorkflowDef = def;
            let mut cx = def
                .run_steps(cx, |index| {
                    let (step, func, run) =
                        (&def.meta.steps[index], funcs[index].clone(), run.clone());
                    step_fn(move |cx| {
                        let (func, run) = (func.clone(), run.clone());
                        Box::pin(async move {
                            let returned = bridge::call(cx, step.name, func, run).await?;
                            decide(step, returned)
                        })
                    })
                })
                .await?;
            cx.remove::<PluginCleanup>();
            Ok(cx)
        })
    }
}

/// A plugin without roles runs as is; one with roles only through
/// [`PythonPlugin::for_role`] (this fails its participant, saying so).
impl Workflow for PythonPlugin {
    fn name(&self) -> String {
        self.meta.name.to_string()
    }

    fn run<'a>(&'a self, cx: StateContext) -> BoxFuture<'a, Result<StateContext, StepFailed>> {
        match self.variants.iter().position(|v| v.role.is_none()) {
            Some(variant) => self.run_variant(variant, cx),
            None => {
                let error = StateError::step(format!(
                    "plugin `{}` gives its steps roles ({}): each participant needs one of them (run it through PythonPlugin::for_role)",
                    self.path.display(),
                    self.roles().join(", ")
                ));
                let failed =
                    StepFailed::from_parts(self.meta.name, "", declare::READY, error, cx, None);
                Box::pin(async move { Err(failed) })
            }
        }
    }
}
