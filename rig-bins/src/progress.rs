//! Live progress of a coordinated run: a bar on a terminal (indicatif), or
//! one plain line per finished participant when stderr is not a terminal.

use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use test_rig::coordinator::{RunEvent, RunObserver};
use test_rig::Phase;

/// Shows a run's progress on stderr.
pub struct Progress {
    bar: Option<ProgressBar>,
}

impl Progress {
    /// A display for `participants` participants, picking the form from stderr.
    pub fn new(participants: usize) -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::new(participants as u64);
            bar.set_style(
                ProgressStyle::with_template("{spinner} [{bar:30}] {pos}/{len} done {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
            );
            bar
        });
        Progress { bar }
    }

    /// Removes the bar before the report is printed.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl RunObserver for Progress {
    fn on_event(&self, event: &RunEvent) {
        match (event, &self.bar) {
            (RunEvent::Transition(t), Some(bar)) => {
                bar.set_message(format!(
                    "{}: {} -> {}",
                    t.participant,
                    t.from,
                    t.to.unwrap_or("x")
                ));
                bar.tick();
            }
            (
                RunEvent::Finished {
                    participant,
                    phase,
                    error,
                    ..
                },
                bar,
            ) => {
                let line = match error {
                    // The first line; a traceback is printed whole in the report.
                    Some(e) => format!(
                        "{participant}: {phase} ({}){}",
                        e.message.lines().next().unwrap_or("").trim_end_matches(':'),
                        if e.cleanup_error.is_some() {
                            "; its cleanup failed too"
                        } else {
                            ""
                        }
                    ),
                    None => format!("{participant}: {phase}"),
                };
                match bar {
                    Some(bar) => {
                        bar.inc(1);
                        if *phase != Phase::Passed {
                            bar.println(line);
                        }
                    }
                    None => err!("{line}"),
                }
            }
            _ => {}
        }
    }
}
