//! The anomalies the checker reports and the consistency models that
//! forbid them. The table follows Elle's `elle.consistency-model`
//! (jepsen-io/elle), which cites Adya, Liskov & O'Neil's "Generalized
//! Isolation Level Definitions" for each: read uncommitted (PL-1) forbids
//! G0; read committed (PL-2) forbids G1 (G1a, G1b, G1c); repeatable read
//! (PL-2.99) adds G2-item; snapshot isolation forbids G1, G-single and
//! G-nonadjacent and internal inconsistency, not G2-item; serializable
//! (PL-3) forbids G1 and G2; strict serializable adds their process and
//! real-time variants, and stale reads (a read that misses a write
//! acknowledged before it began: Adya's PL-SS real-time order). Elle's
//! implications are applied: G0 implies G1c,
//! incompatible orders and dirty updates imply G1a, and in a list-append
//! history every G-single and G-nonadjacent cycle is also G2-item.

use serde::Serialize;

/// A kind of anomaly the checker can find.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum AnomalyKind {
    /// A cycle of write-write dependencies (dirty write).
    #[serde(rename = "G0")]
    G0,
    /// A committed read of a value an aborted transaction wrote.
    #[serde(rename = "G1a")]
    G1a,
    /// A committed read of a value that its writer later overwrote itself.
    #[serde(rename = "G1b")]
    G1b,
    /// A cycle of write-write and write-read dependencies.
    #[serde(rename = "G1c")]
    G1c,
    /// A cycle with exactly one read-write anti-dependency (read skew).
    #[serde(rename = "G-single")]
    GSingle,
    /// A cycle with several anti-dependencies, none adjacent.
    #[serde(rename = "G-nonadjacent")]
    GNonadjacent,
    /// Any other cycle with anti-dependencies (write skew).
    #[serde(rename = "G2-item")]
    G2Item,
    /// G0 that needs a process-order edge.
    #[serde(rename = "G0-process")]
    G0Process,
    /// G1c that needs a process-order edge.
    #[serde(rename = "G1c-process")]
    G1cProcess,
    /// G-single that needs a process-order edge.
    #[serde(rename = "G-single-process")]
    GSingleProcess,
    /// G-nonadjacent that needs a process-order edge.
    #[serde(rename = "G-nonadjacent-process")]
    GNonadjacentProcess,
    /// G2-item that needs a process-order edge.
    #[serde(rename = "G2-item-process")]
    G2ItemProcess,
    /// G0 that needs a real-time edge.
    #[serde(rename = "G0-realtime")]
    G0Realtime,
    /// G1c that needs a real-time edge.
    #[serde(rename = "G1c-realtime")]
    G1cRealtime,
    /// G-single that needs a real-time edge: typically a stale read.
    #[serde(rename = "G-single-realtime")]
    GSingleRealtime,
    /// G-nonadjacent that needs a real-time edge.
    #[serde(rename = "G-nonadjacent-realtime")]
    GNonadjacentRealtime,
    /// G2-item that needs a real-time edge.
    #[serde(rename = "G2-item-realtime")]
    G2ItemRealtime,
    /// Two committed reads of one key, neither a prefix of the other.
    #[serde(rename = "incompatible-order")]
    IncompatibleOrder,
    /// A committed write placed after an aborted one in a key's order.
    #[serde(rename = "dirty-update")]
    DirtyUpdate,
    /// A read list holding the same element twice.
    #[serde(rename = "duplicate-elements")]
    DuplicateElements,
    /// A transaction whose reads disagree with its own earlier operations.
    #[serde(rename = "internal")]
    Internal,
    /// An acknowledged append that no read begun after it contains.
    #[serde(rename = "lost-append")]
    LostAppend,
    /// A read that misses an append acknowledged before the read began.
    #[serde(rename = "stale-read")]
    StaleRead,
    /// Bank: a read whose balances do not add up to the total.
    #[serde(rename = "wrong-total")]
    WrongTotal,
    /// Bank: a read with a negative balance.
    #[serde(rename = "negative-balance")]
    NegativeBalance,
}

impl AnomalyKind {
    /// Every kind, in the order reports list them.
    pub const ALL: [AnomalyKind; 25] = [
        AnomalyKind::G0,
        AnomalyKind::G1a,
        AnomalyKind::G1b,
        AnomalyKind::G1c,
        AnomalyKind::GSingle,
        AnomalyKind::GNonadjacent,
        AnomalyKind::G2Item,
        AnomalyKind::G0Process,
        AnomalyKind::G1cProcess,
        AnomalyKind::GSingleProcess,
        AnomalyKind::GNonadjacentProcess,
        AnomalyKind::G2ItemProcess,
        AnomalyKind::G0Realtime,
        AnomalyKind::G1cRealtime,
        AnomalyKind::GSingleRealtime,
        AnomalyKind::GNonadjacentRealtime,
        AnomalyKind::G2ItemRealtime,
        AnomalyKind::IncompatibleOrder,
        AnomalyKind::DirtyUpdate,
        AnomalyKind::DuplicateElements,
        AnomalyKind::Internal,
        AnomalyKind::LostAppend,
        AnomalyKind::StaleRead,
        AnomalyKind::WrongTotal,
        AnomalyKind::NegativeBalance,
    ];

    /// The name used in reports (Elle's, where Elle has one).
    pub fn name(self) -> &'static str {
        match self {
            AnomalyKind::G0 => "G0",
            AnomalyKind::G1a => "G1a",
            AnomalyKind::G1b => "G1b",
            AnomalyKind::G1c => "G1c",
            AnomalyKind::GSingle => "G-single",
            AnomalyKind::GNonadjacent => "G-nonadjacent",
            AnomalyKind::G2Item => "G2-item",
            AnomalyKind::G0Process => "G0-process",
            AnomalyKind::G1cProcess => "G1c-process",
            AnomalyKind::GSingleProcess => "G-single-process",
            AnomalyKind::GNonadjacentProcess => "G-nonadjacent-process",
            AnomalyKind::G2ItemProcess => "G2-item-process",
            AnomalyKind::G0Realtime => "G0-realtime",
            AnomalyKind::G1cRealtime => "G1c-realtime",
            AnomalyKind::GSingleRealtime => "G-single-realtime",
            AnomalyKind::GNonadjacentRealtime => "G-nonadjacent-realtime",
            AnomalyKind::G2ItemRealtime => "G2-item-realtime",
            AnomalyKind::IncompatibleOrder => "incompatible-order",
            AnomalyKind::DirtyUpdate => "dirty-update",
            AnomalyKind::DuplicateElements => "duplicate-elements",
            AnomalyKind::Internal => "internal",
            AnomalyKind::LostAppend => "lost-append",
            AnomalyKind::StaleRead => "stale-read",
            AnomalyKind::WrongTotal => "wrong-total",
            AnomalyKind::NegativeBalance => "negative-balance",
        }
    }

    /// Whether this kind is a cycle that needs a process-order or
    /// real-time edge (what only strict serializability forbids).
    pub fn is_session_or_realtime(self) -> bool {
        self >= AnomalyKind::G0Process && self <= AnomalyKind::G2ItemRealtime
    }
}

impl std::fmt::Display for AnomalyKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A consistency model a history can be checked against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Model {
    /// Adya's PL-1.
    ReadUncommitted,
    /// Adya's PL-2.
    ReadCommitted,
    /// Adya's PL-2.99.
    RepeatableRead,
    /// Adya's PL-SI (generalized snapshot isolation).
    SnapshotIsolation,
    /// Adya's PL-3 (conflict serializability).
    Serializable,
    /// Adya's PL-SS: serializable in an order that respects real time.
    StrictSerializable,
}

impl Model {
    /// Every model, weakest first.
    pub const ALL: [Model; 6] = [
        Model::ReadUncommitted,
        Model::ReadCommitted,
        Model::RepeatableRead,
        Model::SnapshotIsolation,
        Model::Serializable,
        Model::StrictSerializable,
    ];

    /// The model's name: `read-committed`, `strict-serializable`, ...
    pub fn name(self) -> &'static str {
        match self {
            Model::ReadUncommitted => "read-uncommitted",
            Model::ReadCommitted => "read-committed",
            Model::RepeatableRead => "repeatable-read",
            Model::SnapshotIsolation => "snapshot-isolation",
            Model::Serializable => "serializable",
            Model::StrictSerializable => "strict-serializable",
        }
    }

    /// The model named `name` (as [`Model::name`] gives it).
    pub fn parse(name: &str) -> Option<Model> {
        Model::ALL.into_iter().find(|m| m.name() == name)
    }

    /// Whether a history with an anomaly of `kind` violates this model.
    pub fn forbids(self, kind: AnomalyKind) -> bool {
        use AnomalyKind::*;
        // No model lets an acknowledged commit vanish, nor a key's
        // versions repeat (Elle: PL-1 forbids duplicate elements).
        let everywhere = matches!(kind, G0 | DuplicateElements | LostAppend);
        let g1 = matches!(kind, G1a | G1b | G1c | IncompatibleOrder | DirtyUpdate);
        let item_cycle = matches!(kind, GSingle | GNonadjacent | G2Item);
        // Transfers only move money: a read that sees another total saw
        // part of a transfer (read skew, G-single) or one lost (lost
        // update); a negative balance needs a lost update. Repeatable read
        // and snapshot isolation forbid both (Berenson et al., "A Critique
        // of ANSI SQL Isolation Levels": P4 and A5A); read committed does not.
        let bank = matches!(kind, WrongTotal | NegativeBalance);
        match self {
            Model::ReadUncommitted => everywhere,
            Model::ReadCommitted => everywhere || g1,
            Model::RepeatableRead => everywhere || g1 || item_cycle || bank,
            Model::SnapshotIsolation => {
                everywhere || g1 || bank || matches!(kind, GSingle | GNonadjacent | Internal)
            }
            Model::Serializable => everywhere || g1 || item_cycle || bank || kind == Internal,
            Model::StrictSerializable => true,
        }
    }
}

impl std::fmt::Display for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Elle's consistency-model names (elle.consistency-model), which
    /// `--model` takes and the report prints.
    #[test]
    fn every_model_has_elles_name_and_parses_back_from_it() {
        let names: Vec<&str> = Model::ALL.iter().map(|m| m.name()).collect();
        assert_eq!(
            names,
            [
                "read-uncommitted",
                "read-committed",
                "repeatable-read",
                "snapshot-isolation",
                "serializable",
                "strict-serializable",
            ]
        );
        for model in Model::ALL {
            assert_eq!(Model::parse(model.name()), Some(model));
            assert_eq!(model.to_string(), model.name());
        }
        assert_eq!(Model::parse("snapshot"), None);
        assert_eq!(Model::parse(""), None);
    }
}
