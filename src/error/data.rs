//! Errors of the `data` module: files that cannot be parsed, data sets that
//! cannot be used as asked.

/// A data set that could not be read or used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DataError {
    /// Reading a file failed (or a gzip stream was corrupt).
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A CSV file (or the text of a built-in data set) that could not be parsed.
    ///
    /// `line` and `column` are 1-based: `line` counts physical lines of the
    /// file, `column` counts fields (cells) of the row, not characters.
    #[error("{path}:{line}:{column}: {kind}")]
    Csv {
        /// The file, or `<string>`/`<reader>`/`<builtin NAME>`.
        path: String,
        /// 1-based line of the file.
        line: usize,
        /// 1-based field (cell) of the row.
        column: usize,
        /// What was wrong.
        kind: CsvErrorKind,
    },
    /// An IDX (MNIST format) file that could not be parsed.
    #[error("{path}: {kind}")]
    Idx {
        /// The file.
        path: String,
        /// What was wrong.
        kind: IdxErrorKind,
    },
    /// A name that is not one of the built-in data sets.
    #[error(
        "unknown built-in data set `{name}` (known: iris, wine, breast_cancer, digits, diabetes)"
    )]
    UnknownBuiltin {
        /// The name asked for.
        name: String,
    },
    /// A feature matrix whose length is not `n_samples * n_features`.
    #[error("feature matrix of length {len} is not a multiple of {n_features} features")]
    FeatureLength {
        /// Length of the row-major feature vector.
        len: usize,
        /// The number of features (columns) given.
        n_features: usize,
    },
    /// A target with a different number of entries than the feature matrix has rows.
    #[error("target has {found} entries but the features have {expected} rows")]
    TargetLength {
        /// Rows of the feature matrix.
        expected: usize,
        /// Entries of the target.
        found: usize,
    },
    /// A class label not below the number of class names.
    #[error("row {} (counting from 1): class label {label} but only {n_classes} class names", .row + 1)]
    LabelOutOfRange {
        /// 0-based row.
        row: usize,
        /// The label.
        label: usize,
        /// Number of class names.
        n_classes: usize,
    },
    /// A NaN or infinite feature or regression target.
    #[error("row {}, column {} (counting from 1): non-finite value {value}", .row + 1, .column + 1)]
    NonFinite {
        /// 0-based row.
        row: usize,
        /// 0-based feature column (`n_features` for a regression target).
        column: usize,
        /// The value.
        value: f64,
    },
    /// A finite feature or regression target of magnitude above
    /// [`MAX_VALUE`](crate::data::MAX_VALUE) (`f32::MAX`): the networks train
    /// in `f32`, where it would be infinite.
    #[error(
        "row {} (counting from 1), {}: {value:e} is beyond ±{:e}, the f32 range the networks \
         train in",
        .row + 1,
        describe_column(*.column),
        crate::data::MAX_VALUE
    )]
    OutOfRange {
        /// 0-based row.
        row: usize,
        /// 0-based feature column, `None` for the regression target.
        column: Option<usize>,
        /// The value.
        value: f64,
    },
    /// A feature or regression target that scaling with statistics of other
    /// rows (the training part's, applied to validation or test rows) took
    /// beyond [`MAX_VALUE`](crate::data::MAX_VALUE) or to infinity: the
    /// column varies far less on the rows the scaler was fitted on.
    #[error(
        "row {} (counting from 1), {}: {value:e} once scaled with the statistics of the rows \
         the scaler was fitted on, beyond ±{:e}, the f32 range the networks train in (the \
         column varies far less on those rows)",
        .row + 1,
        describe_column(*.column),
        crate::data::MAX_VALUE
    )]
    ScaledOutOfRange {
        /// 0-based row of the part scaled.
        row: usize,
        /// 0-based feature column, `None` for the regression target.
        column: Option<usize>,
        /// The scaled value.
        value: f64,
    },
    /// A list of feature names of the wrong length.
    #[error("{found} feature names for {expected} features")]
    FeatureNames {
        /// Number of features.
        expected: usize,
        /// Number of names given.
        found: usize,
    },
    /// A data set with no rows where some are needed.
    #[error("data set `{name}` has no rows")]
    EmptyDataset {
        /// The data set's name.
        name: String,
    },
    /// A row index past the end of the data set.
    #[error("row index {index} out of range for {n_samples} rows")]
    IndexOutOfRange {
        /// The index.
        index: usize,
        /// Rows of the data set.
        n_samples: usize,
    },
    /// Data with a different number of features than a fitted scaler expects.
    #[error("expected {expected} features, found {found}")]
    FeatureMismatch {
        /// Features the scaler was fitted on.
        expected: usize,
        /// Features of the data given.
        found: usize,
    },
    /// An operation that needs class labels used on a regression target.
    #[error("{operation} needs a classification target, the data set has a regression target")]
    NotClassification {
        /// The operation.
        operation: &'static str,
    },
    /// An operation that needs real targets used on class labels.
    #[error("{operation} needs a regression target, the data set has class labels")]
    NotRegression {
        /// The operation.
        operation: &'static str,
    },
    /// Too few rows for what was asked (e.g. more folds than rows).
    #[error("{operation} needs at least {needed} rows, the data set has {n_samples}")]
    TooFewSamples {
        /// The operation.
        operation: &'static str,
        /// Rows needed.
        needed: usize,
        /// Rows present.
        n_samples: usize,
    },
}

/// What was wrong in a CSV file (see [`DataError::Csv`] for where).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CsvErrorKind {
    /// The file has no non-blank line.
    #[error("empty file")]
    EmptyFile,
    /// The file has a header but no data rows.
    #[error("no data rows after the header")]
    NoDataRows,
    /// A row with a different number of cells than the first row.
    #[error("ragged row: expected {expected} cells, found {found}")]
    RaggedRow {
        /// Cells of the first row.
        expected: usize,
        /// Cells of this row.
        found: usize,
    },
    /// A cell that should be a number but is not.
    #[error("non-numeric cell `{value}`")]
    NonNumeric {
        /// The cell's text.
        value: String,
    },
    /// A number that is infinite (or overflows `f64`).
    #[error("non-finite number `{value}`")]
    NonFinite {
        /// The cell's text.
        value: String,
    },
    /// A feature or regression-target number of magnitude above
    /// [`MAX_VALUE`](crate::data::MAX_VALUE) (`f32::MAX`, about 3.4e38): the
    /// networks train in `f32`, where it would be infinite.
    #[error(
        "number `{value}` is beyond ±{:e}, the f32 range the networks train in",
        crate::data::MAX_VALUE
    )]
    OutOfRange {
        /// The cell's text.
        value: String,
    },
    /// An empty cell or a missing-value marker (`NA`, `N/A`, `NaN`, `null`, `?`, any case).
    #[error("missing value {}", describe_missing(.value))]
    MissingValue {
        /// The cell's text (empty for an empty cell).
        value: String,
    },
    /// A quoted cell whose closing quote is missing on its line.
    #[error("unterminated quoted cell")]
    UnterminatedQuote,
    /// A quote inside an unquoted cell, or text after a closing quote.
    #[error("stray quote character")]
    StrayQuote,
    /// Bytes that are not UTF-8.
    #[error("invalid UTF-8")]
    InvalidUtf8,
    /// The target column asked for is not in the file.
    ///
    /// Reported at the first line: at the column asked for (1-based) for
    /// [`TargetColumn::Index`](crate::data::TargetColumn::Index), at column 1
    /// for a name.
    #[error("unknown target column {target} ({n_columns} columns)")]
    UnknownTargetColumn {
        /// The column asked for (a name or an index).
        target: String,
        /// Columns in the file.
        n_columns: usize,
    },
    /// The file has only the target column, no features.
    #[error("no feature columns besides the target")]
    NoFeatures,
    /// A classification target whose rows all have the same class.
    #[error("classification target has a single class `{label}`")]
    SingleClass {
        /// The only class.
        label: String,
    },
    /// A built-in file whose header promises a different number of rows.
    #[error("header declares {expected} rows, found {found}")]
    RowCount {
        /// Rows declared.
        expected: usize,
        /// Rows found.
        found: usize,
    },
    /// A built-in file's class label not below its number of class names.
    #[error("class label `{value}` is not one of the {n_classes} declared classes")]
    UnknownLabel {
        /// The cell's text.
        value: String,
        /// Classes declared in the header.
        n_classes: usize,
    },
}

/// What was wrong in an IDX file (see [`DataError::Idx`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IdxErrorKind {
    /// The file ends before its header or data does.
    #[error("truncated: needs {needed} bytes, has {found}")]
    Truncated {
        /// Bytes the header says the file has.
        needed: u64,
        /// Bytes present.
        found: u64,
    },
    /// The first two bytes are not zero.
    #[error("bad magic number {magic:02x?} (expected 00 00 <type> <rank>)")]
    BadMagic {
        /// The first four bytes.
        magic: [u8; 4],
    },
    /// A data-type code outside 0x08, 0x09, 0x0B, 0x0C, 0x0D, 0x0E.
    #[error("unsupported data type code 0x{code:02x}")]
    UnsupportedType {
        /// The code.
        code: u8,
    },
    /// An array of the wrong rank for its role.
    #[error("expected {expected}, found rank {found}")]
    Rank {
        /// What the role needs ("rank 1 labels", "rank >= 2 images").
        expected: &'static str,
        /// The array's rank.
        found: u8,
    },
    /// Dimensions whose product overflows.
    #[error("dimensions {dims:?} are too large")]
    TooLarge {
        /// The dimensions.
        dims: Vec<u32>,
    },
    /// Bytes after the data.
    #[error("{extra} bytes after the data")]
    TrailingBytes {
        /// Extra bytes.
        extra: u64,
    },
    /// Images and labels files with different numbers of items.
    #[error("{images} images but {labels} labels")]
    CountMismatch {
        /// Items in the images file.
        images: usize,
        /// Items in the labels file.
        labels: usize,
    },
    /// A label that is not a non-negative integer.
    #[error("label {index} is {value}, not a non-negative integer")]
    BadLabel {
        /// 0-based item.
        index: usize,
        /// The value, as text.
        value: String,
    },
    /// A NaN or infinite value in a floating-point file.
    #[error("value {index} is not finite")]
    NonFinite {
        /// 0-based element.
        index: usize,
    },
    /// An image value of magnitude above
    /// [`MAX_VALUE`](crate::data::MAX_VALUE) (`f32::MAX`), in an `f64` file:
    /// the networks train in `f32`, where it would be infinite.
    #[error(
        "image {} value {} (counting from 1) is {value}, beyond ±{:e}, the f32 range the \
         networks train in",
        .image + 1,
        .position + 1,
        crate::data::MAX_VALUE
    )]
    OutOfRange {
        /// 0-based image (item).
        image: usize,
        /// 0-based position of the value in the image (row-major).
        position: usize,
        /// The value, as text (`{:e}`).
        value: String,
    },
}

fn describe_column(column: Option<usize>) -> String {
    match column {
        Some(c) => format!("column {}", c + 1),
        None => "the target".to_owned(),
    }
}

fn describe_missing(value: &str) -> String {
    if value.is_empty() {
        "(empty cell)".to_owned()
    } else {
        format!("`{value}`")
    }
}
