"""test_rig: what a plugin imports to declare its states and steps.

A plugin starts in READY, the end of the library's common states (connected,
checked, identified). It declares its own states with state() and
terminal(), and each step either with the @step(source, *targets) decorator
or with transition(name, source, *targets) naming a function defined in the
file. A step with one target returns None; a step with several returns the
name of the state it moved to.
"""

import sys

READY = "Ready"

# Filled while the plugin file runs; read by test-rig when it has run.
_states = []
_steps = []


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


def terminal(name):
    """Declares a state the plugin ends in; returns its name."""
    _states.append(("terminal", _name(name, "a state name"), _caller_line()))
    return name


def transition(step, source, *targets):
    """Declares that function `step` of this file moves `source` to one of `targets`."""
    _steps.append(
        (
            _name(step, "a step name"),
            _name(source, "a source state"),
            [_name(t, "a target state") for t in targets],
            _caller_line(),
            None,
        )
    )


def step(source, *targets):
    """Decorator: the function below is the step from `source` to `targets`."""
    line = _caller_line()
    source = _name(source, "a source state")
    targets = [_name(t, "a target state") for t in targets]

    def register(func):
        _steps.append((getattr(func, "__name__", repr(func)), source, targets, line, func))
        return func

    return register
