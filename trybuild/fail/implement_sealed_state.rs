// The state trait is sealed: a type from outside the workflow cannot become one of its states.
pub struct Sneaky;

impl test_rig::common_states::State for Sneaky {
    const NAME: &'static str = "Sneaky";
}

fn main() {}
