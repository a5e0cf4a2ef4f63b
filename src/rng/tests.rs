//! The generator and every draw: golden values (the exact first outputs for
//! seed 42, computed once and cross-checked against an independent Python
//! implementation of the documented algorithms, tests/fixtures/rng_golden.py),
//! so a change of algorithm fails; and statistical checks with thresholds
//! stated in sampling-error units.

use super::*;

#[test]
fn same_seed_same_stream() {
    let mut a = rng_from_seed(7);
    let mut b = rng_from_seed(7);
    for _ in 0..100 {
        assert_eq!(a.next_u64(), b.next_u64());
    }
}

#[test]
fn derived_seeds_differ() {
    let seeds: std::collections::HashSet<u64> = (0..10_000).map(|t| trial_seed(42, t)).collect();
    assert_eq!(seeds.len(), 10_000);
    assert_ne!(trial_seed(1, 0), trial_seed(2, 0));
}

#[test]
fn generator_is_portable() {
    // Xoshiro256++ seeded by SplitMix64 is specified bit for bit: pin its
    // first outputs so an accidental change of generator or seeding fails.
    assert_eq!(rng_from_seed(0).next_u64(), 0x5317_5d61_490b_23df);
    let mut r = rng_from_seed(42);
    let raw: Vec<u64> = (0..4).map(|_| r.next_u64()).collect();
    assert_eq!(
        raw,
        [
            0xd076_4d4f_4476_689f,
            0x519e_4174_576f_3791,
            0xfbe0_7cfb_0c24_ed8c,
            0xb37d_9f60_0cd8_35b8
        ]
    );
    // The seeding is the same as `rand_xoshiro`'s own `seed_from_u64`
    // (SplitMix64 fills the state), so streams seeded before this crate
    // wrote the seeding out are unchanged.
    let mut theirs = <StudyRng as rand::SeedableRng>::seed_from_u64(42);
    assert_eq!(theirs.next_u64(), raw[0]);
}

/// The first `n` values of `draw` from `rng_from_seed(42)`.
fn first<T>(n: usize, mut draw: impl FnMut(&mut StudyRng) -> T) -> Vec<T> {
    let mut rng = rng_from_seed(42);
    (0..n).map(|_| draw(&mut rng)).collect()
}

#[test]
fn golden_values() {
    assert_eq!(
        first(4, next_u32),
        [3_497_413_967, 1_369_325_940, 4_225_793_275, 3_011_354_464]
    );
    assert_eq!(
        first(4, unit_f64),
        [
            0.814_305_145_122_909_9,
            0.318_821_040_061_661_1,
            0.983_894_168_177_488_8,
            0.701_135_598_134_755_6
        ]
    );
    assert_eq!(
        first(4, |r| uniform(r, -2.0, 3.0)),
        [
            2.071_525_725_614_549,
            -0.405_894_799_691_694_4,
            2.919_470_840_887_443_7,
            1.505_677_990_673_778
        ]
    );
    assert_eq!(first(8, |r| below(r, 10)), [8, 3, 9, 7, 7, 5, 1, 6]);
    // n = 2^63 + 1 rejects about half of all draws: these four values use
    // eight words of the stream, so the rejection rule is pinned too.
    assert_eq!(
        first(4, |r| below(r, (1 << 63) + 1)),
        [
            2_940_605_065_665_682_376,
            9_074_821_957_992_740_550,
            6_466_834_469_879_552_732,
            5_581_269_471_817_655_715
        ]
    );
    assert_eq!(
        first(6, standard_normal),
        [
            0.981_398_390_072_498_6,
            1.340_325_642_752_022_7,
            -0.964_220_506_294_138_4,
            0.196_226_529_674_526_6,
            0.202_908_544_830_355_97,
            -2.241_526_514_699_653_5
        ]
    );
    assert_eq!(
        first(8, |r| bernoulli(r, 0.3)),
        [false, false, false, false, false, false, true, false]
    );
    let mut items: Vec<u32> = (0..10).collect();
    shuffle(&mut rng_from_seed(42), &mut items);
    assert_eq!(items, [5, 3, 1, 0, 9, 6, 4, 7, 2, 8]);
}

/// A generator that replays given words, counting how many were read.
struct Scripted {
    words: Vec<u64>,
    read: usize,
}

impl RngCore for Scripted {
    fn next_u32(&mut self) -> u32 {
        unreachable!("the draws read next_u64 only")
    }
    fn next_u64(&mut self) -> u64 {
        self.read += 1;
        self.words[self.read - 1]
    }
    fn fill_bytes(&mut self, _: &mut [u8]) {
        unreachable!("the draws read next_u64 only")
    }
}

#[test]
fn below_rejects_exactly_the_biased_products() {
    // n = 3: 2^64 mod 3 = 1, so only a product with low word 0 (x = 0) is
    // rejected; x = 5 gives 15 = 0 · 2^64 + 15, i.e. 0.
    let mut r = Scripted {
        words: vec![0, 5],
        read: 0,
    };
    assert_eq!(below(&mut r, 3), 0);
    assert_eq!(r.read, 2);
    // x = 2^64 − 1 gives high word n − 1 with no rejection.
    let mut r = Scripted {
        words: vec![u64::MAX],
        read: 0,
    };
    assert_eq!(below(&mut r, 3), 2);
    assert_eq!(r.read, 1);
    // n = 0 and n = 1 draw nothing or one word and give 0.
    let mut r = Scripted {
        words: vec![u64::MAX],
        read: 0,
    };
    assert_eq!(below(&mut r, 0), 0);
    assert_eq!(r.read, 0);
    assert_eq!(below(&mut r, 1), 0);
    assert_eq!(index(&mut r, 0), 0);
}

#[test]
fn unit_and_uniform_stay_in_range() {
    let mut rng = rng_from_seed(1);
    let step = 2f64.powi(-53);
    for _ in 0..100_000 {
        let u = unit_f64(&mut rng);
        assert!((0.0..1.0).contains(&u), "{u}");
        assert_eq!((u / step).fract(), 0.0, "{u} is not a multiple of 2^-53");
        let v = uniform(&mut rng, -0.25, 0.75);
        assert!((-0.25..=0.75).contains(&v), "{v}");
    }
    // The extremes of the raw stream map to the ends of the interval.
    let mut r = Scripted {
        words: vec![0, u64::MAX],
        read: 0,
    };
    assert_eq!(unit_f64(&mut r), 0.0);
    assert_eq!(unit_f64(&mut r), 1.0 - step);
}

#[test]
fn below_is_in_range_and_uniform() {
    let mut rng = rng_from_seed(3);
    for n in [1, 2, 3, 7, 1000, u64::MAX / 3 + 7, u64::MAX] {
        for _ in 0..1000 {
            assert!(below(&mut rng, n) < n);
        }
    }
    // 100,000 draws over 10 values: Pearson's chi-square has 9 degrees of
    // freedom; P(chi2_9 > 42) = 3.3e-6, so a correct generator fails this
    // about once in 300,000 seeds, while one value drawn 7% too often (700
    // extra draws) adds about 50 to the statistic and fails it.
    let (n, draws) = (10usize, 100_000usize);
    let mut counts = vec![0usize; n];
    for _ in 0..draws {
        counts[index(&mut rng, n)] += 1;
    }
    let expected = (draws / n) as f64;
    let chi2: f64 = counts
        .iter()
        .map(|&c| (c as f64 - expected).powi(2) / expected)
        .sum();
    assert!(chi2 < 42.0, "chi-square {chi2} for counts {counts:?}");
}

#[test]
fn normal_moments_match() {
    // 100,000 draws. The sample mean has sd 1/sqrt(N) = 0.0032 and the
    // sample variance sd sqrt(2/N) = 0.0045; the fraction within one sd of the
    // mean (0.6827) has binomial sd sqrt(0.6827 · 0.3173 / N) = 0.0015.
    // Each bound is 5 of its sds (a false failure once in ~1.7 million).
    let n = 100_000;
    let mut rng = rng_from_seed(5);
    let z: Vec<f64> = (0..n).map(|_| standard_normal(&mut rng)).collect();
    let mean = z.iter().sum::<f64>() / n as f64;
    let var = z.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    let within = z.iter().filter(|v| v.abs() < 1.0).count() as f64 / n as f64;
    assert!(mean.abs() < 5.0 * 0.0032, "mean {mean}");
    assert!((var - 1.0).abs() < 5.0 * 0.0045, "variance {var}");
    assert!(
        (within - 0.6827).abs() < 5.0 * 0.0015,
        "within one sd: {within}"
    );
    assert!(z.iter().all(|v| v.is_finite()));
    // `normal` is the same draw scaled and shifted.
    let a = standard_normal(&mut rng_from_seed(8));
    assert_eq!(normal(&mut rng_from_seed(8), 3.0, 2.0), 3.0 + 2.0 * a);
}

#[test]
fn bernoulli_frequency_and_edges() {
    // 100,000 draws at p = 0.3: binomial sd sqrt(0.3 · 0.7 / N) = 0.00145;
    // the bound is 5 sds.
    let mut rng = rng_from_seed(6);
    let hits = (0..100_000).filter(|_| bernoulli(&mut rng, 0.3)).count();
    assert!((hits as f64 / 1e5 - 0.3).abs() < 5.0 * 0.00145, "{hits}");
    for _ in 0..1000 {
        assert!(!bernoulli(&mut rng, 0.0));
        assert!(!bernoulli(&mut rng, f64::NAN));
        assert!(bernoulli(&mut rng, 1.0));
    }
}

#[test]
fn shuffle_is_a_uniform_permutation() {
    let mut rng = rng_from_seed(9);
    for len in [0, 1, 2, 5, 100] {
        let mut items: Vec<usize> = (0..len).collect();
        shuffle(&mut rng, &mut items);
        let mut sorted = items.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..len).collect::<Vec<_>>());
    }
    // The 6 orders of 3 items over 60,000 shuffles: chi-square with 5
    // degrees of freedom; P(chi2_5 > 35) = 1.5e-6.
    let mut counts = std::collections::HashMap::new();
    for _ in 0..60_000 {
        let mut items = [0, 1, 2];
        shuffle(&mut rng, &mut items);
        *counts.entry(items).or_insert(0usize) += 1;
    }
    assert_eq!(counts.len(), 6);
    let chi2: f64 = counts
        .values()
        .map(|&c| (c as f64 - 10_000.0).powi(2) / 10_000.0)
        .sum();
    assert!(chi2 < 35.0, "chi-square {chi2} for {counts:?}");
}
