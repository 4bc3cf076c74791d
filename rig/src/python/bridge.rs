//! How a Python step talks to its participant's session: the function runs
//! on a blocking thread (holding the GIL only while it runs Python), and
//! every `cx.query`/`cx.execute` becomes a request to the step's async side,
//! which owns the session. The tokio runtime's other tasks never wait on
//! Python, and statements run on the participant's own session, in order.

use super::values;
use crate::context::StateContext;
use crate::error::StateError;
use mysql_async::{Params, Row};
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};

pyo3::create_exception!(
    test_rig,
    RigError,
    pyo3::exceptions::PyException,
    "A request to test-rig failed (a barrier whose peer failed, a lost session...)."
);
pyo3::create_exception!(
    test_rig,
    SqlError,
    RigError,
    "A statement failed on the server; `code` is the server's error code (e.g. 1213 for a deadlock)."
);

/// What a running Python step asks of its session.
enum Request {
    Query(
        String,
        Params,
        oneshot::Sender<Result<Vec<Row>, StateError>>,
    ),
    Execute(String, Params, oneshot::Sender<Result<u64, StateError>>),
    Log(String),
    /// Drops the session's connection unused (a ROLLBACK was refused).
    Discard,
    Barrier(String, Duration, oneshot::Sender<Result<(), StateError>>),
    Send(
        String,
        String,
        serde_json::Value,
        oneshot::Sender<Result<(), StateError>>,
    ),
    Recv(
        Option<String>,
        String,
        Duration,
        oneshot::Sender<Result<crate::coordinator::Message, StateError>>,
    ),
}

/// What a participant's Python steps share for its whole run: `cx.data`,
/// and who and where the participant is, read once when the plugin starts.
pub(crate) struct RunData {
    data: OnceLock<Py<PyDict>>,
    participant: String,
    participants: Vec<String>,
    role: Option<String>,
    flavor: Option<String>,
    server_version: Option<String>,
}

impl RunData {
    pub(crate) fn new(cx: &StateContext, role: Option<String>) -> Arc<RunData> {
        let participant = cx.participant().to_string();
        let participants = match cx.shared() {
            Ok(shared) => shared.participants().into_keys().collect(),
            Err(_) => vec![participant.clone()],
        };
        Arc::new(RunData {
            data: OnceLock::new(),
            participant,
            participants,
            role,
            flavor: cx.server().map(|s| s.flavor.to_string()),
            server_version: cx.server().map(|s| s.version.to_string()),
        })
    }
}

/// The `cx` a step function receives.
#[pyclass(name = "Context", module = "test_rig")]
pub(crate) struct PyContext {
    requests: mpsc::UnboundedSender<Request>,
    run: Arc<RunData>,
    /// A dict that lives for the participant's run.
    #[pyo3(get)]
    data: Py<PyDict>,
    /// The step being run.
    #[pyo3(get)]
    step: String,
}

impl PyContext {
    fn ask<T: Send>(
        &self,
        py: Python<'_>,
        make: impl FnOnce(oneshot::Sender<Result<T, StateError>>) -> Request,
    ) -> PyResult<T> {
        let (reply, answer) = oneshot::channel();
        self.requests
            .send(make(reply))
            .map_err(|_| self.step_over())?;
        match py.allow_threads(|| answer.blocking_recv()) {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => {
                let code = e.server_code();
                let err = match code {
                    Some(_) => SqlError::new_err(e.to_string()),
                    None => RigError::new_err(e.to_string()),
                };
                err.value(py).setattr("code", code)?;
                Err(err)
            }
            Err(_) => Err(self.step_over()),
        }
    }

    fn step_over(&self) -> PyErr {
        PyRuntimeError::new_err(format!(
            "this cx belongs to step `{}`, which is over (it returned, timed out or was cancelled); use the cx passed to the running step",
            self.step
        ))
    }
}

#[pymethods]
impl PyContext {
    /// The participant's name.
    #[getter]
    fn participant(&self) -> &str {
        &self.run.participant
    }

    /// Every participant of the run, this one included, sorted.
    #[getter]
    fn participants(&self) -> Vec<String> {
        self.run.participants.clone()
    }

    /// The participant's role (python_demo --roles); None without roles.
    #[getter]
    fn role(&self) -> Option<&str> {
        self.run.role.as_deref()
    }

    /// `TiDB`, `MySQL` or `MariaDB`; None before the version was read.
    #[getter]
    fn flavor(&self) -> Option<&str> {
        self.run.flavor.as_deref()
    }

    /// The server's version, e.g. `10.11.6`.
    #[getter]
    fn server_version(&self) -> Option<&str> {
        self.run.server_version.as_deref()
    }

    /// Runs a query and returns its rows as a list of tuples. `params` binds
    /// `?` placeholders (a tuple or list) or `:name` ones (a dict).
    #[pyo3(signature = (sql, params = None))]
    fn query<'py>(
        &self,
        py: Python<'py>,
        sql: String,
        params: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyList>> {
        let params = values::params(params)?;
        let rows = self.ask(py, |reply| Request::Query(sql, params, reply))?;
        values::rows(py, rows)
    }

    /// Runs a statement and returns the number of affected rows.
    #[pyo3(signature = (sql, params = None))]
    fn execute(
        &self,
        py: Python<'_>,
        sql: String,
        params: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<u64> {
        let params = values::params(params)?;
        self.ask(py, |reply| Request::Execute(sql, params, reply))
    }

    /// Writes a line to the run's log and event log.
    fn log(&self, message: String) -> PyResult<()> {
        self.requests
            .send(Request::Log(message))
            .map_err(|_| self.step_over())
    }

    /// Waits until every participant still running reaches barrier `name`;
    /// raises RigError at once if a peer failed, or after `timeout` seconds.
    #[pyo3(signature = (name, timeout = 30.0))]
    fn barrier(&self, py: Python<'_>, name: String, timeout: f64) -> PyResult<()> {
        let limit = seconds(timeout)?;
        self.ask(py, |reply| Request::Barrier(name, limit, reply))
    }

    /// Sends `body` (anything `json.dumps` takes) to participant `to` under
    /// `topic`; the receiver gets it back as the same JSON value.
    #[pyo3(signature = (to, topic, body = None))]
    fn send(
        &self,
        py: Python<'_>,
        to: String,
        topic: String,
        body: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        let text: String = py
            .import("json")?
            .call_method1("dumps", (body,))?
            .extract()?;
        let value: serde_json::Value = serde_json::from_str(&text)
            .map_err(|e| pyo3::exceptions::PyValueError::new_err(e.to_string()))?;
        self.ask(py, |reply| Request::Send(to, topic, value, reply))
    }

    /// Waits for the oldest message under `topic` (from `sender` only, if
    /// given) and returns `(sender, body)`; raises RigError after `timeout`
    /// seconds, or at once when the peers that could send it have ended.
    #[pyo3(signature = (topic, sender = None, timeout = 30.0))]
    fn recv<'py>(
        &self,
        py: Python<'py>,
        topic: String,
        sender: Option<String>,
        timeout: f64,
    ) -> PyResult<(String, Bound<'py, PyAny>)> {
        let limit = seconds(timeout)?;
        let message = self.ask(py, |reply| Request::Recv(sender, topic, limit, reply))?;
        let body = py
            .import("json")?
            .call_method1("loads", (message.body.to_string(),))?;
        Ok((message.from, body))
    }

    /// Runs `body(cx)` in a transaction: START TRANSACTION, the body, COMMIT.
    /// A body or COMMIT that fails with a deadlock, lock wait timeout or
    /// write conflict (`SqlError` with such a `code`) is rolled back and
    /// run again, up to `attempts` times in all; any other exception rolls
    /// back and is raised. Returns what the body returned. A ROLLBACK the
    /// server refuses drops the session (its next START TRANSACTION would
    /// commit the failed work) and raises RigError.
    #[pyo3(signature = (body, attempts = 3))]
    fn transaction(
        slf: &Bound<'_, Self>,
        body: &Bound<'_, PyAny>,
        attempts: u32,
    ) -> PyResult<Py<PyAny>> {
        let py = slf.py();
        if attempts == 0 {
            return Err(pyo3::exceptions::PyValueError::new_err(
                "attempts must be at least 1",
            ));
        }
        let this = slf.borrow();
        let run = |sql: &str| {
            this.ask(py, |reply| {
                Request::Execute(sql.to_string(), Params::Empty, reply)
            })
        };
        let mut attempt = 0;
        loop {
            attempt += 1;
            run("START TRANSACTION")?;
            let done = body
                .call1((slf,))
                .and_then(|value| run("COMMIT").map(|_| value.unbind()));
            let error = match done {
                Ok(value) => return Ok(value),
                Err(e) => e,
            };
            if let Err(refused) = run("ROLLBACK") {
                let _ = this.requests.send(Request::Discard);
                return Err(RigError::new_err(format!(
                    "the ROLLBACK after a failed transaction was refused ({refused}); the session was dropped, since its next transaction would commit the failed work"
                )));
            }
            let transient = error.is_instance_of::<SqlError>(py)
                && error
                    .value(py)
                    .getattr("code")
                    .and_then(|c| c.extract::<Option<u16>>())
                    .ok()
                    .flatten()
                    .is_some_and(crate::error::is_transient_code);
            if !transient || attempt >= attempts {
                return Err(error);
            }
        }
    }

    fn __repr__(&self) -> String {
        format!(
            "<test_rig.Context participant={:?} step={:?}>",
            self.run.participant, self.step
        )
    }
}

/// A Python timeout in seconds, checked.
fn seconds(timeout: f64) -> PyResult<Duration> {
    Duration::try_from_secs_f64(timeout).map_err(|_| {
        pyo3::exceptions::PyValueError::new_err(format!(
            "timeout must be a non-negative number of seconds, not {timeout}"
        ))
    })
}

/// Calls `func(cx)` on a blocking thread and serves its statements on the
/// participant's session until it returns; the function's return value
/// (None or a state name) comes back as `Ok(Some(name))`/`Ok(None)`.
pub(crate) async fn call(
    cx: &mut StateContext,
    step: &str,
    func: Arc<Py<PyAny>>,
    run: Arc<RunData>,
) -> Result<Option<String>, StateError> {
    let (requests, mut incoming) = mpsc::unbounded_channel();
    let step_name = step.to_string();
    // Everything that touches Python objects happens on the blocking thread,
    // so a tokio worker never waits for the GIL.
    let mut python = tokio::task::spawn_blocking(move || {
        Python::with_gil(|py| -> Result<Option<String>, String> {
            let context = PyContext {
                requests,
                data: run
                    .data
                    .get_or_init(|| PyDict::new(py).unbind())
                    .clone_ref(py),
                run,
                step: step_name,
            };
            let context = Py::new(py, context).map_err(|e| raised(py, &e))?;
            let returned = func.call1(py, (context,)).map_err(|e| raised(py, &e))?;
            if returned.is_none(py) {
                return Ok(None);
            }
            returned.extract::<String>(py).map(Some).map_err(|_| {
                format!(
                    "returned {} instead of None or the name of the state it moved to",
                    returned
                        .bind(py)
                        .repr()
                        .map(|r| r.to_string())
                        .unwrap_or_default()
                )
            })
        })
    });
    loop {
        tokio::select! {
            biased;
            Some(request) = incoming.recv() => serve(cx, request).await,
            finished = &mut python => {
                return match finished {
                    Ok(Ok(state)) => Ok(state),
                    Ok(Err(message)) => Err(StateError::step(format!(
                        "Python step `{step}` {message}"
                    ))),
                    Err(e) => Err(StateError::step(format!("Python step `{step}` did not finish: {e}"))),
                };
            }
        }
    }
}

async fn serve(cx: &mut StateContext, request: Request) {
    match request {
        Request::Query(sql, params, reply) => {
            let result = match cx.session() {
                Ok(s) if params == Params::Empty => s.query::<Row>(&sql).await,
                Ok(s) => s.exec::<Row, _>(&sql, params).await,
                Err(e) => Err(e),
            };
            let _ = reply.send(result);
        }
        Request::Execute(sql, params, reply) => {
            let result = match cx.session() {
                Ok(s) if params == Params::Empty => s.execute(&sql).await,
                Ok(s) => s.execute_with(&sql, params).await,
                Err(e) => Err(e),
            };
            let _ = reply.send(result);
        }
        Request::Barrier(name, limit, reply) => {
            let _ = reply.send(cx.barrier(&name, limit).await);
        }
        Request::Send(to, topic, body, reply) => {
            let _ = reply.send(cx.send(&to, &topic, body));
        }
        Request::Recv(from, topic, limit, reply) => {
            let received = match from {
                Some(from) => cx.recv_from(&from, &topic, limit).await,
                None => cx.recv(&topic, limit).await,
            };
            let _ = reply.send(received);
        }
        Request::Discard => {
            if let Ok(session) = cx.session() {
                session.discard();
            }
        }
        Request::Log(message) => {
            tracing::info!(participant = cx.participant(), "{message}");
            // Outside a coordinator there is no event log; the trace line is enough.
            let _ = cx.publish("log", &message);
        }
    }
}

/// `raised Type: message`, then the whole traceback on the lines below.
fn raised(py: Python<'_>, err: &PyErr) -> String {
    let traceback = traceback(py, err);
    let last = traceback.lines().last().unwrap_or_default();
    format!("raised {last}\n{traceback}")
}

/// The Python traceback of `err`, as Python prints it.
pub(crate) fn traceback(py: Python<'_>, err: &PyErr) -> String {
    let formatted = py.import("traceback").and_then(|tb| {
        tb.call_method1(
            "format_exception",
            (err.get_type(py), err.value(py), err.traceback(py)),
        )?
        .extract::<Vec<String>>()
    });
    match formatted {
        Ok(lines) => lines.concat().trim_end().to_string(),
        Err(_) => err.to_string(),
    }
}
