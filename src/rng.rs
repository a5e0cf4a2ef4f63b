//! One named, portable random-number generator for everything that must
//! replay, and the draws made from it.
//!
//! [`StudyRng`] is xoshiro256++ (Blackman & Vigna 2021). Independent streams
//! are derived from one seed by [`derive_seed`] (SplitMix64 mixing), never by
//! sharing a running generator, so parallel and resumed work draws the same
//! numbers.
//!
//! # The portability promise
//!
//! The same seed gives the same draws, bit for bit, on every platform and
//! across upgrades of `rand`: the same initial weights, dropout masks,
//! mini-batch orders and sizes, data splits and folds, synthetic data sets,
//! configurations sampled from a search space, GP restarts and acquisition
//! candidates. That rests on exactly these things, and nothing else:
//!
//! 1. **The raw stream**: [`rng_from_seed`] fills the xoshiro256++ state with
//!    the first four outputs of SplitMix64 seeded with `seed` (written out
//!    here, as the generator's authors recommend) and every draw reads the
//!    generator through `next_u64` only. xoshiro256++'s output function and
//!    state transition are specified bit for bit (`rand_xoshiro` implements
//!    them; a unit test pins the first outputs).
//! 2. **The transforms in this module**: [`next_u32`], [`unit_f64`],
//!    [`uniform`], [`below`] / [`index`], [`standard_normal`] / [`normal`],
//!    [`bernoulli`] and [`shuffle`]. They are defined by this crate rather
//!    than taken from `rand` or `rand_distr`, which reserve the right to
//!    change their sampling algorithms in a value-breaking release (`rand`
//!    0.9 changed several), and so to move every seeded result on an
//!    upgrade. Golden-value tests pin each one's first outputs for a fixed
//!    seed, so a change of algorithm here fails loudly.
//! 3. **IEEE-754 binary64 arithmetic** with round-to-nearest-even, which Rust
//!    guarantees for `+ - * /` and `sqrt` on every target (no fused
//!    multiply-add is introduced behind the program's back).
//! 4. **`libm`** for the one transcendental function the draws need, the
//!    logarithm in [`standard_normal`]: `libm` is a pure-Rust port of musl's
//!    math library, the same code and so the same bits on every target,
//!    unlike `f64::ln`, which calls the platform's C library.
//!
//! Code elsewhere that turns draws into values with a transcendental function
//! uses `libm` too, for the same reason: `sin`/`cos` of the synthetic data
//! sets, `log`/`exp` of log-scale parameters in the search space's encoding,
//! `exp` of the GP's log-uniform restarts and of the maximiser's start
//! weights. The quasi-random designs and acquisition candidates rest on one
//! more dependency, `sobol_burley`'s scrambled Sobol sequence (seeded from
//! [`next_u32`]).
//!
//! What lies outside the promise: arithmetic done *after* the draws with
//! std's `ln`, `exp`, `powf` or `tanh` — training a network, fitting a GP —
//! is deterministic on one platform but may differ in the last bits between
//! C libraries, and such differences can grow over a long training run or
//! change which point an optimiser reaches.

use rand::RngCore;

/// The generator used throughout autotune.
pub type StudyRng = rand_xoshiro::Xoshiro256PlusPlus;

/// SplitMix64's increment, the golden-ratio constant `2^64 / φ`.
const GOLDEN_GAMMA: u64 = 0x9e37_79b9_7f4a_7c15;

/// A generator seeded from `seed`: its four state words are the first four
/// outputs of SplitMix64 started at `seed` (Vigna's recommended seeding; the
/// state cannot be all zero in practice, and `rand_xoshiro` maps an all-zero
/// seed to a fixed non-zero one).
#[must_use]
pub fn rng_from_seed(seed: u64) -> StudyRng {
    use rand::SeedableRng;
    let mut bytes = [0u8; 32];
    let mut x = seed;
    for word in bytes.chunks_exact_mut(8) {
        x = x.wrapping_add(GOLDEN_GAMMA);
        word.copy_from_slice(&mix64(x).to_le_bytes());
    }
    StudyRng::from_seed(bytes)
}

/// SplitMix64's finaliser (Steele, Lea & Flood 2014): a bijection on `u64`
/// that turns nearby inputs into unrelated outputs.
#[must_use]
pub const fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The seed of stream `stream` derived from `seed`: a pure function of both,
/// distinct streams for distinct `stream` values.
#[must_use]
pub const fn derive_seed(seed: u64, stream: u64) -> u64 {
    mix64(mix64(seed ^ GOLDEN_GAMMA).wrapping_add(stream.wrapping_mul(GOLDEN_GAMMA)))
}

/// The seed of trial `trial` in the study seeded by `study_seed`.
#[must_use]
pub const fn trial_seed(study_seed: u64, trial: u64) -> u64 {
    derive_seed(study_seed, trial)
}

/// 32 uniform bits: the high half of one `next_u64` (xoshiro256++'s high
/// bits are its strongest).
pub fn next_u32<R: RngCore + ?Sized>(rng: &mut R) -> u32 {
    (rng.next_u64() >> 32) as u32
}

/// A uniform `f64` in `[0, 1)`: the 53 high bits of one `next_u64` times
/// `2^-53`, so every multiple of `2^-53` below 1 is equally likely.
pub fn unit_f64<R: RngCore + ?Sized>(rng: &mut R) -> f64 {
    const SCALE: f64 = 1.0 / (1u64 << 53) as f64;
    (rng.next_u64() >> 11) as f64 * SCALE
}

/// A uniform `f64` in `[low, high)`: `low + (high − low) · u` with
/// `u = `[`unit_f64`]; rounding of the product can give `high` itself (with
/// probability about `2^-53`). For `low > high` the roles swap; for
/// `low == high` it is `low`.
pub fn uniform<R: RngCore + ?Sized>(rng: &mut R, low: f64, high: f64) -> f64 {
    low + (high - low) * unit_f64(rng)
}

/// A uniform integer in `0..n`, without bias, by Lemire's nearly-divisionless
/// method (Lemire 2019, "Fast random integer generation in an interval"):
/// with `x = next_u64`, the 128-bit product `x · n` has its high word uniform
/// in `0..n` once products whose low word falls below `2^64 mod n` are
/// rejected (and another `x` drawn); the modulo is computed only when the low
/// word is below `n`, so almost every call is one multiplication. `n == 0`
/// (no value lies below it) gives 0 without drawing.
pub fn below<R: RngCore + ?Sized>(rng: &mut R, n: u64) -> u64 {
    if n == 0 {
        return 0;
    }
    let mut m = u128::from(rng.next_u64()) * u128::from(n);
    if (m as u64) < n {
        let threshold = n.wrapping_neg() % n; // 2^64 mod n
        while (m as u64) < threshold {
            m = u128::from(rng.next_u64()) * u128::from(n);
        }
    }
    (m >> 64) as u64
}

/// A uniform index in `0..len` ([`below`]); 0 for `len == 0`.
pub fn index<R: RngCore + ?Sized>(rng: &mut R, len: usize) -> usize {
    // usize is at most 64 bits on every target Rust supports, so both
    // conversions are exact.
    below(rng, len as u64) as usize
}

/// `true` with probability `p` (`u < p` with `u = `[`unit_f64`]): never for
/// `p <= 0` or NaN, always for `p >= 1`.
pub fn bernoulli<R: RngCore + ?Sized>(rng: &mut R, p: f64) -> bool {
    unit_f64(rng) < p
}

/// A standard normal draw by Marsaglia's polar method (Marsaglia & Bray
/// 1964): `u, v = 2·`[`unit_f64`]` − 1` (exact in binary64) until
/// `0 < s = u² + v² < 1`, then `u · sqrt(−2 ln s / s)` with `libm::log` and
/// `libm::sqrt`. The polar method makes two independent normals per accepted
/// pair; the second (`v · …`) is dropped so that each call is a pure
/// function of the stream. About 2.55 `next_u64` per draw on average.
pub fn standard_normal<R: RngCore + ?Sized>(rng: &mut R) -> f64 {
    loop {
        let u = 2.0 * unit_f64(rng) - 1.0;
        let v = 2.0 * unit_f64(rng) - 1.0;
        let s = u * u + v * v;
        if s > 0.0 && s < 1.0 {
            return u * libm::sqrt(-2.0 * libm::log(s) / s);
        }
    }
}

/// A normal draw with mean `mean` and standard deviation `sd`:
/// `mean + sd · `[`standard_normal`].
pub fn normal<R: RngCore + ?Sized>(rng: &mut R, mean: f64, sd: f64) -> f64 {
    mean + sd * standard_normal(rng)
}

/// Shuffles `items` in place, every permutation equally likely: the
/// Fisher–Yates shuffle in Durstenfeld's form, for `i` from `len − 1` down to
/// 1 swapping item `i` with item [`index`]`(i + 1)`.
pub fn shuffle<T, R: RngCore + ?Sized>(rng: &mut R, items: &mut [T]) {
    for i in (1..items.len()).rev() {
        items.swap(i, index(rng, i + 1));
    }
}

#[cfg(test)]
mod tests;
