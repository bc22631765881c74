use std::path::PathBuf;

use whac_data::{DataError, DataSpec};

use crate::shared_data;

#[test]
fn parse_display_round_trip() {
    let cases = [
        ("digits", DataSpec::Digits, "digits"),
        (
            "mnist:/data/mnist",
            DataSpec::Mnist(PathBuf::from("/data/mnist")),
            "mnist",
        ),
        (
            "fashion-mnist:../shared/data/fashion-mnist",
            DataSpec::FashionMnist(PathBuf::from("../shared/data/fashion-mnist")),
            "fashion-mnist",
        ),
        (
            "cifar10:data/cifar-10-batches-bin",
            DataSpec::Cifar10(PathBuf::from("data/cifar-10-batches-bin")),
            "cifar10",
        ),
        // Only the first colon separates the kind.
        (
            "mnist:C:/x",
            DataSpec::Mnist(PathBuf::from("C:/x")),
            "mnist",
        ),
    ];
    for (text, spec, name) in cases {
        let parsed: DataSpec = text.parse().unwrap();
        assert_eq!(parsed, spec);
        assert_eq!(parsed.to_string(), text);
        assert_eq!(parsed.name(), name);
        // serde uses the same string.
        let json = serde_json::to_string(&parsed).unwrap();
        assert_eq!(json, format!("\"{text}\""));
        assert_eq!(serde_json::from_str::<DataSpec>(&json).unwrap(), spec);
    }
}

#[test]
fn parse_errors_name_the_value_and_what_is_accepted() {
    for bad in ["mnits:/x", "", "cifar100:/x", "DIGITS"] {
        let err = bad.parse::<DataSpec>().unwrap_err();
        assert!(matches!(err, DataError::Spec { .. }));
        let msg = err.to_string();
        assert!(msg.contains(&format!("{bad:?}")), "{msg}");
        assert!(
            msg.contains("digits")
                && msg.contains("mnist:DIR")
                && msg.contains("fashion-mnist:DIR"),
            "{msg}"
        );
    }
    for bad in ["mnist", "mnist:", "fashion-mnist"] {
        let msg = bad.parse::<DataSpec>().unwrap_err().to_string();
        assert!(
            msg.contains(&format!("{bad:?}")) && msg.contains("DIR"),
            "{msg}"
        );
    }
    let msg = "digits:/x".parse::<DataSpec>().unwrap_err().to_string();
    assert!(msg.contains("without a folder"), "{msg}");
    let err = serde_json::from_str::<DataSpec>("\"mnist\"")
        .unwrap_err()
        .to_string();
    assert!(err.contains("DIR"), "{err}");
}

#[test]
fn load_digits_and_missing_folder() {
    let s = DataSpec::Digits.load().unwrap();
    assert_eq!(s.train.len() + s.test.len(), 1797);
    let msg = DataSpec::Mnist(PathBuf::from("/nonexistent/mnist"))
        .load()
        .unwrap_err()
        .to_string();
    assert!(msg.contains("/nonexistent/mnist"), "{msg}");
}

#[test]
fn load_fashion_mnist_through_spec() {
    let Some(dir) = shared_data("fashion-mnist") else {
        return;
    };
    let spec: DataSpec = format!("fashion-mnist:{}", dir.display()).parse().unwrap();
    assert_eq!(spec.load().unwrap().test.len(), 10000);
}

#[test]
fn text_and_csv_specs_round_trip_with_their_options() {
    use whac_data::{CsvSource, SplitRule, TextSource};
    let cases = [
        (
            "text:a.tsv.gz",
            DataSpec::Text(TextSource {
                train: "a.tsv.gz".into(),
                test: None,
                split: None,
                seed: None,
            }),
            "text:a.tsv.gz",
        ),
        (
            "text:a.tsv,test=b.tsv",
            DataSpec::Text(TextSource {
                train: "a.tsv".into(),
                test: Some("b.tsv".into()),
                split: None,
                seed: None,
            }),
            "text:a.tsv,test=b.tsv",
        ),
        (
            // The older form: a bare second file is the test file.
            "text:a.tsv,b.tsv",
            DataSpec::Text(TextSource {
                train: "a.tsv".into(),
                test: Some("b.tsv".into()),
                split: None,
                seed: None,
            }),
            "text:a.tsv,test=b.tsv",
        ),
        (
            "text:/d/a.tsv,seed=7,split=stratified:0.1",
            DataSpec::Text(TextSource {
                train: "/d/a.tsv".into(),
                test: None,
                split: Some(SplitRule::Stratified { test_fraction: 0.1 }),
                seed: Some(7),
            }),
            "text:/d/a.tsv,split=stratified:0.1,seed=7",
        ),
        (
            "csv:t.csv.gz",
            DataSpec::Csv(CsvSource {
                file: "t.csv.gz".into(),
                label: None,
                split: None,
                seed: None,
            }),
            "csv:t.csv.gz",
        ),
        (
            "csv:t.csv,split=first:16000,label=class,seed=2",
            DataSpec::Csv(CsvSource {
                file: "t.csv".into(),
                label: Some("class".into()),
                split: Some(SplitRule::First { train: 16000 }),
                seed: Some(2),
            }),
            "csv:t.csv,label=class,split=first:16000,seed=2",
        ),
    ];
    for (text, spec, shown) in cases {
        let parsed: DataSpec = text.parse().unwrap();
        assert_eq!(parsed, spec, "{text}");
        assert_eq!(parsed.to_string(), shown);
        assert_eq!(shown.parse::<DataSpec>().unwrap(), spec);
        let json = serde_json::to_string(&spec).unwrap();
        assert_eq!(serde_json::from_str::<DataSpec>(&json).unwrap(), spec);
        assert!(!spec.is_images());
    }
    assert_eq!("text:a".parse::<DataSpec>().unwrap().name(), "text");
    assert_eq!("csv:a".parse::<DataSpec>().unwrap().name(), "csv");
    assert!(DataSpec::Digits.is_images());
}

#[test]
fn bad_text_and_csv_specs_say_what_is_wrong() {
    for (bad, needle) in [
        ("text:", "text:FILE.tsv"),
        ("text:a.tsv,", "text:FILE.tsv"),
        ("text:a.tsv,tset=b.tsv", "unknown option `tset`"),
        ("text:a.tsv,seed=x", "`seed=x`"),
        ("text:a.tsv,split=random:0.2", "`split=random:0.2`"),
        ("text:a.tsv,split=stratified:1.5", "stratified:F"),
        ("text:a.tsv,test=b.tsv,split=first:3", "not both"),
        ("text:a.tsv,b.tsv,c.tsv", "`c.tsv`: expected key=value"),
        ("csv:", "csv:FILE"),
        ("csv:t.csv,lable=y", "unknown option `lable`"),
        ("csv:t.csv,label=", "`label=`: expected key=value"),
        ("csv:t.csv,test=u.csv", "unknown option `test`"),
    ] {
        let err = bad.parse::<DataSpec>().unwrap_err();
        assert!(matches!(err, DataError::Spec { .. }), "{bad}: {err:?}");
        let msg = err.to_string();
        assert!(
            msg.contains(&format!("{bad:?}")) && msg.contains(needle),
            "{bad}: {msg}"
        );
        assert!(!msg.contains('\n'));
    }
}

#[test]
fn load_dataset_serves_every_domain() {
    use whac_data::{Dataset, TableLoadConfig, TextLoadConfig};
    let dir = tempfile::tempdir().unwrap();
    let tsv = dir.path().join("t.tsv");
    let mut text = String::from("label\ttext\n");
    for i in 0..20 {
        let label = if i % 2 == 0 { "ham" } else { "spam" };
        text.push_str(&format!("{label}\tword{} and more words\n", i % 3));
    }
    std::fs::write(&tsv, text).unwrap();
    let csv = dir.path().join("t.csv");
    let mut rows = String::from("a,label,b\n");
    for i in 0..10 {
        rows.push_str(&format!("{i},{},{}\n", i % 2, i * i));
    }
    std::fs::write(&csv, rows).unwrap();
    let (text_cfg, table_cfg) = (TextLoadConfig::default(), TableLoadConfig::default());

    let spec: DataSpec = format!("text:{},split=first:15", tsv.display())
        .parse()
        .unwrap();
    let Dataset::Text(s) = spec.load_dataset(&text_cfg, &table_cfg).unwrap() else {
        panic!("not text");
    };
    assert_eq!((s.train.len(), s.test.len()), (15, 5));
    assert_eq!(s.classes, ["ham", "spam"]);
    // Images only through `load`, with an error naming the spec.
    let msg = spec.load().unwrap_err().to_string();
    assert!(
        msg.contains("text:") && msg.contains("image data set"),
        "{msg}"
    );

    let spec: DataSpec = format!("csv:{},split=stratified:0.2,seed=3", csv.display())
        .parse()
        .unwrap();
    let d = spec.load_dataset(&text_cfg, &table_cfg).unwrap();
    assert_eq!((d.domain(), d.sizes()), ("table", (8, 2)));
    let Dataset::Table(t) = d else { unreachable!() };
    assert_eq!(t.columns, ["a", "b"]);
    // `label=` picks another column.
    let spec: DataSpec = format!("csv:{},label=a", csv.display()).parse().unwrap();
    let Dataset::Table(t) = spec.load_dataset(&text_cfg, &table_cfg).unwrap() else {
        unreachable!()
    };
    assert_eq!(t.columns, ["label", "b"]);
    assert_eq!(t.classes.len(), 10);

    let d = DataSpec::Digits
        .load_dataset(&text_cfg, &table_cfg)
        .unwrap();
    assert_eq!((d.domain(), d.sizes()), ("images", (1442, 355)));

    // Bad rows name the file and the line.
    std::fs::write(&csv, "a,label\n1,x\nzz,y\n").unwrap();
    let spec: DataSpec = format!("csv:{}", csv.display()).parse().unwrap();
    let msg = spec
        .load_dataset(&text_cfg, &table_cfg)
        .unwrap_err()
        .to_string();
    assert!(msg.contains("t.csv:3:") && msg.contains("zz"), "{msg}");
    std::fs::write(&tsv, "label\ttext\nham\tfine\nno tab here\n").unwrap();
    let spec: DataSpec = format!("text:{}", tsv.display()).parse().unwrap();
    let msg = spec
        .load_dataset(&text_cfg, &table_cfg)
        .unwrap_err()
        .to_string();
    assert!(msg.contains("t.tsv:3:") && msg.contains("no tab"), "{msg}");
}
