//! How the tests that stop statements look for them on the server, shared
//! by the tests of `test-rig` and `test-rig-bins`, which include this file
//! by path.

/// The ids of the connections whose current statement holds `marker`
/// (this query itself excluded).
pub fn statements_holding(marker: &str) -> String {
    format!(
        "SELECT ID FROM information_schema.PROCESSLIST WHERE INFO LIKE '%{marker}%' AND INFO NOT LIKE '%PROCESSLIST%'"
    )
}
