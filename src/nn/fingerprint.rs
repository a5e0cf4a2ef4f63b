//! Fingerprints of a training's configuration and data: 64-bit FNV-1a
//! hashes (Fowler, Noll & Vo), which a [`Snapshot`](super::Snapshot)
//! carries so that it resumes only with what it was taken from.

use crate::error::NnError;

use super::config::TrainConfig;
use super::input::{Targets, TrainData};
use super::matrix::MatRef;

/// 64-bit FNV-1a, fed 64-bit words (each word's bytes, little-endian).
struct Fnv(u64);

impl Fnv {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;

    fn new() -> Self {
        Self(Self::OFFSET)
    }

    fn bytes(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(Self::PRIME);
        }
    }

    fn word(&mut self, w: u64) {
        self.bytes(&w.to_le_bytes());
    }

    fn matrix(&mut self, x: MatRef<'_>) {
        self.word(x.rows() as u64);
        self.word(x.cols() as u64);
        x.data()
            .iter()
            .for_each(|v| self.word(u64::from(v.to_bits())));
    }

    fn targets(&mut self, y: &Targets<'_>) {
        match *y {
            Targets::Classes { labels, n_classes } => {
                self.word(0);
                self.word(n_classes as u64);
                self.word(labels.len() as u64);
                labels.iter().for_each(|&l| self.word(l as u64));
            }
            Targets::Values { values, n_outputs } => {
                self.word(1);
                self.word(n_outputs as u64);
                self.word(values.len() as u64);
                values
                    .iter()
                    .for_each(|v| self.word(u64::from(v.to_bits())));
            }
        }
    }
}

/// The fingerprint of `config` without its `epochs`: FNV-1a of its JSON.
pub(super) fn config_fingerprint(config: &TrainConfig) -> Result<u64, NnError> {
    let without_epochs = TrainConfig {
        epochs: 0,
        ..config.clone()
    };
    let mut h = Fnv::new();
    h.bytes(&serde_json::to_vec(&without_epochs).map_err(NnError::SnapshotJson)?);
    Ok(h.0)
}

/// The fingerprint of the data: shapes and every value's bits, training
/// set first, then the validation set if any.
pub(super) fn data_fingerprint(data: &TrainData<'_>) -> u64 {
    let mut h = Fnv::new();
    h.matrix(data.x_train);
    h.targets(&data.y_train);
    match &data.validation {
        None => h.word(0),
        Some((x, y)) => {
            h.word(1);
            h.matrix(*x);
            h.targets(y);
        }
    }
    h.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv_has_the_published_test_values() {
        // FNV-1a 64 of "" and "a" (Noll's reference test suite).
        let mut h = Fnv::new();
        assert_eq!(h.0, 0xcbf2_9ce4_8422_2325);
        h.bytes(b"a");
        assert_eq!(h.0, 0xaf63_dc4c_8601_ec8c);
    }

    #[test]
    fn the_config_fingerprint_ignores_epochs_only() {
        let base = TrainConfig::default();
        let fp = config_fingerprint(&base).unwrap();
        assert_eq!(config_fingerprint(&base.clone().epochs(7)).unwrap(), fp);
        assert_ne!(config_fingerprint(&base.clone().seed(1)).unwrap(), fp);
        assert_ne!(config_fingerprint(&base.learning_rate(2e-3)).unwrap(), fp);
    }

    #[test]
    fn the_data_fingerprint_sees_values_and_shapes() {
        let x = [0.0f32, 1.0, 2.0, 3.0];
        let y = [0usize, 1];
        let fp = |x: MatRef<'_>, y: Targets<'_>| data_fingerprint(&TrainData::new(x, y));
        let base = fp(MatRef::new(&x, 2, 2).unwrap(), Targets::classes(&y, 2));
        assert_ne!(
            fp(MatRef::new(&x, 1, 4).unwrap(), Targets::classes(&y[..1], 2)),
            base
        );
        assert_ne!(
            fp(MatRef::new(&x, 2, 2).unwrap(), Targets::classes(&y, 3)),
            base
        );
        let x2 = [0.0f32, 1.0, 2.0, -3.0];
        assert_ne!(
            fp(MatRef::new(&x2, 2, 2).unwrap(), Targets::classes(&y, 2)),
            base
        );
        let with_valid = data_fingerprint(
            &TrainData::new(MatRef::new(&x, 2, 2).unwrap(), Targets::classes(&y, 2))
                .with_validation(MatRef::new(&x, 2, 2).unwrap(), Targets::classes(&y, 2)),
        );
        assert_ne!(with_valid, base);
    }
}
