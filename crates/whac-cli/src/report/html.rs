//! The page: one self-contained HTML file, plots inlined as `data:` URIs.

use serde_json::Value;

/// A figure of the page: a PNG (as a `data:` URI) and its caption.
pub struct Figure {
    pub uri: String,
    pub alt: String,
    pub caption: String,
}

/// A section of the page: an `id`, a heading, a paragraph and figures (or a note saying why
/// there are none).
pub struct Section {
    pub id: &'static str,
    pub title: String,
    pub intro: String,
    pub figures: Vec<Figure>,
}

/// Everything the page shows.
pub struct Page<'a> {
    pub run_name: String,
    /// `summary.json`, `None` for a run that did not finish.
    pub summary: Option<&'a Value>,
    pub config_toml: &'a str,
    pub sections: Vec<Section>,
}

/// `<`, `>`, `&` and quotes escaped for HTML text and attributes.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A number at `path` (dot-separated keys) of `v`.
fn num(v: &Value, path: &str) -> Option<f64> {
    path.split('.').try_fold(v, |v, k| v.get(k))?.as_f64()
}

fn text(v: &Value, path: &str) -> Option<String> {
    let x = path.split('.').try_fold(v, |v, k| v.get(k))?;
    Some(match x {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    })
}

fn acc(x: Option<f64>) -> String {
    x.map_or("–".into(), |a| format!("{a:.4}"))
}

/// The scores table from `summary.json`: the representation beside the raw input (`baseline`:
/// raw pixels, standardised features or tf-idf bag of words).
fn scores(s: &Value) -> String {
    let mut rows = vec![
        (
            "linear probe, train accuracy".to_string(),
            acc(num(s, "linear_probe.train_accuracy")),
            acc(num(s, "baseline_pixels.linear_probe.train_accuracy")),
        ),
        (
            "linear probe, test accuracy".to_string(),
            acc(num(s, "linear_probe.test_accuracy")),
            acc(num(s, "baseline_pixels.linear_probe.test_accuracy")),
        ),
        (
            format!(
                "kNN k={} (weighted), test accuracy",
                text(s, "knn.k").unwrap_or("?".into())
            ),
            acc(num(s, "knn.test_accuracy")),
            acc(num(s, "baseline_pixels.knn.test_accuracy")),
        ),
    ];
    let also = |v: &Value| -> Vec<(u64, f64)> {
        v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|x| {
                        Some((x.get("k")?.as_u64()?, x.get("test_accuracy")?.as_f64()?))
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let base_also = s
        .pointer("/baseline_pixels/knn/also")
        .map(also)
        .unwrap_or_default();
    for (k, a) in s.pointer("/knn/also").map(also).unwrap_or_default() {
        let b = base_also.iter().find(|(bk, _)| *bk == k).map(|x| x.1);
        rows.push((format!("kNN k={k}, test accuracy"), acc(Some(a)), acc(b)));
    }
    let baseline = s
        .get("baseline")
        .and_then(|b| b.as_str())
        .unwrap_or("raw pixels");
    let mut html = format!(
        "<table class=\"scores\"><tr><th>measure</th><th>representation</th><th>{}</th></tr>\n",
        escape(baseline)
    );
    for (name, rep, base) in rows {
        html += &format!(
            "<tr><td>{}</td><td>{rep}</td><td>{base}</td></tr>\n",
            escape(&name)
        );
    }
    html += "</table>\n<table class=\"scores\">\n";
    let mut facts: Vec<(String, String)> = Vec::new();
    if let Some(ll) = num(s, "induced_rbm.test_log_likelihood") {
        facts.push((
            "induced-RBM test log-likelihood (mean log p(x|T(x)))".into(),
            format!(
                "{ll:.4} (uniform: {})",
                num(s, "induced_rbm.uniform_log_likelihood")
                    .map_or("–".into(), |u| format!("{u:.4}"))
            ),
        ));
    }
    if let Some(a) = num(s, "geometry.alignment") {
        facts.push(("alignment (lower is better)".into(), format!("{a:.4}")));
    }
    if let Some(u) = num(s, "geometry.uniformity") {
        facts.push(("uniformity (lower is better)".into(), format!("{u:.4}")));
    }
    if let (Some(e), Some(st)) = (num(s, "epochs"), num(s, "steps")) {
        facts.push(("epochs / steps".into(), format!("{e} / {st}")));
    }
    if let Some(t) = num(s, "train_seconds") {
        let eval =
            num(s, "eval_seconds").map_or(String::new(), |e| format!(" (evaluation {e:.1} s)"));
        facts.push(("training wall time".into(), format!("{t:.1} s{eval}")));
    }
    if let Some(v) = num(s, "views_per_second") {
        facts.push(("throughput".into(), format!("{v:.0} views/s")));
    }
    if let (Some(a), Some(b)) = (num(s, "loss_first_steps"), num(s, "loss_last_steps")) {
        facts.push((
            "loss, first → last steps".into(),
            format!("{a:.4} → {b:.4}"),
        ));
    }
    for (name, value) in facts {
        html += &format!(
            "<tr><td>{}</td><td colspan=\"2\">{}</td></tr>\n",
            escape(&name),
            escape(&value)
        );
    }
    html + "</table>\n"
}

/// The whole page.
pub fn render(page: &Page<'_>) -> String {
    let mut h =
        String::from("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    h += &format!("<title>whac report: {}</title>\n", escape(&page.run_name));
    h += "<style>\n\
body{font-family:system-ui,'DejaVu Sans',sans-serif;margin:24px auto;padding:0 16px;max-width:1240px;color:#222;line-height:1.4}\n\
h1{font-size:1.6em;margin-bottom:4px}h2{border-bottom:1px solid #ddd;padding-bottom:4px;margin-top:28px}\n\
.meta{color:#555;margin:2px 0}code,pre{font-family:'DejaVu Sans Mono',monospace;font-size:0.9em}\n\
pre{background:#f6f6f6;padding:10px;border:1px solid #e2e2e2;overflow-x:auto}\n\
table.scores{border-collapse:collapse;margin:8px 0 12px}table.scores td,table.scores th{border:1px solid #ddd;padding:4px 10px;text-align:left}\n\
table.scores th{background:#f0f0f0}table.scores td:nth-child(n+2){font-variant-numeric:tabular-nums}\n\
.figs{display:flex;flex-wrap:wrap;gap:12px}figure{margin:0}figcaption{color:#555;font-size:0.9em;max-width:600px}\n\
img{border:1px solid #eee;max-width:100%}\n\
</style>\n</head>\n<body>\n";
    h += &format!(
        "<h1>whac run <code>{}</code></h1>\n",
        escape(&page.run_name)
    );
    match page.summary {
        Some(s) => {
            let field = |k: &str| text(s, k).unwrap_or_else(|| "?".into());
            h += &format!(
                "<p class=\"meta\">{} ({} train / {} test) · {} encoder · objective {} (variant {}, M = {}, τ = {}) · seed {}</p>\n",
                escape(&field("data_source")),
                escape(&field("train_examples")),
                escape(&field("test_examples")),
                escape(&field("encoder")),
                escape(&field("objective")),
                escape(&field("variant")),
                escape(&field("copies")),
                escape(&field("temperature")),
                escape(&field("seed")),
            );
            h += &format!(
                "<p class=\"meta\">command: <code>{}</code></p>\n",
                escape(&field("command"))
            );
            h += "<section id=\"scores\">\n<h2>Scores</h2>\n";
            h += &scores(s);
            h += "</section>\n";
        }
        None => {
            h += "<section id=\"scores\">\n<h2>Scores</h2>\n<p>No <code>summary.json</code>: the run did not finish (resume it with <code>whac train --resume</code>). The plots below use its last checkpoint.</p>\n</section>\n";
        }
    }
    for s in &page.sections {
        h += &format!("<section id=\"{}\">\n<h2>{}</h2>\n", s.id, escape(&s.title));
        if !s.intro.is_empty() {
            h += &format!("<p>{}</p>\n", escape(&s.intro));
        }
        h += "<div class=\"figs\">\n";
        for f in &s.figures {
            h += &format!(
                "<figure><img src=\"{}\" alt=\"{}\"><figcaption>{}</figcaption></figure>\n",
                f.uri,
                escape(&f.alt),
                escape(&f.caption)
            );
        }
        h += "</div>\n</section>\n";
    }
    h += "<section id=\"config\">\n<h2>Config (<code>config.toml</code>)</h2>\n<pre>";
    h += &escape(page.config_toml);
    h += "</pre>\n</section>\n</body>\n</html>\n";
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_show_representation_beside_pixels_and_every_k() {
        let s: Value = serde_json::from_str(
            r#"{"linear_probe":{"train_accuracy":0.99,"test_accuracy":0.98},
                "knn":{"k":200,"test_accuracy":0.97,"also":[{"k":20,"test_accuracy":0.975}]},
                "baseline_pixels":{"linear_probe":{"train_accuracy":1.0,"test_accuracy":0.96},
                                   "knn":{"k":200,"test_accuracy":0.95,"also":[{"k":20,"test_accuracy":0.955}]}},
                "induced_rbm":{"test_log_likelihood":-2.5,"uniform_log_likelihood":-5.87},
                "geometry":{"alignment":0.4,"uniformity":-3.1},
                "train_seconds":4.0,"views_per_second":57500}"#,
        )
        .unwrap();
        let t = scores(&s);
        assert!(
            t.contains("<td>linear probe, test accuracy</td><td>0.9800</td><td>0.9600</td>"),
            "{t}"
        );
        assert!(
            t.contains("<td>kNN k=20, test accuracy</td><td>0.9750</td><td>0.9550</td>"),
            "{t}"
        );
        assert!(t.contains("-2.5000 (uniform: -5.8700)"));
        assert!(t.contains("57500 views/s"));
    }

    #[test]
    fn config_text_is_escaped() {
        let page = Page {
            run_name: "r<1>".into(),
            summary: None,
            config_toml: "a = \"<b>\"",
            sections: vec![],
        };
        let html = render(&page);
        assert!(html.contains("a = &quot;&lt;b&gt;&quot;"));
        assert!(!html.contains("<b>"));
    }
}
