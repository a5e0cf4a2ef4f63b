//! IDX (MNIST format) files written here and read back, plain and gzip.

use std::path::{Path, PathBuf};

use autotune::Error;
use autotune::data::{Dataset, IdxArray, IdxType, Target};
use autotune::error::{DataError, IdxErrorKind};
use proptest::prelude::*;

/// Five 2x3 "images" with pixel `10 * item + position` and labels 7, 3, 7, 0, 3.
fn images() -> IdxArray {
    let pixels = (0..5)
        .flat_map(|i| (0..6).map(move |p| f64::from(10 * i + p)))
        .collect();
    IdxArray::new(vec![5, 2, 3], pixels, IdxType::U8).unwrap()
}

fn labels(values: &[f64]) -> IdxArray {
    IdxArray::new(vec![values.len() as u32], values.to_vec(), IdxType::U8).unwrap()
}

fn write_pair(dir: &Path, gzip: bool, labels_values: &[f64]) -> (PathBuf, PathBuf) {
    let ext = if gzip { ".gz" } else { "" };
    let img = dir.join(format!("imgs-idx3-ubyte{ext}"));
    let lab = dir.join(format!("labs-idx1-ubyte{ext}"));
    images().write_path(&img, gzip).unwrap();
    labels(labels_values).write_path(&lab, gzip).unwrap();
    (img, lab)
}

#[test]
fn round_trip_plain_and_gzip() {
    let dir = tempfile::tempdir().unwrap();
    for gzip in [false, true] {
        let (img, lab) = write_pair(dir.path(), gzip, &[7.0, 3.0, 7.0, 0.0, 3.0]);
        // The files are what the format says: magic 00 00 08 03 for the images
        // (gzip starts 1f 8b instead).
        let raw = std::fs::read(&img).unwrap();
        let magic: &[u8] = if gzip { &[0x1f, 0x8b] } else { &[0, 0, 8, 3] };
        assert!(raw.starts_with(magic));
        assert_eq!(IdxArray::read_path(&img).unwrap(), images());

        let d = Dataset::from_idx_paths(&img, &lab).unwrap();
        assert_eq!((d.n_samples(), d.n_features()), (5, 6));
        assert_eq!(d.features(), images().data());
        assert_eq!(d.row(3), &[30.0, 31.0, 32.0, 33.0, 34.0, 35.0]);
        assert_eq!(
            d.target(),
            &Target::Classes {
                labels: vec![2, 1, 2, 0, 1],
                names: vec!["0".into(), "3".into(), "7".into()],
            }
        );
    }
}

#[test]
fn count_mismatch_names_the_labels_file() {
    let dir = tempfile::tempdir().unwrap();
    let (img, lab) = write_pair(dir.path(), false, &[1.0, 2.0, 3.0]);
    match Dataset::from_idx_paths(&img, &lab) {
        Err(Error::Data(DataError::Idx {
            path,
            kind:
                IdxErrorKind::CountMismatch {
                    images: 5,
                    labels: 3,
                },
        })) => assert_eq!(path, lab.display().to_string()),
        other => panic!("expected a count mismatch, got {other:?}"),
    }
}

#[test]
fn wrong_ranks_and_bad_labels() {
    let dir = tempfile::tempdir().unwrap();
    let (img, lab) = write_pair(dir.path(), false, &[0.0; 5]);
    // Swapped files: images of rank 1.
    assert!(matches!(
        Dataset::from_idx_paths(&lab, &img),
        Err(Error::Data(DataError::Idx {
            kind: IdxErrorKind::Rank { found: 1, .. },
            ..
        }))
    ));
    let signed = dir.path().join("signed");
    IdxArray::new(vec![5], vec![0.0, 1.0, -1.0, 0.0, 0.0], IdxType::I8)
        .unwrap()
        .write_path(&signed, false)
        .unwrap();
    assert!(matches!(
        Dataset::from_idx_paths(&img, &signed),
        Err(Error::Data(DataError::Idx {
            kind: IdxErrorKind::BadLabel { index: 2, .. },
            ..
        }))
    ));
}

#[test]
fn truncated_file_and_corrupt_gzip() {
    let dir = tempfile::tempdir().unwrap();
    let cut = dir.path().join("cut");
    let bytes = images().to_bytes();
    std::fs::write(&cut, &bytes[..bytes.len() - 1]).unwrap();
    assert!(matches!(
        IdxArray::read_path(&cut),
        Err(Error::Data(DataError::Idx {
            kind: IdxErrorKind::Truncated {
                needed: 46,
                found: 45
            },
            ..
        }))
    ));
    let gz = dir.path().join("bad.gz");
    std::fs::write(&gz, [0x1f, 0x8b, 1, 2, 3]).unwrap();
    assert!(matches!(
        IdxArray::read_path(&gz),
        Err(Error::Data(DataError::Io { .. }))
    ));
}

proptest! {
    /// No bytes make the parser panic.
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
        let _ = IdxArray::from_bytes(&bytes);
    }

    /// Every header with a valid type and small dimensions parses back.
    #[test]
    fn any_array_round_trips(
        dims in proptest::collection::vec(1u32..4, 1..4),
        code in prop_oneof![Just(IdxType::U8), Just(IdxType::I16), Just(IdxType::F64)],
        seed in any::<u64>(),
    ) {
        let n: u32 = dims.iter().product();
        // Values every listed type holds exactly.
        let data: Vec<f64> = (0..n).map(|i| f64::from((u64::from(i) ^ seed) as u8)).collect();
        let a = IdxArray::new(dims, data, code).unwrap();
        prop_assert_eq!(IdxArray::from_bytes(&a.to_bytes()).unwrap(), a);
    }
}
