//! The recipe: one TOML file whose sections mirror the three ingredients, read and checked once.
//!
//! Reading happens in two stages: the file (or the embedded default) is deserialised into a
//! typed [`RunConfig`] (unknown keys are errors that name the file and line), then `--data` and
//! `--set key=value` overrides are applied to its TOML form and the result is deserialised again
//! (errors name the override).

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Deserializer, Serialize};
use std::path::Path;
use whac::compatibility::CompatibilityConfig;
use whac::encoder::EncoderConfig;
use whac::eval::EvalConfig;
use whac::objective::ObjectiveConfig;
use whac::train::TrainConfig;
use whac_data::transform::TransformConfig;
use whac_data::{
    DataSpec, SplitRule, TableLoadConfig, TableTransformConfig, TextLoadConfig,
    TextTransformConfig, Tokenizer, VocabConfig,
};

/// `[data]`: where the examples come from, and how text and tables are read.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct DataConfig {
    /// `digits` (embedded), `mnist:DIR`, `fashion-mnist:DIR`, `text:FILE.tsv[.gz][,...]` or
    /// `csv:FILE[.gz][,...]`. Default `digits`.
    pub source: DataSpec,
    /// Text and tables: how one file is divided into training and test rows, unless the source
    /// says (`,split=`). Default `stratified:0.2`.
    pub split: SplitRule,
    /// Text and tables: seed of the split, unless the source says (`,seed=`). Default 0.
    pub seed: u64,
    /// Tables: the label column, unless the source says (`,label=`). Default `label`.
    pub label: String,
    /// Text: how documents are cut into tokens.
    pub tokenizer: Tokenizer,
    /// Text: vocabulary limits (built from the training split). Defaults `max_size = 20000`,
    /// `min_count = 2`.
    pub vocab: VocabConfig,
    /// Text: token positions fed to the network; longer documents (after the transformation)
    /// are cut to their first `max_len` tokens. Default 256.
    pub max_len: usize,
}

impl Default for DataConfig {
    fn default() -> Self {
        Self {
            source: DataSpec::Digits,
            split: SplitRule::default(),
            seed: 0,
            label: TableLoadConfig::default().label,
            tokenizer: Tokenizer::default(),
            vocab: VocabConfig::default(),
            max_len: 256,
        }
    }
}

impl DataConfig {
    /// How a `text:` source is loaded.
    pub fn text_load(&self) -> TextLoadConfig {
        TextLoadConfig {
            tokenizer: self.tokenizer,
            vocab: self.vocab,
            split: self.split,
            seed: self.seed,
        }
    }

    /// How a `csv:` source is loaded.
    pub fn table_load(&self) -> TableLoadConfig {
        TableLoadConfig {
            label: self.label.clone(),
            split: self.split,
            seed: self.seed,
        }
    }
}

/// The kind of data a source holds, which decides how `[transform]` is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Domain {
    /// `digits`, `mnist:`, `fashion-mnist:`.
    Images,
    /// `text:`.
    Text,
    /// `csv:`.
    Table,
}

impl Domain {
    /// The domain of a data source.
    pub fn of(spec: &DataSpec) -> Self {
        match spec {
            DataSpec::Text(_) => Domain::Text,
            DataSpec::Csv(_) => Domain::Table,
            _ => Domain::Images,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Domain::Images => "image",
            Domain::Text => "text",
            Domain::Table => "table",
        }
    }
}

/// `[transform]`: the stochastic transformation generator T, read according to the data's
/// domain (`[data] source`): image operations (`resized_crop`, `rotate`, …), token operations
/// (`crop`, `token_dropout`, `span_mask`, `swap`, `delete`) or table operations (`scarf`,
/// `mask`, `noise`). Written in a recipe as its `ops` list, whatever the domain.
#[derive(Serialize, Clone, Debug, PartialEq)]
#[serde(untagged)]
pub enum TransformSection {
    /// For images.
    Images(TransformConfig),
    /// For token sequences.
    Text(TextTransformConfig),
    /// For table rows.
    Table(TableTransformConfig),
}

impl Default for TransformSection {
    fn default() -> Self {
        TransformSection::Images(TransformConfig::default())
    }
}

impl TransformSection {
    /// The domain's default transformation.
    pub fn default_for(domain: Domain) -> Self {
        match domain {
            Domain::Images => TransformSection::Images(TransformConfig::default()),
            Domain::Text => TransformSection::Text(TextTransformConfig::default()),
            Domain::Table => TransformSection::Table(TableTransformConfig::default()),
        }
    }

    /// The domain these operations are for.
    pub fn domain(&self) -> Domain {
        match self {
            TransformSection::Images(_) => Domain::Images,
            TransformSection::Text(_) => Domain::Text,
            TransformSection::Table(_) => Domain::Table,
        }
    }

    /// Reads a `[transform]` table for `domain` (its default when absent).
    fn read(domain: Domain, value: Option<toml::Value>) -> Result<Self, String> {
        let Some(value) = value else {
            return Ok(Self::default_for(domain));
        };
        let err = |e: toml::de::Error| {
            format!(
                "[transform] for {} data: {}",
                domain.name(),
                e.message().trim().replace('\n', " ")
            )
        };
        Ok(match domain {
            Domain::Images => {
                TransformSection::Images(TransformConfig::deserialize(value).map_err(err)?)
            }
            Domain::Text => {
                TransformSection::Text(TextTransformConfig::deserialize(value).map_err(err)?)
            }
            Domain::Table => {
                TransformSection::Table(TableTransformConfig::deserialize(value).map_err(err)?)
            }
        })
    }
}

/// A whole recipe. Every section is optional; missing keys take the documented defaults, which
/// are the embedded digits recipe (`configs/digits.toml`).
#[derive(Serialize, Clone, Debug, PartialEq, Default)]
pub struct RunConfig {
    /// `[data]`.
    pub data: DataConfig,
    /// `[transform]`: the stochastic transformation generator T.
    pub transform: TransformSection,
    /// `[encoder]`: the network f of the compatibility function.
    pub encoder: EncoderConfig,
    /// `[compatibility]`: projection head g, similarity, temperature.
    pub compatibility: CompatibilityConfig,
    /// `[objective]`: the per-example density estimator.
    pub objective: ObjectiveConfig,
    /// `[train]`: optimiser and loop.
    pub train: TrainConfig,
    /// `[eval]`: linear probe and kNN.
    pub eval: EvalConfig,
}

/// A recipe as written, `[transform]` not yet read (its meaning depends on `[data]`).
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
struct WrittenRunConfig {
    data: DataConfig,
    transform: Option<toml::Value>,
    encoder: EncoderConfig,
    compatibility: CompatibilityConfig,
    objective: ObjectiveConfig,
    train: TrainConfig,
    eval: EvalConfig,
}

impl<'de> Deserialize<'de> for RunConfig {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let w = WrittenRunConfig::deserialize(deserializer)?;
        let transform = TransformSection::read(Domain::of(&w.data.source), w.transform)
            .map_err(serde::de::Error::custom)?;
        Ok(RunConfig {
            data: w.data,
            transform,
            encoder: w.encoder,
            compatibility: w.compatibility,
            objective: w.objective,
            train: w.train,
            eval: w.eval,
        })
    }
}

/// Parses recipe text; `origin` names the file in errors.
pub fn parse(text: &str, origin: &str) -> Result<RunConfig> {
    toml::from_str::<RunConfig>(text).map_err(|e| {
        let line = e
            .span()
            .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
        let message = e.message().trim().replace('\n', " ");
        match line {
            Some(l) => anyhow::anyhow!("{origin}:{l}: {message}"),
            None => anyhow::anyhow!("{origin}: {message}"),
        }
    })
}

/// Reads a recipe file.
pub fn load(path: &Path) -> Result<RunConfig> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("{}: cannot read the config file", path.display()))?;
    parse(&text, &path.display().to_string())
}

/// Applies `--data` and `--set key=value` overrides.
pub fn apply_overrides(
    config: RunConfig,
    data: Option<&str>,
    sets: &[String],
) -> Result<RunConfig> {
    let mut config = config;
    if let Some(spec) = data {
        let source = spec
            .parse::<DataSpec>()
            .map_err(|e| anyhow::anyhow!("--data {spec}: {e}"))?;
        let (from, to) = (config.transform.domain(), Domain::of(&source));
        if from != to {
            // The default transformation of one domain gives way to the other's; a written one
            // cannot be translated.
            if config.transform != TransformSection::default_for(from) {
                bail!(
                    "--data {spec}: {} data, but the recipe's [transform] is for {} data; expected a recipe for {} data (configs/letter.toml for tables, configs/spamassassin.toml for text)",
                    to.name(),
                    from.name(),
                    to.name()
                );
            }
            config.transform = TransformSection::default_for(to);
        }
        config.data.source = source;
    }
    if sets.is_empty() {
        return Ok(config);
    }
    let mut table = toml::Table::try_from(&config).context("internal: config to TOML")?;
    for set in sets {
        let Some((key, raw)) = set.split_once('=') else {
            bail!("--set {set}: expected KEY=VALUE, e.g. --set train.epochs=1");
        };
        let key = key.trim();
        let path: Vec<&str> = key.split('.').collect();
        if path.iter().any(|p| p.is_empty()) {
            bail!("--set {set}: expected a dotted key such as train.epochs");
        }
        let value = parse_value(raw.trim());
        insert(&mut table, &path, value).map_err(|e| anyhow::anyhow!("--set {set}: {e}"))?;
    }
    let joined = sets.join(" --set ");
    RunConfig::deserialize(toml::Value::Table(table))
        .map_err(|e| anyhow::anyhow!("--set {joined}: {}", e.message().trim().replace('\n', " ")))
}

/// A TOML literal if it parses as one (`1`, `1e-3`, `true`, `[1, 2]`, `"x"`), else a bare string
/// (so `--set objective.kind=nt_xent` needs no quotes).
fn parse_value(raw: &str) -> toml::Value {
    match toml::from_str::<toml::Table>(&format!("v = {raw}")) {
        Ok(mut t) => t
            .remove("v")
            .unwrap_or_else(|| toml::Value::String(raw.into())),
        Err(_) => toml::Value::String(raw.into()),
    }
}

fn insert(table: &mut toml::Table, path: &[&str], value: toml::Value) -> Result<(), String> {
    let (last, parents) = path.split_last().expect("non-empty path");
    let mut current = table;
    for (depth, part) in parents.iter().enumerate() {
        let entry = current
            .entry(part.to_string())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        current = match entry {
            toml::Value::Table(t) => t,
            _ => {
                return Err(format!(
                    "{} is a value, not a section",
                    path[..=depth].join(".")
                ));
            }
        };
    }
    current.insert(last.to_string(), value);
    Ok(())
}

/// Renders the resolved recipe (saved as `config.toml` in the run folder).
///
/// `[data]` lists only the keys that the source's kind reads (an image run shows no tokenizer);
/// the others take their defaults when the file is read back, so the run is unchanged.
pub fn to_toml(config: &RunConfig) -> Result<String> {
    // Through text, not `toml::Value::try_from`: the text keeps f32 values short (`0.6`, not
    // `0.6000000238418579`), and reading it back keeps them so.
    let text = toml::to_string_pretty(config).context("internal: cannot render the config")?;
    let mut value: toml::Value =
        toml::from_str(&text).context("internal: cannot re-read the config")?;
    let unused: &[&str] = match config.data.source {
        DataSpec::Text(_) => &["label"],
        DataSpec::Csv(_) => &["tokenizer", "vocab", "max_len"],
        _ => &["split", "seed", "label", "tokenizer", "vocab", "max_len"],
    };
    if let Some(data) = value.get_mut("data").and_then(toml::Value::as_table_mut) {
        for key in unused {
            data.remove(*key);
        }
    }
    toml::to_string_pretty(&value).context("internal: cannot render the config as TOML")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repo_file(rel: &str) -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../..")
            .join(rel)
    }

    #[test]
    fn digits_recipe_equals_the_embedded_default() {
        let parsed = load(&repo_file("configs/digits.toml")).unwrap();
        assert_eq!(parsed, RunConfig::default());
    }

    #[test]
    fn every_recipe_parses_and_checks() {
        let dir = repo_file("configs");
        let mut seen = 0;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "toml") {
                let config = load(&path).unwrap_or_else(|e| panic!("{e:#}"));
                match &config.transform {
                    TransformSection::Images(t) => drop(t.check().unwrap()),
                    TransformSection::Text(t) => drop(t.check().unwrap()),
                    TransformSection::Table(t) => drop(t.check().unwrap()),
                }
                config.data.vocab.check().unwrap();
                config.compatibility.check().unwrap();
                config.objective.check().unwrap();
                config.train.check().unwrap();
                seen += 1;
            }
        }
        assert!(
            seen >= 6,
            "expected at least six recipes in {}",
            dir.display()
        );
    }

    #[test]
    fn text_table_and_cifar_recipes_read_their_domains() {
        let c = load(&repo_file("configs/letter.toml")).unwrap();
        assert!(matches!(c.data.source, DataSpec::Csv(_)));
        assert!(matches!(c.transform, TransformSection::Table(_)));
        assert!(matches!(c.encoder, EncoderConfig::Mlp { .. }));
        assert_eq!(c.data.split, "first:16000".parse().unwrap());
        let c = load(&repo_file("configs/spamassassin.toml")).unwrap();
        assert!(matches!(c.data.source, DataSpec::Text(_)));
        assert!(matches!(c.transform, TransformSection::Text(_)));
        assert!(matches!(c.encoder, EncoderConfig::TextCnn { .. }));
        assert_eq!(c.data.vocab.max_size, 10_000);
        let c = load(&repo_file("configs/cifar10.toml")).unwrap();
        assert!(matches!(c.data.source, DataSpec::Cifar10(_)));
        assert!(matches!(c.transform, TransformSection::Images(_)));
        assert_eq!(c.encoder, EncoderConfig::Resnet18 { width: 64 });
        // Round trip of a text recipe through the resolved form.
        for recipe in ["configs/spamassassin.toml", "configs/letter.toml"] {
            let text = to_toml(&load(&repo_file(recipe)).unwrap()).unwrap();
            assert_eq!(
                parse(&text, "resolved").unwrap(),
                load(&repo_file(recipe)).unwrap()
            );
        }
    }

    #[test]
    fn mnist_recipe_is_the_cnn_with_the_rbm_objective() {
        let c = load(&repo_file("configs/mnist.toml")).unwrap();
        assert!(matches!(c.encoder, EncoderConfig::Cnn { .. }));
        assert_eq!(c.objective.kind, whac::objective::ObjectiveKind::Rbm);
    }

    #[test]
    fn resolved_config_round_trips() {
        let c = apply_overrides(
            RunConfig::default(),
            Some("mnist:/tmp/x"),
            &["train.epochs=3".into(), "objective.kind=nt_xent".into()],
        )
        .unwrap();
        let text = to_toml(&c).unwrap();
        // An image run's [data] shows only what images read.
        assert!(
            !text.contains("tokenizer") && !text.contains("max_len"),
            "{text}"
        );
        // In the struct's order, [data] first, with f32 values printed short (0.6, not
        // 0.6000000238…).
        assert!(text.starts_with("[data]"), "{text}");
        assert!(
            text.contains("    0.6,\n") && !text.contains("0.6000000"),
            "{text}"
        );
        let back = parse(&text, "resolved").unwrap();
        assert_eq!(back, c);
        assert_eq!(back.train.epochs, 3);
        assert_eq!(back.objective.kind, whac::objective::ObjectiveKind::NtXent);
    }

    #[test]
    fn unknown_key_names_file_line_and_key() {
        let err = parse("[train]\nepochs = 2\nepoch = 3\n", "x.toml").unwrap_err();
        let msg = format!("{err:#}");
        assert!(msg.starts_with("x.toml:3:"), "{msg}");
        assert!(msg.contains("epoch"), "{msg}");
        assert!(!msg.contains('\n'), "{msg}");
        let err = parse("[trian]\nepochs = 2\n", "x.toml").unwrap_err();
        assert!(format!("{err:#}").contains("trian"), "{err:#}");
    }

    #[test]
    fn bad_value_type_is_an_error() {
        let err = parse("[train]\nepochs = \"ten\"\n", "x.toml").unwrap_err();
        assert!(format!("{err:#}").contains("x.toml:2"), "{err:#}");
        let err = parse("[objective]\nkind = \"simclr\"\n", "x.toml").unwrap_err();
        assert!(format!("{err:#}").contains("simclr"), "{err:#}");
    }

    #[test]
    fn bad_overrides_name_the_override() {
        for (set, needle) in [
            ("train.epoch=3", "epoch"),
            ("train.epochs=many", "train.epochs=many"),
            ("noequals", "KEY=VALUE"),
            ("train.epochs.x=1", "train.epochs"),
        ] {
            let err = apply_overrides(RunConfig::default(), None, &[set.into()]).unwrap_err();
            let msg = format!("{err:#}");
            assert!(msg.contains(needle), "{set}: {msg}");
        }
        let err = apply_overrides(RunConfig::default(), Some("cifar:/x"), &[]).unwrap_err();
        assert!(format!("{err:#}").contains("cifar"), "{err:#}");
    }

    #[test]
    fn out_of_range_values_fail_the_check() {
        let c = apply_overrides(
            RunConfig::default(),
            None,
            &["compatibility.temperature=0".into()],
        )
        .unwrap();
        let err = c.compatibility.check().unwrap_err().to_string();
        assert!(err.contains("compatibility.temperature"), "{err}");
        let c =
            apply_overrides(RunConfig::default(), None, &["train.batch_size=1".into()]).unwrap();
        assert!(
            c.train
                .check()
                .unwrap_err()
                .to_string()
                .contains("train.batch_size")
        );
    }
}
