//! `metrics.jsonl` read back as series for the report's curves.

use anyhow::{Result, bail};
use serde_json::Value;
use std::path::Path;

/// The curves of a run, each as `(x, y)` points in file order.
#[derive(Debug, Default, PartialEq)]
pub struct Curves {
    /// `loss` of each logged step, by step.
    pub loss: Vec<(f64, f64)>,
    /// `loss_avg` (running mean) of each logged step, by step.
    pub loss_avg: Vec<(f64, f64)>,
    /// `learning_rate` by step.
    pub learning_rate: Vec<(f64, f64)>,
    /// The online kNN monitor's accuracy on held-out data, by epoch.
    pub knn_monitor: Vec<(f64, f64)>,
    /// `k` of the online monitor (from its first line).
    pub knn_monitor_k: Option<u64>,
    /// The induced RBM's effective sample size of the negative weights, by step (empty for
    /// objectives without it).
    pub negative_ess: Vec<(f64, f64)>,
    /// The weight an example puts on itself, `p̂(x|T(x))`, by step (induced RBM only).
    pub self_weight: Vec<(f64, f64)>,
}

/// Reads `path` (a run's `metrics.jsonl`). A line that is not JSON is refused with its number;
/// lines of other kinds (`epoch`, …) and fields that are absent are skipped.
pub fn read(path: &Path) -> Result<Curves> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => bail!(
            "{}: cannot read ({e}); expected the metrics.jsonl that `whac train` writes in a run folder",
            path.display()
        ),
    };
    parse(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}

/// [`read`] on the text of the file.
pub fn parse(text: &str) -> Result<Curves> {
    let mut c = Curves::default();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let v: Value = match serde_json::from_str(line) {
            Ok(v) => v,
            // A run killed mid-write can leave a torn last line: ignore only that one.
            Err(_) if i + 1 == text.lines().count() => continue,
            Err(e) => bail!("line {}: not a JSON object ({e})", i + 1),
        };
        let num = |key: &str| v.get(key).and_then(Value::as_f64);
        match v.get("kind").and_then(Value::as_str) {
            Some("step") => {
                let Some(step) = num("step") else { continue };
                let push = |series: &mut Vec<(f64, f64)>, key: &str| {
                    if let Some(y) = num(key) {
                        series.push((step, y));
                    }
                };
                push(&mut c.loss, "loss");
                push(&mut c.loss_avg, "loss_avg");
                push(&mut c.learning_rate, "learning_rate");
                push(&mut c.negative_ess, "negative_ess");
                push(&mut c.self_weight, "self_weight");
            }
            Some("monitor") => {
                if let (Some(epoch), Some(acc)) = (num("epoch"), num("knn_accuracy")) {
                    c.knn_monitor.push((epoch, acc));
                    c.knn_monitor_k = c.knn_monitor_k.or(v.get("k").and_then(Value::as_u64));
                }
            }
            _ => {}
        }
    }
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_and_monitor_lines_become_series() {
        let text = r#"{"kind":"step","step":1,"epoch":0,"loss":2.0,"loss_avg":2.0,"learning_rate":0.001,"views_per_second":10,"negative_ess":3.5,"self_weight":0.2}
{"kind":"epoch","epoch":0,"step":1,"loss_mean":2.0,"elapsed_seconds":1}
{"kind":"step","step":2,"epoch":1,"loss":1.0,"loss_avg":1.5,"learning_rate":0.0005,"views_per_second":10}
{"kind":"monitor","epoch":1,"step":2,"knn_accuracy":0.75,"k":20,"train_examples":5,"heldout_examples":5,"seconds":0.1}
{"kind":"step","step":3,"#;
        let c = parse(text).unwrap();
        assert_eq!(c.loss_avg, vec![(1.0, 2.0), (2.0, 1.5)]);
        assert_eq!(c.learning_rate, vec![(1.0, 0.001), (2.0, 0.0005)]);
        assert_eq!(c.negative_ess, vec![(1.0, 3.5)]);
        assert_eq!(c.knn_monitor, vec![(1.0, 0.75)]);
        assert_eq!(c.knn_monitor_k, Some(20));
    }

    #[test]
    fn a_broken_line_in_the_middle_is_named() {
        let err = parse("{\"kind\":\"step\"}\nnot json\n{}\n").unwrap_err();
        assert!(
            err.to_string().starts_with("line 2: not a JSON object"),
            "{err}"
        );
    }
}
