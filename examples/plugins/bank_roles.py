"""A test-rig plugin with roles: tellers deposit, one checker tallies.

    cargo run --features python --bin python_demo -- \
        --plugin examples/plugins/bank_roles.py --roles checker=1,teller=4

Each teller deposits its number (teller-3 deposits 3) into a shared table
and tells the checker how much; the checker waits for every teller's
message, then checks that the table holds exactly what the messages add up
to. A teller's step runs only on tellers and the checker's only on the
checker: `role="..."` on a step.
"""

import os

from test_rig import READY, cleanup, state, step, terminal

TABLE = f"rig_py_bank_{os.getpid()}"

state("Deposited")
terminal("Done")


@step(READY, "Deposited", role="teller")
def deposit(cx):
    """Deposits this teller's number and tells the checker."""
    amount = int(cx.participant.rsplit("-", 1)[1])
    cx.execute(f"CREATE TABLE IF NOT EXISTS {TABLE} (teller VARCHAR(32) PRIMARY KEY, amount INT)")
    cx.execute(f"INSERT INTO {TABLE} VALUES (?, ?)", (cx.participant, amount))
    checker = next(p for p in cx.participants if p.startswith("checker"))
    cx.send(checker, "deposit", {"teller": cx.participant, "amount": amount})


@step("Deposited", "Done", role="teller")
def wait_for_the_tally(cx):
    """Stays until the checker has read the table, then ends."""
    cx.barrier("tallied")


@step(READY, "Done", role="checker")
def tally(cx):
    """Receives one deposit per teller and checks the table against them."""
    tellers = [p for p in cx.participants if p.startswith("teller")]
    told = {}
    for _ in tellers:
        sender, body = cx.recv("deposit", timeout=60)
        assert sender == body["teller"], f"{sender} sent {body}"
        told[sender] = body["amount"]
    rows = dict(cx.query(f"SELECT teller, amount FROM {TABLE}"))
    assert rows == told, f"the table holds {rows}, the tellers said {told}"
    cx.log(f"{len(told)} deposits, {sum(told.values())} in all, as told")
    cx.execute(f"DROP TABLE {TABLE}")
    cx.barrier("tallied")


@cleanup
def drop_table(cx):
    cx.execute(f"DROP TABLE IF EXISTS {TABLE}")
