//! The report: one row per figure with its baseline, the ratio and the target.

use std::path::Path;

use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct Figure {
    pub scenario: &'static str,
    pub metric: String,
    pub value: f64,
    pub unit: &'static str,
    pub baseline_metric: String,
    pub baseline: f64,
    /// The target as written in the issue, for the reader.
    pub target: &'static str,
}

impl Figure {
    pub fn ratio(&self) -> f64 {
        if self.baseline == 0.0 {
            0.0
        } else {
            self.value / self.baseline
        }
    }
}

/// The `q` quantile (nearest rank) of `v`; 0 for no samples.
pub fn percentile(v: &mut [f64], q: f64) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(f64::total_cmp);
    v[((v.len() - 1) as f64 * q).round() as usize]
}

fn versions() -> Vec<(String, String)> {
    let cmd = |c: &str, args: &[&str]| {
        std::process::Command::new(c)
            .args(args)
            .output()
            .ok()
            .map(|o| {
                String::from_utf8_lossy(&o.stdout)
                    .lines()
                    .next()
                    .unwrap_or("")
                    .to_owned()
            })
            .unwrap_or_else(|| "unknown".into())
    };
    vec![
        (
            "cores".into(),
            std::thread::available_parallelism()
                .map_or(0, |n| n.get())
                .to_string(),
        ),
        ("rustc".into(), cmd("rustc", &["--version"])),
        (
            "clickhouse".into(),
            cmd("clickhouse-client", &["--version"]),
        ),
        (
            "postgres".into(),
            cmd("/usr/lib/postgresql/15/bin/postgres", &["--version"]),
        ),
        (
            "kafka".into(),
            std::env::var("KAFKA_VERSION").unwrap_or_else(|_| "4.1.1".into()),
        ),
    ]
}

pub fn write(dir: &Path, figures: &[Figure], smoke: bool) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)?;
    let machine = versions();
    let mut md = String::from("# Benchmark report\n\n");
    if smoke {
        md.push_str("Smoke run (tiny loads): the figures only prove the benchmark runs.\n\n");
    }
    for (k, v) in &machine {
        md.push_str(&format!("- {k}: {v}\n"));
    }
    md.push_str("\n| scenario | figure | value | baseline (same run) | ratio | target |\n|---|---|---|---|---|---|\n");
    for f in figures {
        md.push_str(&format!(
            "| {} | {} | {:.1} {} | {}: {:.1} {} | {:.2} | {} |\n",
            f.scenario,
            f.metric,
            f.value,
            f.unit,
            f.baseline_metric,
            f.baseline,
            f.unit,
            f.ratio(),
            f.target
        ));
    }
    std::fs::write(dir.join("report.md"), &md)?;
    let json = serde_json::json!({
        "smoke": smoke,
        "machine": machine.into_iter().collect::<std::collections::BTreeMap<_, _>>(),
        "figures": figures.iter().map(|f| {
            let mut v = serde_json::to_value(f).unwrap_or_default();
            v["ratio"] = serde_json::json!(f.ratio());
            v
        }).collect::<Vec<_>>(),
    });
    std::fs::write(
        dir.join("report.json"),
        serde_json::to_string_pretty(&json)?,
    )?;
    print!("{md}");
    Ok(())
}
