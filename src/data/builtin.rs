//! The built-in real data sets, embedded in the crate ([`Builtin`]).
//!
//! The files are copies of UCI Machine Learning Repository data sets as
//! redistributed in scikit-learn's source tree (CC BY 4.0; see `data/README.md`).
//! Each is parsed once, on first use, and cached; later loads clone the cache.
//!
//! (Over 400 lines because its unit tests, 60 of the 415 lines, stay beside the code they check.)

use std::io::Read;
use std::sync::OnceLock;

use super::csv::{CsvOptions, CsvTask, Header};
use super::{Dataset, Target, Task};
use crate::error::{CsvErrorKind, DataError};
use crate::{Error, Result};

/// A data set shipped inside the crate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Builtin {
    /// Fisher's iris flowers: 150 samples, 4 features, 3 classes of 50.
    Iris,
    /// Wine recognition: 178 samples, 13 features, 3 classes (59/71/48).
    Wine,
    /// Breast Cancer Wisconsin (Diagnostic): 569 samples, 30 features,
    /// 212 malignant / 357 benign.
    BreastCancer,
    /// Optical recognition of handwritten digits (UCI test part): 1797 8x8
    /// images, 64 pixel features 0..16, 10 classes.
    Digits,
    /// Diabetes (Efron et al. 2004): 442 samples, 10 raw features, a real
    /// target (disease progression after one year, 25..346).
    Diabetes,
}

impl Builtin {
    /// Every built-in data set, in the order of a listing.
    pub const ALL: [Builtin; 5] = [
        Builtin::Iris,
        Builtin::Wine,
        Builtin::BreastCancer,
        Builtin::Digits,
        Builtin::Diabetes,
    ];

    /// The name used by [`Builtin::from_name`] and the command line.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Builtin::Iris => "iris",
            Builtin::Wine => "wine",
            Builtin::BreastCancer => "breast_cancer",
            Builtin::Digits => "digits",
            Builtin::Diabetes => "diabetes",
        }
    }

    /// A one-line description for a listing.
    #[must_use]
    pub const fn description(self) -> &'static str {
        match self {
            Builtin::Iris => "Fisher's iris flowers: 150 samples, 4 features, 3 classes",
            Builtin::Wine => "Wine recognition: 178 samples, 13 chemical features, 3 cultivars",
            Builtin::BreastCancer => {
                "Breast cancer Wisconsin (diagnostic): 569 samples, 30 features, 2 classes"
            }
            Builtin::Digits => {
                "Handwritten digits, 8x8 images: 1797 samples, 64 features, 10 classes"
            }
            Builtin::Diabetes => "Diabetes progression (regression): 442 samples, 10 features",
        }
    }

    /// Classification or regression.
    #[must_use]
    pub const fn task(self) -> Task {
        match self {
            Builtin::Diabetes => Task::Regression,
            _ => Task::Classification,
        }
    }

    /// The built-in called `name` (case-insensitive; `-` or a space may stand
    /// for `_`, so `"breast-cancer"` works).
    ///
    /// # Errors
    /// [`DataError::UnknownBuiltin`] for any other name.
    pub fn from_name(name: &str) -> Result<Builtin, DataError> {
        let wanted = name.trim().to_ascii_lowercase().replace(['-', ' '], "_");
        Builtin::ALL
            .into_iter()
            .find(|b| b.name() == wanted)
            .ok_or_else(|| DataError::UnknownBuiltin {
                name: name.to_owned(),
            })
    }

    fn index(self) -> usize {
        self as usize
    }
}

impl std::fmt::Display for Builtin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Builtin {
    type Err = DataError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Builtin::from_name(s)
    }
}

static CACHE: [OnceLock<Dataset>; 5] = [const { OnceLock::new() }; 5];

impl Dataset {
    /// A built-in data set. The first call parses the embedded file; later
    /// calls clone a cached copy.
    ///
    /// # Errors
    /// Only if the embedded file is corrupt ([`DataError::Csv`] naming
    /// `<builtin NAME>`), which the test suite rules out.
    pub fn builtin(which: Builtin) -> Result<Dataset> {
        let cell = &CACHE[which.index()];
        if let Some(data) = cell.get() {
            return Ok(data.clone());
        }
        let data = parse(which)?;
        Ok(cell.get_or_init(|| data).clone())
    }
}

impl Dataset {
    /// The built-in data set called `name` (see [`Builtin::from_name`]).
    ///
    /// # Errors
    /// [`DataError::UnknownBuiltin`] for an unknown name.
    pub fn builtin_named(name: &str) -> Result<Dataset> {
        Dataset::builtin(Builtin::from_name(name)?)
    }
}

const IRIS: &str = include_str!("../../data/iris.csv");
const WINE: &str = include_str!("../../data/wine_data.csv");
const BREAST_CANCER: &str = include_str!("../../data/breast_cancer.csv");
const DIGITS_GZ: &[u8] = include_bytes!("../../data/digits.csv.gz");
const DIABETES: &str = include_str!("../../data/diabetes.csv");

const IRIS_FEATURES: [&str; 4] = [
    "sepal length (cm)",
    "sepal width (cm)",
    "petal length (cm)",
    "petal width (cm)",
];

const WINE_FEATURES: [&str; 13] = [
    "alcohol",
    "malic_acid",
    "ash",
    "alcalinity_of_ash",
    "magnesium",
    "total_phenols",
    "flavanoids",
    "nonflavanoid_phenols",
    "proanthocyanins",
    "color_intensity",
    "hue",
    "od280/od315_of_diluted_wines",
    "proline",
];

/// The ten measurements of each cell nucleus; the 30 features are their
/// mean, standard error and worst value, in that order.
const BREAST_CANCER_MEASURES: [&str; 10] = [
    "radius",
    "texture",
    "perimeter",
    "area",
    "smoothness",
    "compactness",
    "concavity",
    "concave points",
    "symmetry",
    "fractal dimension",
];

fn owned(names: &[&str]) -> Vec<String> {
    names.iter().map(|&s| s.to_owned()).collect()
}

fn parse(which: Builtin) -> Result<Dataset> {
    let path = format!("<builtin {}>", which.name());
    match which {
        Builtin::Iris => {
            parse_sklearn(IRIS, &path, which)?.with_feature_names(owned(&IRIS_FEATURES))
        }
        Builtin::Wine => {
            parse_sklearn(WINE, &path, which)?.with_feature_names(owned(&WINE_FEATURES))
        }
        Builtin::BreastCancer => {
            let names = ["mean ", "", "worst "]
                .iter()
                .flat_map(|prefix| {
                    BREAST_CANCER_MEASURES.iter().map(move |m| {
                        if prefix.is_empty() {
                            format!("{m} error")
                        } else {
                            format!("{prefix}{m}")
                        }
                    })
                })
                .collect();
            parse_sklearn(BREAST_CANCER, &path, which)?.with_feature_names(names)
        }
        Builtin::Digits => {
            let mut text = String::new();
            flate2::read::GzDecoder::new(DIGITS_GZ)
                .read_to_string(&mut text)
                .map_err(|source| DataError::Io {
                    path: path.clone(),
                    source,
                })?;
            let opts = CsvOptions::default()
                .header(Header::Absent)
                .task(CsvTask::Classification)
                .name("digits");
            let names = (0..64)
                .map(|p| format!("pixel_{}_{}", p / 8, p % 8))
                .collect();
            Dataset::from_csv_str(&text, &opts)
                .map_err(|e| rename(e, &path))?
                .with_feature_names(names)
        }
        Builtin::Diabetes => parse_sklearn(DIABETES, &path, which),
    }
}

/// Gives an error from the generic CSV reader the built-in's name.
fn rename(e: Error, path: &str) -> Error {
    match e {
        Error::Data(DataError::Csv {
            line, column, kind, ..
        }) => DataError::Csv {
            path: path.to_owned(),
            line,
            column,
            kind,
        }
        .into(),
        other => other,
    }
}

/// Parses scikit-learn's format: a header `n_samples,n_features,<names>`,
/// then rows of `n_features` numbers and a target. For classification the
/// names are the class names and the target an integer label; for regression
/// the names are the feature names and the target a number.
fn parse_sklearn(text: &str, path: &str, which: Builtin) -> Result<Dataset> {
    let err = |line: usize, column: usize, kind: CsvErrorKind| -> Error {
        DataError::Csv {
            path: path.to_owned(),
            line,
            column,
            kind,
        }
        .into()
    };
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l))
        .filter(|(_, l)| !l.trim().is_empty());
    let Some((_, header)) = lines.next() else {
        return Err(err(1, 1, CsvErrorKind::EmptyFile));
    };
    let header: Vec<&str> = header.split(',').map(str::trim).collect();
    let count = |j: usize| -> Result<usize> {
        let cell = header.get(j).copied().unwrap_or_default();
        cell.parse().map_err(|_| {
            err(
                1,
                j + 1,
                CsvErrorKind::NonNumeric {
                    value: cell.to_owned(),
                },
            )
        })
    };
    let (n_samples, n_features) = (count(0)?, count(1)?);
    let names: Vec<String> = header.iter().skip(2).map(|&s| s.to_owned()).collect();
    let classify = which.task() == Task::Classification;

    let mut features = Vec::with_capacity(n_samples.saturating_mul(n_features));
    let (mut labels, mut values) = (Vec::new(), Vec::new());
    for (line, text) in lines {
        let mut found = 0;
        for (j, cell) in text.split(',').map(str::trim).enumerate() {
            found = j + 1;
            let number = || {
                cell.parse::<f64>()
                    .ok()
                    .filter(|x| x.is_finite())
                    .ok_or_else(|| {
                        err(
                            line,
                            j + 1,
                            CsvErrorKind::NonNumeric {
                                value: cell.to_owned(),
                            },
                        )
                    })
            };
            if j < n_features {
                features.push(number()?);
            } else if j == n_features && classify {
                let label = cell.parse::<usize>().ok().filter(|&l| l < names.len());
                labels.push(label.ok_or_else(|| {
                    err(
                        line,
                        j + 1,
                        CsvErrorKind::UnknownLabel {
                            value: cell.to_owned(),
                            n_classes: names.len(),
                        },
                    )
                })?);
            } else if j == n_features {
                values.push(number()?);
            }
        }
        if found != n_features + 1 {
            let kind = CsvErrorKind::RaggedRow {
                expected: n_features + 1,
                found,
            };
            return Err(err(line, found.min(n_features + 1) + 1, kind));
        }
    }
    let rows = labels.len() + values.len();
    if rows != n_samples {
        let kind = CsvErrorKind::RowCount {
            expected: n_samples,
            found: rows,
        };
        return Err(err(1, 1, kind));
    }
    if classify {
        let target = Target::Classes { labels, names };
        Dataset::new(which.name(), features, n_features, target)
    } else {
        Dataset::new(which.name(), features, n_features, Target::Real(values))?
            .with_feature_names(names)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for b in Builtin::ALL {
            assert_eq!(Builtin::from_name(b.name()).unwrap(), b);
            assert_eq!(b.to_string().parse::<Builtin>().unwrap(), b);
        }
        assert_eq!(
            Builtin::from_name("Breast-Cancer").unwrap(),
            Builtin::BreastCancer
        );
        assert!(matches!(
            Builtin::from_name("mnist"),
            Err(DataError::UnknownBuiltin { name }) if name == "mnist"
        ));
    }

    #[test]
    fn sklearn_format_errors_have_positions() {
        let ragged = "2,2,a,b\n1,2,0\n3,1\n";
        let e = parse_sklearn(ragged, "x", Builtin::Iris).unwrap_err();
        assert!(matches!(
            e,
            Error::Data(DataError::Csv {
                line: 3,
                column: 3,
                kind: CsvErrorKind::RaggedRow {
                    expected: 3,
                    found: 2
                },
                ..
            })
        ));
        let bad_label = "1,1,a,b\n1,5\n";
        assert!(matches!(
            parse_sklearn(bad_label, "x", Builtin::Iris).unwrap_err(),
            Error::Data(DataError::Csv {
                line: 2,
                column: 2,
                kind: CsvErrorKind::UnknownLabel { .. },
                ..
            })
        ));
        let short = "3,1,a,b\n1,0\n2,1\n";
        assert!(matches!(
            parse_sklearn(short, "x", Builtin::Iris).unwrap_err(),
            Error::Data(DataError::Csv {
                kind: CsvErrorKind::RowCount {
                    expected: 3,
                    found: 2
                },
                ..
            })
        ));
    }
}
