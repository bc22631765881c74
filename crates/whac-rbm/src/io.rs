//! `model.safetensors`: tensors `W` (D × J), `b` (D), `c` (J), f32 — exactly these names and
//! shapes, so other tools can check our numbers.

use std::path::Path;

use safetensors::tensor::{Dtype, SafeTensors, TensorView};

use crate::{Params, RbmError};

fn bytes(x: &[f32]) -> Vec<u8> {
    x.iter().flat_map(|v| v.to_le_bytes()).collect()
}

/// Writes the model to `path` through a temporary file in the same folder and a rename, so a
/// reader never sees a half-written file.
///
/// # Errors
/// [`RbmError::Io`] when the file cannot be written.
pub fn save_safetensors(params: &Params, path: &Path) -> Result<(), RbmError> {
    let (d, j) = (params.visible(), params.hidden());
    let (w, b, c) = (bytes(&params.w), bytes(&params.b), bytes(&params.c));
    fn view(shape: Vec<usize>, data: &[u8]) -> TensorView<'_> {
        TensorView::new(Dtype::F32, shape, data).expect("shape matches the data by construction")
    }
    let tensors = [
        ("W", view(vec![d, j], &w)),
        ("b", view(vec![d], &b)),
        ("c", view(vec![j], &c)),
    ];
    let buffer = safetensors::serialize(tensors, None).map_err(|e| RbmError::Format {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = std::path::PathBuf::from(tmp);
    let io = |p: &Path| {
        let p = p.to_path_buf();
        move |source| RbmError::Io { path: p, source }
    };
    std::fs::write(&tmp, buffer).map_err(io(&tmp))?;
    std::fs::rename(&tmp, path).map_err(io(path))
}

/// Reads a model written by [`save_safetensors`] (or any file with f32 tensors `W` D × J, `b` D,
/// `c` J).
///
/// # Errors
/// [`RbmError::Io`] when the file cannot be read; [`RbmError::Format`] when it is not
/// safetensors or a tensor is missing, not f32, or of the wrong shape.
pub fn load_safetensors(path: &Path) -> Result<Params, RbmError> {
    let data = std::fs::read(path).map_err(|source| RbmError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let format = |message: String| RbmError::Format {
        path: path.to_path_buf(),
        message,
    };
    let st =
        SafeTensors::deserialize(&data).map_err(|e| format(format!("not safetensors: {e}")))?;
    let get = |name: &str, rank: usize| -> Result<(Vec<usize>, Vec<f32>), RbmError> {
        let t = st.tensor(name).map_err(|_| {
            format(format!(
                "no tensor `{name}`; expected W (D×J), b (D), c (J)"
            ))
        })?;
        if t.dtype() != Dtype::F32 {
            return Err(format(format!(
                "tensor `{name}` is {:?}, expected F32",
                t.dtype()
            )));
        }
        if t.shape().len() != rank {
            return Err(format(format!(
                "tensor `{name}` has shape {:?}, expected rank {rank}",
                t.shape()
            )));
        }
        let values = t
            .data()
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect();
        Ok((t.shape().to_vec(), values))
    };
    let (ws, w) = get("W", 2)?;
    let (bs, b) = get("b", 1)?;
    let (cs, c) = get("c", 1)?;
    if bs[0] != ws[0] || cs[0] != ws[1] {
        return Err(format(format!(
            "shapes W {ws:?}, b {bs:?}, c {cs:?} do not fit: expected W D×J, b D, c J"
        )));
    }
    Ok(Params { w, b, c })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_with_exact_names_and_shapes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("model.safetensors");
        let params = Params {
            w: (0..12).map(|i| i as f32 * 0.5 - 3.0).collect(),
            b: vec![0.1, -0.2, 0.3, 1e-7],
            c: vec![5.0, -6.0, 7.5],
        };
        save_safetensors(&params, &path).unwrap();
        assert_eq!(load_safetensors(&path).unwrap(), params);
        let raw = std::fs::read(&path).unwrap();
        let st = SafeTensors::deserialize(&raw).unwrap();
        let mut names = st.names();
        names.sort();
        assert_eq!(names, ["W", "b", "c"]);
        assert_eq!(st.tensor("W").unwrap().shape(), [4, 3]);
        assert_eq!(st.tensor("b").unwrap().shape(), [4]);
        assert_eq!(st.tensor("c").unwrap().shape(), [3]);
        assert_eq!(st.tensor("W").unwrap().dtype(), Dtype::F32);
        // W is row-major D × J: W[1][2] is the sixth value.
        let w01 = &st.tensor("W").unwrap().data()[5 * 4..6 * 4];
        assert_eq!(f32::from_le_bytes(w01.try_into().unwrap()), params.w[5]);
        assert!(!dir.path().join("model.safetensors.tmp").exists());
    }

    #[test]
    fn wrong_files_are_refused_with_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.safetensors");
        std::fs::write(&path, b"not a model").unwrap();
        let err = load_safetensors(&path).unwrap_err().to_string();
        assert!(
            err.contains("x.safetensors") && err.contains("not safetensors"),
            "{err}"
        );
        let missing = load_safetensors(&dir.path().join("none")).unwrap_err();
        assert!(matches!(missing, RbmError::Io { .. }));
        let w = bytes(&[0.0; 6]);
        let b = bytes(&[0.0; 3]);
        let bad = [
            ("W", TensorView::new(Dtype::F32, vec![2, 3], &w).unwrap()),
            ("b", TensorView::new(Dtype::F32, vec![3], &b).unwrap()),
            ("c", TensorView::new(Dtype::F32, vec![3], &b).unwrap()),
        ];
        std::fs::write(&path, safetensors::serialize(bad, None).unwrap()).unwrap();
        let err = load_safetensors(&path).unwrap_err().to_string();
        assert!(err.contains("do not fit"), "{err}");
    }
}
