"""test_rig: what a plugin imports to declare its states and steps.

A plugin starts in READY, the end of the library's common states (connected,
checked, identified). It declares its own states with state() and
terminal(), and each step either with the @step(source, *targets) decorator
or with transition(name, source, *targets) naming a function defined in the
file. A step with one target returns None; a step with several returns the
name of the state it moved to. @cleanup marks the function that runs when a
step fails. A step given role="NAME" runs only on the participants of that
role (python_demo --roles NAME=COUNT,...); steps without a role run on all.
"""

import math
import sys

READY = "Ready"

# Filled while the plugin file runs; read by test-rig when it has run.
_states = []
_steps = []
_cleanups = []


def _caller_line():
    return sys._getframe(2).f_lineno


def _name(value, what):
    if not isinstance(value, str) or not value:
        raise TypeError(f"{what} must be a non-empty string, not {value!r}")
    return value


def state(name):
    """Declares an intermediate state; returns its name."""
    _states.append(("state", _name(name, "a state name"), _caller_line()))
    return name


def terminal(name, failure=False):
    """Declares a state the plugin ends in; returns its name. With
    failure=True, a participant that reaches it fails (its cleanup runs)."""
    if not isinstance(failure, bool):
        raise TypeError(f"failure must be True or False, not {failure!r}")
    kind = "failure" if failure else "terminal"
    _states.append((kind, _name(name, "a state name"), _caller_line()))
    return name


def _timeout(value):
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not (value > 0 and math.isfinite(value)):
        raise ValueError(f"timeout must be a positive number of seconds, not {value!r}")
    return float(value)


def _role(value):
    if value is None:
        return None
    return _name(value, "a role")


def transition(step, source, *targets, timeout=None, role=None):
    """Declares that function `step` of this file moves `source` to one of
    `targets`; `timeout` (seconds) bounds each run of the step; with `role`,
    only the participants of that role run it."""
    _steps.append(
        (
            _name(step, "a step name"),
            _name(source, "a source state"),
            [_name(t, "a target state") for t in targets],
            _caller_line(),
            None,
            _timeout(timeout),
            _role(role),
        )
    )


def step(source, *targets, timeout=None, role=None):
    """Decorator: the function below is the step from `source` to `targets`;
    `timeout` (seconds) bounds each run of the step; with `role`, only the
    participants of that role run it."""
    line = _caller_line()
    source = _name(source, "a source state")
    targets = [_name(t, "a target state") for t in targets]
    timeout = _timeout(timeout)
    role = _role(role)

    def register(func):
        name = getattr(func, "__name__", repr(func))
        _steps.append((name, source, targets, line, func, timeout, role))
        return func

    return register


def cleanup(func):
    """Decorator: the function below runs when a step of the plugin fails
    (after the transaction is rolled back, before the session is closed),
    e.g. to drop what the plugin created. At most one per plugin."""
    line = getattr(getattr(func, "__code__", None), "co_firstlineno", _caller_line() - 1)
    _cleanups.append((func, line))
    return func
