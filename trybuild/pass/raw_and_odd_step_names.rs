// Raw identifiers and names without letters are legal Rust step names: the
// macro accepts them and shows them without `r#`.
#[test_rig::workflow]
pub mod odd {
    use test_rig::prelude::*;

    #[initial]
    pub struct A;
    pub struct B;
    pub struct C;
    #[terminal]
    pub struct D;
    #[terminal]
    pub struct E;

    #[step(A -> B)]
    async fn r#type(_cx: &mut StateContext) -> Result<(), StateError> {
        Ok(())
    }

    #[step(B -> C)]
    async fn __(_cx: &mut StateContext) -> Result<(), StateError> {
        Ok(())
    }

    #[step(C -> D | E)]
    async fn _1st(_cx: &mut StateContext) -> Result<Step1st, StateError> {
        Ok(Step1st::D)
    }
}

fn main() {
    let names: Vec<&str> = odd::META.steps.iter().map(|s| s.name).collect();
    assert_eq!(names, ["type", "__", "_1st"]);
    assert!(odd::META.mermaid.contains("A --> B: type\n"), "{}", odd::META.mermaid);
}
