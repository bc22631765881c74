//! Opening a text file that may be gzip-compressed.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

use flate2::read::MultiGzDecoder;

use crate::DataError;

/// Opens `path` for reading, decompressing it if its name ends in `.gz`.
///
/// # Errors
/// [`DataError::Missing`] if it does not exist (`expected` says what it should hold),
/// [`DataError::Io`] if it cannot be opened.
pub(crate) fn open(path: &Path, expected: &str) -> Result<Box<dyn Read>, DataError> {
    if !path.is_file() {
        return Err(DataError::Missing {
            path: path.to_path_buf(),
            expected: expected.to_string(),
        });
    }
    let file = File::open(path).map_err(|e| DataError::io(path, e))?;
    let file = BufReader::new(file);
    if path.extension().is_some_and(|e| e == "gz") {
        Ok(Box::new(BufReader::new(MultiGzDecoder::new(file))))
    } else {
        Ok(Box::new(file))
    }
}
