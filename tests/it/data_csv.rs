//! CSV loading: what is read, and where each malformed input is reported.

use autotune::Error;
use autotune::data::{
    CsvOptions, CsvTask, Dataset, Header, READ_BUFFER, Target, TargetColumn, Task,
};
use autotune::error::{ConfigError, CsvErrorKind, DataError};
use proptest::prelude::*;

fn read(text: &str, opts: &CsvOptions) -> Dataset {
    Dataset::from_csv_str(text, opts).expect("valid CSV")
}

/// The `(line, column, kind)` of the CSV error `text` must give.
fn csv_error(text: &str, opts: &CsvOptions) -> (usize, usize, CsvErrorKind) {
    match Dataset::from_csv_str(text, opts) {
        Err(Error::Data(DataError::Csv {
            path,
            line,
            column,
            kind,
        })) => {
            assert_eq!(path, "<string>");
            (line, column, kind)
        }
        other => panic!("expected a CSV error, got {other:?}"),
    }
}

fn defaults() -> CsvOptions {
    CsvOptions::default()
}

// ---------------------------------------------------------------- reading

#[test]
fn header_detected_and_string_labels_sorted() {
    let text = "sepal,petal,species\n5.1,1.4,setosa\n6.3,6.0,virginica\n5.9,4.2,versicolor\n";
    let d = read(text, &defaults());
    assert_eq!((d.n_samples(), d.n_features()), (3, 2));
    assert_eq!(d.features(), &[5.1, 1.4, 6.3, 6.0, 5.9, 4.2]);
    assert_eq!(d.feature_names().unwrap(), ["sepal", "petal"]);
    assert_eq!(
        d.target(),
        &Target::Classes {
            labels: vec![0, 2, 1],
            names: vec!["setosa".into(), "versicolor".into(), "virginica".into()],
        }
    );
    assert_eq!(d.name(), "csv");
}

#[test]
fn no_header_detected_for_all_numeric_first_line() {
    let d = read("1,2,0\n3,4,1\n", &defaults());
    assert_eq!(d.n_samples(), 2);
    assert_eq!(d.feature_names(), None);
}

#[test]
fn numeric_labels_sorted_by_value_and_named_by_text() {
    let d = read("x,y\n1,10\n2,2\n3,-1\n4,2.0\n", &defaults());
    assert_eq!(
        d.target(),
        &Target::Classes {
            labels: vec![2, 1, 0, 1],
            names: vec!["-1".into(), "2".into(), "10".into()],
        }
    );
}

#[test]
fn task_inferred_from_target() {
    let real = read("x,y\n1,0.5\n2,1.5\n", &defaults());
    assert_eq!(real.target(), &Target::Real(vec![0.5, 1.5]));
    // 21 distinct integers: more than MAX_INFERRED_CLASSES, so regression.
    let text: String = (0..21).map(|i| format!("{i},{i}\n")).collect();
    assert_eq!(read(&text, &defaults()).task(), Task::Regression);
    let text: String = (0..40).map(|i| format!("{i},{}\n", i % 20)).collect();
    assert_eq!(read(&text, &defaults()).target().n_classes(), Some(20));
    // Forced either way.
    let forced = defaults().task(CsvTask::Regression);
    assert_eq!(
        read("1,0\n2,1\n", &forced).target(),
        &Target::Real(vec![0.0, 1.0])
    );
    let forced = defaults().task(CsvTask::Classification);
    assert_eq!(
        read("1,0.5\n2,1.5\n", &forced).target().n_classes(),
        Some(2)
    );
}

#[test]
fn target_by_name_index_and_first() {
    let text = "a;label;b\n1;x;2\n3;y;4\n";
    let by_name = defaults()
        .delimiter(';')
        .target(TargetColumn::Name("label".into()));
    let by_index = defaults().delimiter(';').target(TargetColumn::Index(1));
    for opts in [by_name, by_index] {
        let d = read(text, &opts);
        assert_eq!(d.features(), &[1.0, 2.0, 3.0, 4.0]);
        assert_eq!(d.feature_names().unwrap(), ["a", "b"]);
        assert_eq!(d.target().class_names().unwrap(), ["x", "y"]);
    }
    let first = defaults().target(TargetColumn::First);
    let d = read("y,a\n0,1.5\n1,2.5\n", &first);
    assert_eq!(d.features(), &[1.5, 2.5]);
}

#[test]
fn quotes_crlf_bom_blank_lines_and_spaces() {
    let text = "\u{feff}\"f 1\", f2 ,cls\r\n\r\n 1 , \"2\" ,\"a, b\"\r\n3,4,\"c\"\"d\"\r\n  \n";
    let d = read(text, &defaults());
    assert_eq!(d.features(), &[1.0, 2.0, 3.0, 4.0]);
    assert_eq!(d.feature_names().unwrap(), ["f 1", "f2"]);
    assert_eq!(d.target().class_names().unwrap(), ["a, b", "c\"d"]);
}

#[test]
fn tab_delimited() {
    let d = read("a\tb\n1\t0\n2\t1\n", &defaults().delimiter('\t'));
    assert_eq!(d.features(), &[1.0, 2.0]);
}

#[test]
fn file_name_becomes_the_data_set_name_and_errors_name_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plants.csv");
    std::fs::write(&path, "x,y\n1,a\n2,b\n3,\n").unwrap();
    let err = Dataset::from_csv_path(&path, &defaults()).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("{}:4:2: missing value (empty cell)", path.display())
    );
    std::fs::write(&path, "x,y\n1,a\n2,b\n").unwrap();
    assert_eq!(
        Dataset::from_csv_path(&path, &defaults()).unwrap().name(),
        "plants"
    );
    let missing = dir.path().join("nope.csv");
    assert!(matches!(
        Dataset::from_csv_path(&missing, &defaults()),
        Err(Error::Data(DataError::Io { .. }))
    ));
}

// ---------------------------------------------------------------- errors

#[test]
fn ragged_rows() {
    let short = "a,b,c\n1,2,0\n3,4\n";
    assert_eq!(
        csv_error(short, &defaults()),
        (
            3,
            3,
            CsvErrorKind::RaggedRow {
                expected: 3,
                found: 2
            }
        )
    );
    let long = "1,2,0\n\n3,4,1,9\n";
    assert_eq!(
        csv_error(long, &defaults()),
        (
            3,
            4,
            CsvErrorKind::RaggedRow {
                expected: 3,
                found: 4
            }
        )
    );
}

#[test]
fn non_numeric_cell() {
    let text = "a,b,c\n1,2,x\n3,four,y\n";
    assert_eq!(
        csv_error(text, &defaults()),
        (
            3,
            2,
            CsvErrorKind::NonNumeric {
                value: "four".into()
            }
        )
    );
    // A string target forced to regression is non-numeric too.
    let forced = defaults().task(CsvTask::Regression);
    assert_eq!(
        csv_error(text.replace("four", "4").as_str(), &forced),
        (2, 3, CsvErrorKind::NonNumeric { value: "x".into() })
    );
}

#[test]
fn missing_values() {
    let empty = "a,b,c\n1,2,0\n3,,1\n";
    assert_eq!(
        csv_error(empty, &defaults()),
        (3, 2, CsvErrorKind::MissingValue { value: "".into() })
    );
    let marker = "1,2,0\n3,4,1\nNA,5,0\n";
    assert_eq!(
        csv_error(marker, &defaults()),
        (3, 1, CsvErrorKind::MissingValue { value: "NA".into() })
    );
    let target = "a,b,c\n1,2,x\n3,4,?\n";
    assert_eq!(
        csv_error(target, &defaults()),
        (3, 3, CsvErrorKind::MissingValue { value: "?".into() })
    );
}

#[test]
fn empty_files() {
    for text in ["", "\n\n", "  \r\n\t\n"] {
        assert_eq!(
            csv_error(text, &defaults()),
            (1, 1, CsvErrorKind::EmptyFile),
            "{text:?}"
        );
    }
    assert_eq!(
        csv_error("a,b\n", &defaults().header(Header::Present)),
        (2, 1, CsvErrorKind::NoDataRows)
    );
}

#[test]
fn unknown_target_column() {
    let text = "a,b,c\n1,2,0\n3,4,1\n";
    let by_name = defaults().target(TargetColumn::Name("d".into()));
    assert_eq!(
        csv_error(text, &by_name),
        (
            1,
            1,
            CsvErrorKind::UnknownTargetColumn {
                target: "`d`".into(),
                n_columns: 3
            }
        )
    );
    let by_index = defaults().target(TargetColumn::Index(5));
    assert_eq!(
        csv_error(text, &by_index),
        (
            1,
            6,
            CsvErrorKind::UnknownTargetColumn {
                target: "index 5".into(),
                n_columns: 3
            }
        )
    );
    // A name cannot be found in a file without a header.
    assert!(matches!(
        csv_error("1,2,0\n3,4,1\n", &by_name).2,
        CsvErrorKind::UnknownTargetColumn { .. }
    ));
}

#[test]
fn single_class() {
    let text = "a,b\n\n1,yes\n2,yes\n";
    assert_eq!(
        csv_error(text, &defaults()),
        (
            3,
            2,
            CsvErrorKind::SingleClass {
                label: "yes".into()
            }
        )
    );
}

#[test]
fn quote_errors_and_non_finite() {
    assert_eq!(
        csv_error("a,b\n1,\"x\n", &defaults()),
        (2, 2, CsvErrorKind::UnterminatedQuote)
    );
    assert_eq!(
        csv_error("a,b\n1,x\"y\n", &defaults()),
        (2, 2, CsvErrorKind::StrayQuote)
    );
    assert_eq!(
        csv_error("a,b\n1,0\ninf,1\n", &defaults()),
        (
            3,
            1,
            CsvErrorKind::NonFinite {
                value: "inf".into()
            }
        )
    );
    assert_eq!(
        csv_error("a\n1\n", &defaults()),
        (1, 1, CsvErrorKind::NoFeatures)
    );
}

#[test]
fn invalid_utf8_is_located() {
    let bytes = b"a,b,c\n1,2,0\n3,\xff,1\n";
    match Dataset::from_csv_reader(&bytes[..], &defaults()) {
        Err(Error::Data(DataError::Csv {
            path,
            line: 3,
            column: 2,
            kind: CsvErrorKind::InvalidUtf8,
        })) => assert_eq!(path, "<reader>"),
        other => panic!("expected invalid UTF-8 at 3:2, got {other:?}"),
    }
}

/// `rows` lines of `n` cells (`j,j+1,..`, the target `i % 2` last) after a
/// header; the text of row `i` is `row(i)`.
fn wide_csv(rows: usize, n: usize) -> (String, impl Fn(usize) -> String) {
    let row = move |i: usize| {
        let mut cells: Vec<String> = (0..n - 1).map(|j| (i + j).to_string()).collect();
        cells.push((i % 2).to_string());
        cells.join(",")
    };
    let header: Vec<String> = (0..n).map(|j| format!("c{j}")).collect();
    let mut text = header.join(",") + "\n";
    for i in 0..rows {
        text += &row(i);
        text += "\n";
    }
    (text, row)
}

#[test]
fn files_larger_than_the_read_buffer_stream_and_locate_errors_on_their_last_line() {
    // 40 cells of up to 4 digits: ~190 bytes a row, 3,000 rows span about
    // nine buffers, so rows and cells straddle buffer boundaries.
    let (text, row) = wide_csv(3_000, 40);
    assert!(text.len() > 8 * READ_BUFFER, "{} bytes", text.len());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wide.csv");
    std::fs::write(&path, &text).unwrap();
    let d = Dataset::from_csv_path(&path, &defaults()).unwrap();
    assert_eq!((d.n_samples(), d.n_features()), (3_000, 39));
    for i in [0, 1_234, 2_999] {
        let expected: Vec<f64> = (0..39)
            .map(|j| f64::from(u32::try_from(i + j).unwrap()))
            .collect();
        assert_eq!(d.row(i), expected.as_slice(), "row {i}");
    }

    // The last line's 17th cell beyond f32, then its 3rd cell not a number,
    // then its bytes not UTF-8 (through a reader): each at line 3001 (the
    // header is line 1), at its column, counting from 1.
    let last = row(2_999);
    let mut cells: Vec<&str> = last.split(',').collect();
    cells[16] = "1e39";
    let bad = format!(
        "{}{}\n",
        &text[..text.len() - last.len() - 1],
        cells.join(",")
    );
    std::fs::write(&path, &bad).unwrap();
    let err = Dataset::from_csv_path(&path, &defaults()).unwrap_err();
    assert!(
        matches!(
            &err,
            Error::Data(DataError::Csv { line: 3_001, column: 17, kind: CsvErrorKind::OutOfRange { value }, .. })
                if value == "1e39"
        ),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .starts_with(&format!("{}:3001:17: ", path.display())),
        "{err}"
    );
    // (This time without a line break at the end.)
    cells[2] = "x";
    let before = &text[..text.len() - last.len() - 1];
    let line = cells.join(",");
    let bad = format!("{before}{line}");
    assert_eq!(
        csv_error(&bad, &defaults()),
        (3_001, 3, CsvErrorKind::NonNumeric { value: "x".into() })
    );
    let mut bytes = bad.into_bytes();
    bytes[before.len() + line.find(',').unwrap() + 1] = 0xff;
    assert!(matches!(
        Dataset::from_csv_reader(bytes.as_slice(), &defaults()),
        Err(Error::Data(DataError::Csv {
            line: 3_001,
            column: 2,
            kind: CsvErrorKind::InvalidUtf8,
            ..
        }))
    ));
}

#[test]
fn a_line_longer_than_the_read_buffer() {
    // One row of 20,000 cells (~100 KB), longer than the buffer.
    let (text, _) = wide_csv(2, 20_000);
    assert!(text.len() / 3 > READ_BUFFER);
    let d = Dataset::from_csv_str(&text, &defaults()).unwrap();
    assert_eq!((d.n_samples(), d.n_features()), (2, 19_999));
    assert_eq!(d.row(1)[19_998], 19_999.0);
    let bad = text.replace(",19999,1\n", ",19999,\n");
    assert_eq!(
        csv_error(&bad, &defaults()),
        (
            3,
            20_000,
            CsvErrorKind::MissingValue {
                value: String::new()
            }
        )
    );
}

#[test]
fn invalid_options() {
    for (opts, name) in [
        (defaults().delimiter('"'), "delimiter"),
        (
            defaults()
                .header(Header::Absent)
                .target(TargetColumn::Name("y".into())),
            "target",
        ),
    ] {
        assert!(matches!(
            Dataset::from_csv_str("1,2\n", &opts),
            Err(Error::Config(ConfigError::Invalid { name: n, .. })) if n == name
        ));
    }
}

// ---------------------------------------------------------------- properties

fn check_outcome(result: autotune::Result<Dataset>) -> Result<(), TestCaseError> {
    match result {
        Ok(d) => {
            prop_assert_eq!(d.features().len(), d.n_samples() * d.n_features());
            prop_assert!(d.n_samples() > 0 && d.n_features() > 0);
            prop_assert!(d.features().iter().all(|x| x.is_finite()));
        }
        Err(e) => prop_assert!(
            matches!(
                e,
                Error::Data(DataError::Csv { line, column, .. }) if line >= 1 && column >= 1
            ) || matches!(e, Error::Config(_)),
            "unexpected error {:?}",
            e
        ),
    }
    Ok(())
}

fn any_options() -> impl Strategy<Value = CsvOptions> {
    (
        prop_oneof![
            Just(Header::Auto),
            Just(Header::Present),
            Just(Header::Absent)
        ],
        prop_oneof![
            Just(','),
            Just(';'),
            Just('\t'),
            Just(' '),
            Just('"'),
            Just('é')
        ],
        prop_oneof![
            Just(TargetColumn::Last),
            Just(TargetColumn::First),
            (0usize..5).prop_map(TargetColumn::Index),
            "[a-c]".prop_map(TargetColumn::Name),
        ],
        prop_oneof![
            Just(CsvTask::Infer),
            Just(CsvTask::Classification),
            Just(CsvTask::Regression)
        ],
    )
        .prop_map(|(h, d, t, k)| {
            CsvOptions::default()
                .header(h)
                .delimiter(d)
                .target(t)
                .task(k)
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// No text makes the loader panic; whatever it returns is consistent: a
    /// valid data set, or a CSV error at a 1-based position (or bad options).
    #[test]
    fn arbitrary_text_never_panics(
        text in "([0-9a-c.,;\" \t\r\n?é-]|NA|nan|inf|1e999){0,60}",
        opts in any_options(),
    ) {
        check_outcome(Dataset::from_csv_str(&text, &opts))?;
    }

    /// The same for any Unicode text.
    #[test]
    fn arbitrary_unicode_never_panics(text in any::<String>(), opts in any_options()) {
        check_outcome(Dataset::from_csv_str(&text, &opts))?;
    }

    /// No bytes make the reader panic (invalid UTF-8 included).
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..80),
                                   opts in any_options()) {
        let _ = Dataset::from_csv_reader(bytes.as_slice(), &opts);
    }

    /// Numbers written with Rust's shortest round-trip formatting read back exactly.
    #[test]
    fn numbers_round_trip(
        rows in proptest::collection::vec(
            (proptest::collection::vec(-1e6f64..1e6, 3), 0usize..3), 2..20),
    ) {
        let mut text = String::from("f0,f1,f2,y\n");
        for (x, y) in &rows {
            text.push_str(&format!("{},{},{},{}\n", x[0], x[1], x[2], y));
        }
        let opts = CsvOptions::default().task(CsvTask::Regression);
        let d = Dataset::from_csv_str(&text, &opts).unwrap();
        let expected: Vec<f64> = rows.iter().flat_map(|(x, _)| x.clone()).collect();
        prop_assert_eq!(d.features(), expected.as_slice());
        let ys: Vec<f64> = rows.iter().map(|(_, y)| *y as f64).collect();
        prop_assert_eq!(d.target().values().unwrap(), ys.as_slice());
    }
}
