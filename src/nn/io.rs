//! Saving and loading trained networks as JSON.
//!
//! A model file is one JSON object:
//! `{"format": 1, "sizes": [64, 128, 10], "activation": "Relu",
//! "head": "Softmax", "params": [...]}` with the parameters in
//! [`Network::params`] order. Each `f32` parameter is written as the `f64`
//! of the same value: an `f64` that reads back even one unit in the last
//! place off still rounds to the same `f32`, so loading restores the
//! parameters bit for bit and predictions are identical.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::NnError;

use super::activation::Activation;
use super::head::Head;
use super::network::Network;

/// The model-file format version written by this crate.
pub const MODEL_FORMAT: u32 = 1;

/// The serialised form of a [`Network`].
#[derive(Serialize, Deserialize)]
struct NetworkFile {
    format: u32,
    sizes: Vec<usize>,
    activation: Activation,
    head: Head,
    params: Vec<f64>,
}

impl Serialize for Network {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        NetworkFile {
            format: MODEL_FORMAT,
            sizes: self.sizes().to_vec(),
            activation: self.activation(),
            head: self.head(),
            params: self.params().iter().map(|&p| f64::from(p)).collect(),
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Network {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let file = NetworkFile::deserialize(deserializer)?;
        if file.format != MODEL_FORMAT {
            return Err(D::Error::custom(format!(
                "model format {} is not the supported {MODEL_FORMAT}",
                file.format
            )));
        }
        let params = file.params.iter().map(|&p| p as f32).collect();
        Network::from_parts(file.sizes, file.activation, file.head, params)
            .map_err(D::Error::custom)
    }
}

impl Network {
    /// The model as a JSON string.
    ///
    /// # Errors
    /// [`NnError::Json`] (not expected: every part serialises).
    pub fn to_json(&self) -> Result<String, NnError> {
        Ok(serde_json::to_string(self)?)
    }

    /// A model from a JSON string written by [`Network::to_json`].
    ///
    /// # Errors
    /// [`NnError::Json`] for malformed JSON, an unknown format version, or a
    /// model that fails [`Network::from_parts`]'s checks.
    pub fn from_json(json: &str) -> Result<Self, NnError> {
        Ok(serde_json::from_str(json)?)
    }

    /// Writes the model to `path` as JSON.
    ///
    /// # Errors
    /// [`NnError::Io`] if the file cannot be written.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<(), NnError> {
        let path = path.as_ref();
        std::fs::write(path, self.to_json()?).map_err(|source| NnError::Io {
            path: path.to_path_buf(),
            source,
        })
    }

    /// Reads a model written by [`Network::save`].
    ///
    /// # Errors
    /// [`NnError::Io`] if the file cannot be read, otherwise as
    /// [`Network::from_json`].
    pub fn load(path: impl AsRef<Path>) -> Result<Self, NnError> {
        let path = path.as_ref();
        let json = std::fs::read_to_string(path).map_err(|source| NnError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_json(&json)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny() -> Network {
        Network::from_parts(
            vec![2, 2],
            Activation::Relu,
            Head::Softmax,
            vec![0.1, -0.2, 1.0e-30, 3.3333333, 0.5, -0.5],
        )
        .unwrap()
    }

    #[test]
    fn json_round_trip_is_exact() {
        let net = tiny();
        let back = Network::from_json(&net.to_json().unwrap()).unwrap();
        assert_eq!(back, net);
    }

    #[test]
    fn malformed_models_are_json_errors() {
        let json = tiny().to_json().unwrap();
        for bad in [
            json.replace("\"format\":1", "\"format\":2"),
            json.replace("[2,2]", "[2,3]"),
            json.replace("Relu", "Swish"),
            "{".to_owned(),
        ] {
            assert!(
                matches!(Network::from_json(&bad), Err(NnError::Json(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn missing_file_is_an_io_error() {
        let r = Network::load("/nonexistent/dir/model.json");
        assert!(matches!(r, Err(NnError::Io { .. })));
    }
}
