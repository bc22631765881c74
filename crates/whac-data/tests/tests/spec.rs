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
    for bad in ["mnits:/x", "", "cifar10", "DIGITS"] {
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
