//! Hot vector loops compiled twice: for baseline x86-64 (SSE2, two lanes) and
//! for AVX2 (four lanes), chosen at run time. Each loop uses only IEEE-exact
//! operations in a fixed order, so both versions give bitwise-identical
//! results and a seeded study replays exactly on any CPU.

/// `xᵀ y` with four interleaved accumulators (vectorisable; fixed summation
/// order, so the result does not depend on the instruction set).
#[inline]
pub(crate) fn dot(x: &[f64], y: &[f64]) -> f64 {
    #[cfg(target_arch = "x86_64")]
    if x.len() >= 32 && std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2, checked just above.
        return unsafe { dot_avx2(x, y) };
    }
    dot_portable(x, y)
}

/// `out[i] = Σ_k (z[k·n + i] − q[k])²` for `i < n`: squared distances from
/// the point `q` to the `n` points stored dimension-major in `z`.
#[inline]
pub(crate) fn squared_distances(z: &[f64], q: &[f64], out: &mut [f64]) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2, checked just above.
        unsafe { squared_distances_avx2(z, q, out) };
        return;
    }
    squared_distances_portable(z, q, out);
}

/// `y ← y + a x`.
#[inline]
pub(crate) fn axpy(a: f64, x: &[f64], y: &mut [f64]) {
    #[cfg(target_arch = "x86_64")]
    if y.len() >= 32 && std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2, checked just above.
        unsafe { axpy_avx2(a, x, y) };
        return;
    }
    axpy_portable(a, x, y);
}

#[inline(always)]
fn axpy_portable(a: f64, x: &[f64], y: &mut [f64]) {
    for (y, x) in y.iter_mut().zip(x) {
        *y += a * x;
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn axpy_avx2(a: f64, x: &[f64], y: &mut [f64]) {
    axpy_portable(a, x, y);
}

#[inline(always)]
fn dot_portable(x: &[f64], y: &[f64]) -> f64 {
    let mut acc = [0.0; 4];
    let split = x.len() - x.len() % 4;
    let (xc, xr) = x.split_at(split);
    let (yc, yr) = y[..x.len()].split_at(split);
    for (x, y) in xc.chunks_exact(4).zip(yc.chunks_exact(4)) {
        for k in 0..4 {
            acc[k] += x[k] * y[k];
        }
    }
    let mut s = (acc[0] + acc[1]) + (acc[2] + acc[3]);
    for (x, y) in xr.iter().zip(yr) {
        s += x * y;
    }
    s
}

#[inline(always)]
fn squared_distances_portable(z: &[f64], q: &[f64], out: &mut [f64]) {
    let n = out.len();
    out.fill(0.0);
    for (zk, &qk) in z.chunks_exact(n.max(1)).zip(q) {
        for (o, &zi) in out.iter_mut().zip(zk) {
            let t = zi - qk;
            *o += t * t;
        }
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn dot_avx2(x: &[f64], y: &[f64]) -> f64 {
    dot_portable(x, y)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn squared_distances_avx2(z: &[f64], q: &[f64], out: &mut [f64]) {
    squared_distances_portable(z, q, out);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dispatched_equals_portable_bitwise() {
        let x: Vec<f64> = (0..103).map(|i| (f64::from(i) * 0.37).sin()).collect();
        let y: Vec<f64> = (0..103).map(|i| (f64::from(i) * 0.11).cos()).collect();
        assert_eq!(dot(&x, &y).to_bits(), dot_portable(&x, &y).to_bits());
        let naive: f64 = x.iter().zip(&y).map(|(a, b)| a * b).sum();
        // Another summation order over 103 terms with Σ|x_i y_i| = 40:
        // typically √n·ε·40 ≈ 1e-13 (measured: equal).
        assert!((dot(&x, &y) - naive).abs() < 1e-13);

        let z: Vec<f64> = (0..3 * 41).map(|i| f64::from(i % 17) / 17.0).collect();
        let q = [0.2, 0.9, 0.4];
        let (mut a, mut b) = (vec![0.0; 41], vec![0.0; 41]);
        squared_distances(&z, &q, &mut a);
        squared_distances_portable(&z, &q, &mut b);
        assert_eq!(a, b);
        let expected: f64 = (0..3).map(|k| (z[k * 41 + 5] - q[k]).powi(2)).sum();
        // Three squares of differences below 1: an ulp or two.
        assert!((a[5] - expected).abs() < 1e-15);
    }
}
