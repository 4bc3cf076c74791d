//! The workflow's `stateDiagram-v2` text, as its docs, `--diagram` and the
//! HTML pages show it.

/// A step as the diagram draws it: an arrow to each target, labelled.
#[derive(Debug, Clone)]
pub struct DiagramStep<'a> {
    /// The state it leaves.
    pub from: &'a str,
    /// The states it may reach.
    pub to: Vec<&'a str>,
    /// The arrows' label: the step's name, and its role where it has one.
    pub label: String,
}

/// The Mermaid `stateDiagram-v2` of a workflow starting in `initial`, with
/// `steps`, and ending in `terminals` (each with whether it is a failure,
/// which labels its arrow to the end `failure`).
pub fn mermaid(initial: &str, steps: &[DiagramStep<'_>], terminals: &[(&str, bool)]) -> String {
    let mut out = format!("stateDiagram-v2\n    [*] --> {initial}\n");
    for step in steps {
        for to in &step.to {
            out.push_str(&format!("    {} --> {to}: {}\n", step.from, step.label));
        }
    }
    for (name, failure) in terminals {
        let label = if *failure { ": failure" } else { "" };
        out.push_str(&format!("    {name} --> [*]{label}\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The syntax of Mermaid's state diagrams: `[*] --> A` for the start,
    /// `A --> B: label` for a transition, `B --> [*]` for an end.
    #[test]
    fn the_diagram_has_the_start_every_arrow_and_the_ends() {
        let steps = [
            DiagramStep {
                from: "Start",
                to: vec!["Busy"],
                label: "begin".into(),
            },
            DiagramStep {
                from: "Busy",
                to: vec!["Busy", "Done", "Lost"],
                label: "work [worker]".into(),
            },
        ];
        assert_eq!(
            mermaid("Start", &steps, &[("Done", false), ("Lost", true)]),
            "stateDiagram-v2\n    [*] --> Start\n    Start --> Busy: begin\n    Busy --> Busy: work [worker]\n    Busy --> Done: work [worker]\n    Busy --> Lost: work [worker]\n    Done --> [*]\n    Lost --> [*]: failure\n"
        );
    }
}
