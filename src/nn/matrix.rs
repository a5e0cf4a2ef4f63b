//! Row-major `f32` matrix views and the one matrix product everything uses.
//!
//! All network arithmetic goes through [`gemm`], a checked wrapper around
//! [`matrixmultiply::sgemm`]. Transposes are expressed through strides, so
//! `Aᵀ·B` and `A·Bᵀ` never copy an operand.

use crate::error::NnError;

/// A borrowed row-major matrix: `rows x cols` values stored row after row.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MatRef<'a> {
    data: &'a [f32],
    rows: usize,
    cols: usize,
}

impl<'a> MatRef<'a> {
    /// A view of `data` as `rows x cols`.
    ///
    /// # Errors
    /// [`NnError::Shape`] if `data.len() != rows * cols`.
    pub fn new(data: &'a [f32], rows: usize, cols: usize) -> Result<Self, NnError> {
        let expected = rows.checked_mul(cols).ok_or(NnError::Shape {
            what: "matrix size",
            expected: usize::MAX,
            found: data.len(),
        })?;
        if data.len() != expected {
            return Err(NnError::Shape {
                what: "matrix data length (rows x cols)",
                expected,
                found: data.len(),
            });
        }
        Ok(Self { data, rows, cols })
    }

    /// The values, row after row.
    #[must_use]
    pub fn data(&self) -> &'a [f32] {
        self.data
    }

    /// The number of rows.
    #[must_use]
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// The number of columns.
    #[must_use]
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// Row `i`.
    ///
    /// # Panics
    /// If `i >= rows`.
    #[must_use]
    pub fn row(&self, i: usize) -> &'a [f32] {
        &self.data[i * self.cols..(i + 1) * self.cols]
    }
}

/// Converts `f64` values (as data sets store them) to the network's `f32`.
#[must_use]
pub fn to_f32(values: &[f64]) -> Vec<f32> {
    values.iter().map(|&v| v as f32).collect()
}

/// Whether an operand of [`gemm`] is used as stored or transposed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Op {
    /// As stored.
    N,
    /// Transposed (through strides, no copy).
    T,
}

/// `C = alpha * op(A) * op(B) + beta * C` with `op(A)` of shape `m x k`,
/// `op(B)` of shape `k x n` and `C` of shape `m x n`, all stored row-major
/// and contiguous: `A` is stored `m x k` for [`Op::N`] and `k x m` for
/// [`Op::T`], likewise `B`. With `beta == 0`, `C` is not read (it may hold
/// anything, NaN included).
///
/// # Panics
/// If a slice is shorter than its matrix (an internal invariant: callers
/// size their buffers from the network's layout).
#[allow(clippy::too_many_arguments)]
pub(crate) fn gemm(
    m: usize,
    n: usize,
    k: usize,
    alpha: f32,
    a: &[f32],
    op_a: Op,
    b: &[f32],
    op_b: Op,
    beta: f32,
    c: &mut [f32],
) {
    assert!(a.len() >= m * k, "gemm: A too short");
    assert!(b.len() >= k * n, "gemm: B too short");
    assert!(c.len() >= m * n, "gemm: C too short");
    if m == 0 || n == 0 {
        return;
    }
    // Strides (row, column) of op(A) and op(B) in their stored row-major forms.
    let (rsa, csa) = match op_a {
        Op::N => (k, 1),
        Op::T => (1, m),
    };
    let (rsb, csb) = match op_b {
        Op::N => (n, 1),
        Op::T => (1, k),
    };
    // SAFETY: the asserts above guarantee that every element addressed by
    // the strides lies inside its slice (the largest offset of A is
    // (m-1)*rsa + (k-1)*csa = m*k - 1 in both layouts, likewise B and C);
    // C is exclusively borrowed and its strides (n, 1) never alias.
    unsafe {
        matrixmultiply::sgemm(
            m,
            k,
            n,
            alpha,
            a.as_ptr(),
            rsa as isize,
            csa as isize,
            b.as_ptr(),
            rsb as isize,
            csb as isize,
            beta,
            c.as_mut_ptr(),
            n as isize,
            1,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The naive product of stored row-major matrices with optional transposes.
    fn naive(m: usize, n: usize, k: usize, a: &[f32], ta: bool, b: &[f32], tb: bool) -> Vec<f32> {
        let mut c = vec![0.0f32; m * n];
        for i in 0..m {
            for j in 0..n {
                let mut s = 0.0f64;
                for p in 0..k {
                    let av = if ta { a[p * m + i] } else { a[i * k + p] };
                    let bv = if tb { b[j * k + p] } else { b[p * n + j] };
                    s += f64::from(av) * f64::from(bv);
                }
                c[i * n + j] = s as f32;
            }
        }
        c
    }

    #[test]
    fn gemm_matches_naive_for_all_transposes() {
        let (m, n, k) = (5, 7, 3);
        let a: Vec<f32> = (0..m * k).map(|i| (i as f32 * 0.37).sin()).collect();
        let b: Vec<f32> = (0..k * n).map(|i| (i as f32 * 0.71).cos()).collect();
        for (ta, oa) in [(false, Op::N), (true, Op::T)] {
            for (tb, ob) in [(false, Op::N), (true, Op::T)] {
                let want = naive(m, n, k, &a, ta, &b, tb);
                let mut c = vec![f32::NAN; m * n];
                gemm(m, n, k, 1.0, &a, oa, &b, ob, 0.0, &mut c);
                for (x, y) in c.iter().zip(&want) {
                    // Inner dimension 3, factors ≤ 1: f32 rounding ≤ 4 u · 3
                    // = 7e-7 (u = 2^-24) against the f64 sum rounded once.
                    approx::assert_abs_diff_eq!(x, y, epsilon = 1e-6);
                }
            }
        }
    }

    #[test]
    fn gemm_accumulates_with_beta() {
        let a = [1.0, 2.0, 3.0, 4.0];
        let b = [1.0, 0.0, 0.0, 1.0];
        let mut c = [10.0, 10.0, 10.0, 10.0];
        gemm(2, 2, 2, 2.0, &a, Op::N, &b, Op::N, 1.0, &mut c);
        assert_eq!(c, [12.0, 14.0, 16.0, 18.0]);
    }

    #[test]
    fn matref_checks_length() {
        let d = [0.0f32; 6];
        let m = MatRef::new(&d, 2, 3).unwrap();
        assert_eq!((m.rows(), m.cols()), (2, 3));
        assert!(matches!(
            MatRef::new(&d, 4, 2),
            Err(NnError::Shape {
                expected: 8,
                found: 6,
                ..
            })
        ));
        let m = MatRef::new(&d, 3, 2).unwrap();
        assert_eq!(m.row(2).len(), 2);
    }
}
