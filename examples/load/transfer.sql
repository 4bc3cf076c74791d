-- One pass: move 1 from this connection's account to another, in a
-- transaction. Two passes that take the same two rows in opposite orders
-- deadlock now and then: the server picks one to fail (1213), the tool
-- counts it, rolls it back and goes on.
-- Table: cargo run --bin basic -- -e "CREATE TABLE rig_accounts (id INT PRIMARY KEY, balance INT) SELECT seq AS id, 1000 AS balance FROM seq_0_to_9"
BEGIN;
UPDATE rig_accounts SET balance = balance - 1 WHERE id = {participant} % 10;
UPDATE rig_accounts SET balance = balance + 1 WHERE id = ({participant} + {iteration}) % 10;
COMMIT;
