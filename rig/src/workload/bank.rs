//! The bank workload, as Jepsen's bank test runs it: a few accounts with
//! the same starting balance; a transfer reads both balances and writes
//! the new ones (refusing to overdraw), a read reads every balance. Under
//! an isolation level that lets a transfer miss another, money appears or
//! vanishes, and a read shows it.

use super::client::Txns;
use crate::error::StateError;
use crate::history::BankValue;
use crate::session::Session;
use crate::workflow::BoxFuture;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeMap;

/// How a refused transfer's error begins.
const INSUFFICIENT: &str = "insufficient funds";

/// The bank's shape.
#[derive(Debug, Clone, PartialEq)]
pub struct BankShape {
    /// How many accounts.
    pub accounts: u32,
    /// Each account's starting balance.
    pub balance: i64,
    /// The largest transfer.
    pub max_transfer: i64,
    /// The share of transactions that read every balance.
    pub read_fraction: f64,
}

impl Default for BankShape {
    /// Jepsen's bank defaults: 8 accounts, transfers of up to 5; here each
    /// account starts at 100 and half the transactions are reads.
    fn default() -> Self {
        BankShape {
            accounts: 8,
            balance: 100,
            max_transfer: 5,
            read_fraction: 0.5,
        }
    }
}

impl BankShape {
    /// The total every read must see.
    pub fn total(&self) -> i64 {
        i64::from(self.accounts) * self.balance
    }
}

/// One client's bank transactions.
pub(crate) struct BankTxns {
    rng: ChaCha8Rng,
    shape: BankShape,
    table: String,
}

impl BankTxns {
    pub(crate) fn new(seed: u64, client: u32, shape: BankShape, table: String) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(u64::from(client));
        BankTxns { rng, shape, table }
    }
}

/// Every balance, read in the current transaction.
pub(crate) async fn read_all(
    session: &mut Session,
    table: String,
) -> Result<BTreeMap<i64, i64>, StateError> {
    let rows: Vec<(i64, i64)> = session
        .query(&format!("SELECT id, balance FROM {table}"))
        .await?;
    Ok(rows.into_iter().collect())
}

async fn balance(session: &mut Session, table: &str, account: i64) -> Result<i64, StateError> {
    let rows: Vec<i64> = session
        .exec(
            &format!("SELECT balance FROM {table} WHERE id = ?"),
            (account,),
        )
        .await?;
    rows.first()
        .copied()
        .ok_or_else(|| StateError::step(format!("account {account} is missing")))
}

async fn set_balance(
    session: &mut Session,
    table: &str,
    account: i64,
    balance: i64,
) -> Result<(), StateError> {
    session
        .execute_with(
            &format!("UPDATE {table} SET balance = ? WHERE id = ?"),
            (balance, account),
        )
        .await
        .map(drop)
}

async fn body(
    session: &mut Session,
    table: &str,
    value: &BankValue,
) -> Result<BankValue, StateError> {
    match value {
        BankValue::Read(_) => Ok(BankValue::Read(Some(
            read_all(session, table.to_string()).await?,
        ))),
        BankValue::Transfer { from, to, amount } => {
            let (a, b) = (
                balance(session, table, *from).await?,
                balance(session, table, *to).await?,
            );
            if a < *amount {
                return Err(StateError::step(format!(
                    "{INSUFFICIENT}: account {from} has {a}, the transfer needs {amount}"
                )));
            }
            set_balance(session, table, *from, a - amount).await?;
            set_balance(session, table, *to, b + amount).await?;
            Ok(value.clone())
        }
    }
}

impl Txns for BankTxns {
    type Value = BankValue;

    fn refused(&self, error: &StateError) -> bool {
        matches!(error, StateError::Step(message) if message.starts_with(INSUFFICIENT))
    }

    fn next(&mut self) -> BankValue {
        if self.rng.random::<f64>() < self.shape.read_fraction {
            return BankValue::Read(None);
        }
        let accounts = i64::from(self.shape.accounts.max(2));
        let from = self.rng.random_range(0..accounts);
        // Another account: a step of 1 to accounts - 1 around the ring.
        let to = (from + self.rng.random_range(1..accounts)) % accounts;
        let amount = self.rng.random_range(1..=self.shape.max_transfer.max(1));
        BankValue::Transfer { from, to, amount }
    }

    fn body<'a>(
        &'a self,
        session: &'a mut Session,
        value: &'a BankValue,
    ) -> BoxFuture<'a, Result<BankValue, StateError>> {
        Box::pin(body(session, &self.table, value))
    }
}
