"""A test-rig plugin: create a table, write rows, read them back, check, drop.

Runs after the common states (connected, checked, identified):

    cargo run --features python --bin python_demo -- --plugin examples/plugins/demo.py

Each participant works on its own table, so any number can run at once; if
a step fails, the cleanup drops it.
"""

import datetime
import decimal
import os

from test_rig import READY, cleanup, state, step, terminal

state("TableCreated")
state("RowsWritten")
state("Verified")
terminal("Done")

ROWS = [
    (1, "one", decimal.Decimal("1.50"), datetime.date(2024, 2, 29), None),
    (2, "two", decimal.Decimal("-0.01"), datetime.date(1999, 12, 31), b"\x00\xff"),
    (3, "it's \"quoted\"; DROP TABLE x", decimal.Decimal("123.45"), None, b""),
]


@step(READY, "TableCreated")
def create_table(cx):
    """Creates this participant's table."""
    suffix = cx.participant.replace("-", "_")
    table = f"rig_py_demo_{os.getpid()}_{suffix}"
    cx.execute(f"DROP TABLE IF EXISTS {table}")
    cx.execute(
        f"CREATE TABLE {table} (id INT PRIMARY KEY, name VARCHAR(64), "
        "amount DECIMAL(8,2), day DATE NULL, raw VARBINARY(16) NULL)"
    )
    cx.data["table"] = table
    cx.log(f"created {table} on {cx.flavor} {cx.server_version}")


@step("TableCreated", "RowsWritten")
def write_rows(cx):
    """Inserts the rows with bound parameters, in one transaction."""
    table = cx.data["table"]
    cx.execute("START TRANSACTION")
    written = sum(
        cx.execute(f"INSERT INTO {table} VALUES (?, ?, ?, ?, ?)", row) for row in ROWS
    )
    cx.execute("COMMIT")
    cx.data["written"] = written


@step("RowsWritten", "Verified")
def read_back(cx):
    """Reads the rows back and compares them, value for value and type for type."""
    table = cx.data["table"]
    rows = cx.query(f"SELECT id, name, amount, day, raw FROM {table} ORDER BY id")
    cx.data["rows"] = rows
    if cx.data["written"] != len(ROWS) or rows != ROWS:
        raise AssertionError(f"wrote {ROWS!r}, read back {rows!r}")
    one = cx.query(f"SELECT name FROM {table} WHERE id = :id", {"id": 2})
    if one != [("two",)]:
        raise AssertionError(f"named parameter lookup returned {one!r}")


@step("Verified", "Done")
def drop_table(cx):
    """Drops the table."""
    cx.execute(f"DROP TABLE {cx.data['table']}")
    cx.log(f"{len(cx.data['rows'])} rows written, read back and checked")


@cleanup
def drop_if_left(cx):
    """When a step failed: drop the table if it was created."""
    if "table" in cx.data:
        cx.execute(f"DROP TABLE IF EXISTS {cx.data['table']}")
