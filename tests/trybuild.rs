//! Compile-time proofs: `trybuild/pass` must compile and run, every file in
//! `trybuild/fail` must fail to compile with exactly the checked-in `.stderr`.
//! Regenerate snapshots with `TRYBUILD=overwrite cargo test --test trybuild`
//! and review them.

#[test]
fn workflows_compile_or_fail_as_documented() {
    let cases = trybuild::TestCases::new();
    cases.pass("trybuild/pass/*.rs");
    cases.compile_fail("trybuild/fail/*.rs");
}
