"""A test-rig plugin: an isolation check across sessions, from Python.

Hermitage's "g1c"-style question, as a user would ask it: does a
transaction see a row another session committed after the transaction's
first read? Under REPEATABLE READ it must not (the snapshot holds); under
READ COMMITTED it must. Run it on two or more connections: conn-1 reads,
every other connection writes in turn.

    cargo run --features python --bin python_demo -- \
        --plugin examples/plugins/read_committed.py --connections 2
"""

import os

from test_rig import READY, cleanup, state, step, terminal

state("Prepared")
state("Checked")
terminal("Done")

TABLE = f"rig_py_isolation_{os.getpid()}"
READER = "conn-1"


def is_reader(cx):
    return cx.participant == READER


@step(READY, "Prepared")
def prepare(cx):
    """The reader creates the table; everyone waits until it exists."""
    if len(cx.participants) < 2:
        raise RuntimeError("this check needs a writer: run it with --connections 2")
    if is_reader(cx):
        cx.execute(f"DROP TABLE IF EXISTS {TABLE}")
        cx.execute(f"CREATE TABLE {TABLE} (id INT PRIMARY KEY, value INT)")
        cx.execute(f"INSERT INTO {TABLE} VALUES (1, 10)")
    cx.barrier("created")


def snapshot_round(cx, level, expect_new):
    """One round: the reader opens a transaction at `level` and reads; a
    writer commits an update; the reader reads again."""
    name = level.replace(" ", "-").lower()
    if is_reader(cx):
        cx.execute(f"SET SESSION TRANSACTION ISOLATION LEVEL {level}")
        cx.execute("START TRANSACTION")
        (before,) = cx.query(f"SELECT value FROM {TABLE} WHERE id = ?", (1,))[0]
    cx.barrier(f"{name}-read")
    if cx.participant == "conn-2":
        cx.execute(f"UPDATE {TABLE} SET value = value + 1 WHERE id = ?", (1,))
    cx.barrier(f"{name}-written")
    if is_reader(cx):
        (after,) = cx.query(f"SELECT value FROM {TABLE} WHERE id = ?", (1,))[0]
        cx.execute("COMMIT")
        saw_new = after != before
        cx.log(f"{level}: first read {before}, after a committed update {after}")
        if saw_new != expect_new:
            what = "saw" if saw_new else "did not see"
            raise AssertionError(
                f"{level}: the transaction {what} a row committed after its first read "
                f"({before} then {after})"
            )
    cx.barrier(f"{name}-done")


@step("Prepared", "Checked")
def check_levels(cx):
    """REPEATABLE READ keeps its snapshot; READ COMMITTED sees the commit."""
    snapshot_round(cx, "REPEATABLE READ", expect_new=False)
    snapshot_round(cx, "READ COMMITTED", expect_new=True)


@step("Checked", "Done")
def drop_table(cx):
    """The reader drops the table."""
    if is_reader(cx):
        cx.execute(f"DROP TABLE {TABLE}")


@cleanup
def drop_if_left(cx):
    """When a step failed: the reader drops the table."""
    if is_reader(cx):
        cx.execute(f"DROP TABLE IF EXISTS {TABLE}")
