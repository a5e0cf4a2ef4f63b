//! Loading the built-in data sets: a cached load (every call after the
//! first) and the one-off parse the first call does (gunzip + CSV for digits).

use std::hint::black_box;
use std::io::Read;

use autotune::data::{Builtin, CsvOptions, CsvTask, Dataset, Header};
use criterion::{Criterion, criterion_group, criterion_main};

fn cached_load(c: &mut Criterion) {
    let mut group = c.benchmark_group("builtin_cached_load");
    for b in Builtin::ALL {
        // The first call parses and fills the cache; the loop measures the rest.
        Dataset::builtin(b).expect("built-in loads");
        group.bench_function(b.name(), |bench| {
            bench.iter(|| Dataset::builtin(black_box(b)).expect("built-in loads"));
        });
    }
    group.finish();
}

fn first_parse(c: &mut Criterion) {
    let gz = include_bytes!("../data/digits.csv.gz");
    let opts = CsvOptions::default()
        .header(Header::Absent)
        .task(CsvTask::Classification);
    let mut group = c.benchmark_group("builtin_first_parse");
    group.bench_function("digits_gunzip_and_csv", |bench| {
        bench.iter(|| {
            let mut text = String::new();
            flate2::read::GzDecoder::new(&gz[..])
                .read_to_string(&mut text)
                .expect("gzip");
            Dataset::from_csv_str(black_box(&text), &opts).expect("csv")
        });
    });
    group.finish();
}

criterion_group!(benches, cached_load, first_parse);
criterion_main!(benches);
