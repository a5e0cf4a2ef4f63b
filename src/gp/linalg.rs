//! Dense kernels on column-major `f64` slices: a safe wrapper around
//! `matrixmultiply::dgemm` and the three level-3 factorisation steps the
//! likelihood needs — Cholesky (`potrf`), triangular inverse (`trtri`) and the
//! product `L⁻ᵀL⁻¹` (`lauum`) — written so nearly all their flops run inside
//! `dgemm` (Gustavson 1997, recursive blocking; LAPACK's blocked `dpotrf`).
//!
//! Every matrix here is square `n × n`, column-major with leading dimension
//! `n`: entry `(i, j)` lives at `j * n + i`. Only lower triangles carry data.
//!
//! (Over 400 lines because its unit tests, 128 of the 462 lines, stay beside the code they check.)

/// Columns at or below which the recursive routines switch to plain loops.
const LEAF: usize = 16;

/// Block width of the left-looking Cholesky and of `lauum`.
const BLOCK: usize = 64;

/// A read-only strided matrix view into a slice.
#[derive(Clone, Copy)]
pub(crate) struct View<'a> {
    data: &'a [f64],
    offset: usize,
    rows: usize,
    cols: usize,
    rs: usize,
    cs: usize,
}

impl<'a> View<'a> {
    /// The `rows × cols` matrix whose `(i, j)` entry is `data[offset + i*rs + j*cs]`.
    ///
    /// # Panics
    /// If an entry would fall outside `data` (a bug in this module, not bad input).
    pub(crate) fn new(
        data: &'a [f64],
        offset: usize,
        rows: usize,
        cols: usize,
        rs: usize,
        cs: usize,
    ) -> Self {
        if rows > 0 && cols > 0 {
            assert!(offset + (rows - 1) * rs + (cols - 1) * cs < data.len());
        }
        Self {
            data,
            offset,
            rows,
            cols,
            rs,
            cs,
        }
    }

    /// The block `rows × cols` at `(r0, c0)` of the column-major matrix with
    /// leading dimension `ld` stored in `data`.
    pub(crate) fn block(
        data: &'a [f64],
        ld: usize,
        r0: usize,
        c0: usize,
        rows: usize,
        cols: usize,
    ) -> Self {
        Self::new(data, c0 * ld + r0, rows, cols, 1, ld)
    }

    /// The transpose (no copy: strides swap).
    pub(crate) fn t(self) -> Self {
        Self {
            rows: self.cols,
            cols: self.rows,
            rs: self.cs,
            cs: self.rs,
            ..self
        }
    }
}

/// A mutable column-major block view (unit row stride, so no two entries alias).
pub(crate) struct ViewMut<'a> {
    data: &'a mut [f64],
    offset: usize,
    rows: usize,
    cols: usize,
    cs: usize,
}

impl<'a> ViewMut<'a> {
    /// The block `rows × cols` at `(r0, c0)` of the column-major matrix with
    /// leading dimension `ld` stored in `data`.
    ///
    /// # Panics
    /// If the block falls outside `data` or `rows > ld` (bugs in this module).
    pub(crate) fn block(
        data: &'a mut [f64],
        ld: usize,
        r0: usize,
        c0: usize,
        rows: usize,
        cols: usize,
    ) -> Self {
        let offset = c0 * ld + r0;
        if rows > 0 && cols > 0 {
            assert!(r0 + rows <= ld && offset + (rows - 1) + (cols - 1) * ld < data.len());
        }
        Self {
            data,
            offset,
            rows,
            cols,
            cs: ld,
        }
    }
}

/// `C ← α A B + β C`.
///
/// # Panics
/// On mismatched shapes (a bug in this module).
pub(crate) fn gemm(alpha: f64, a: View<'_>, b: View<'_>, beta: f64, c: ViewMut<'_>) {
    assert!(a.rows == c.rows && b.cols == c.cols && a.cols == b.rows);
    if c.rows == 0 || c.cols == 0 {
        return;
    }
    // SAFETY: the constructors checked that every entry of A, B and C lies
    // inside its slice; C has unit row stride and column stride >= rows, so
    // its entries are distinct; C is borrowed mutably, A and B immutably, so
    // C cannot overlap them.
    unsafe {
        matrixmultiply::dgemm(
            a.rows,
            a.cols,
            b.cols,
            alpha,
            a.data.as_ptr().add(a.offset),
            a.rs as isize,
            a.cs as isize,
            b.data.as_ptr().add(b.offset),
            b.rs as isize,
            b.cs as isize,
            beta,
            c.data.as_mut_ptr().add(c.offset),
            1,
            c.cs as isize,
        );
    }
}

use super::simd::axpy;
pub(crate) use super::simd::dot;

/// In-place Cholesky `A = L Lᵀ` of the `n × n` matrix in `a` (lower triangle
/// read; `L` written there and the strict upper triangle zeroed).
///
/// Left-looking by blocks of [`BLOCK`] columns: each block column is first
/// updated by all columns to its left in one `dgemm`, then factored by
/// [`panel`]. Returns `false` if a pivot is not positive and finite (the
/// matrix is not numerically positive definite); `a` is then garbage.
pub(crate) fn potrf(a: &mut [f64], n: usize) -> bool {
    debug_assert_eq!(a.len(), n * n);
    let mut j0 = 0;
    while j0 < n {
        let jb = BLOCK.min(n - j0);
        let (left, right) = a.split_at_mut(j0 * n);
        if j0 > 0 {
            // A[j0.., J] -= L[j0.., ..j0] L[J, ..j0]ᵀ
            let l_below = View::block(left, n, j0, 0, n - j0, j0);
            let l_row = View::block(left, n, j0, 0, jb, j0).t();
            gemm(
                -1.0,
                l_below,
                l_row,
                1.0,
                ViewMut::block(right, n, j0, 0, n - j0, jb),
            );
        }
        if !panel(right, n, j0, jb) {
            return false;
        }
        j0 += jb;
    }
    for j in 1..n {
        a[j * n..j * n + j].fill(0.0);
    }
    true
}

/// Factors the tall panel of `w` columns whose first column is column 0 of
/// `p` (leading dimension `n`) and whose diagonal starts at row `r0`:
/// rows `r0..n` of those columns become the corresponding rows of `L`,
/// assuming every update from columns left of the panel has been applied.
/// Recursive: factor the left half, update the right half by one `dgemm`,
/// factor the right half.
fn panel(p: &mut [f64], n: usize, r0: usize, w: usize) -> bool {
    if w <= LEAF {
        return panel_leaf(p, n, r0, w);
    }
    let w1 = w / 2;
    if !panel(p, n, r0, w1) {
        return false;
    }
    let (left, right) = p.split_at_mut(w1 * n);
    let m = n - r0 - w1;
    let l_below = View::block(left, n, r0 + w1, 0, m, w1);
    let l_row = View::block(left, n, r0 + w1, 0, w - w1, w1).t();
    gemm(
        -1.0,
        l_below,
        l_row,
        1.0,
        ViewMut::block(right, n, r0 + w1, 0, m, w - w1),
    );
    panel(right, n, r0 + w1, w - w1)
}

/// Unblocked left-looking Cholesky of a narrow panel (see [`panel`]).
fn panel_leaf(p: &mut [f64], n: usize, r0: usize, w: usize) -> bool {
    for jj in 0..w {
        let j = r0 + jj;
        let (done, rest) = p.split_at_mut(jj * n);
        let col = &mut rest[j..n];
        for pp in 0..jj {
            let l_jp = done[pp * n + j];
            axpy(-l_jp, &done[pp * n + j..pp * n + n], col);
        }
        let d = col[0];
        if !(d > 0.0 && d.is_finite()) {
            return false;
        }
        let l = d.sqrt();
        col[0] = l;
        let inv = 1.0 / l;
        for v in &mut col[1..] {
            *v *= inv;
        }
    }
    true
}

/// `X = L⁻¹` for the lower-triangular `n × n` matrix `l` (nonzero diagonal),
/// written into `x` (strict upper triangle zeroed).
///
/// Recursive (Gustavson 1997): with `L = [L11 0; L21 L22]`,
/// `L⁻¹ = [X11 0; −X22 L21 X11  X22]`; the off-diagonal block takes two `dgemm`s.
/// `scratch` must hold at least `n²/4 + n` values.
pub(crate) fn trtri(l: &[f64], x: &mut [f64], n: usize, scratch: &mut [f64]) {
    debug_assert!(l.len() == n * n && x.len() == n * n);
    x.fill(0.0);
    trtri_rec(l, x, n, 0, n, scratch);
}

fn trtri_rec(l: &[f64], x: &mut [f64], ld: usize, off: usize, n: usize, scratch: &mut [f64]) {
    if n <= LEAF {
        // Column j of X solves L y = e_j by forward substitution.
        for j in off..off + n {
            x[j * ld + j] = 1.0 / l[j * ld + j];
            for i in j + 1..off + n {
                let mut s = 0.0;
                for k in j..i {
                    s += l[k * ld + i] * x[j * ld + k];
                }
                x[j * ld + i] = -s / l[i * ld + i];
            }
        }
        return;
    }
    let n1 = n / 2;
    let n2 = n - n1;
    trtri_rec(l, x, ld, off, n1, scratch);
    trtri_rec(l, x, ld, off + n1, n2, scratch);
    // T = L21 X11 (n2 × n1), then X21 = −X22 T.
    let t = &mut scratch[..n2 * n1];
    gemm(
        1.0,
        View::block(l, ld, off + n1, off, n2, n1),
        View::block(x, ld, off, off, n1, n1),
        0.0,
        ViewMut::block(t, n2, 0, 0, n2, n1),
    );
    let (left, right) = x.split_at_mut((off + n1) * ld);
    gemm(
        -1.0,
        View::block(right, ld, off + n1, 0, n2, n2),
        View::block(t, n2, 0, 0, n2, n1),
        0.0,
        ViewMut::block(left, ld, off + n1, off, n2, n1),
    );
}

/// Lower triangle of `C = Xᵀ X` for the lower-triangular `n × n` matrix `x`
/// (with `X = L⁻¹` this is `K⁻¹ = L⁻ᵀ L⁻¹`). The strict upper triangle of `c`
/// is left unspecified.
///
/// By blocks: `C_IJ = X[I0.., I]ᵀ X[I0.., J]` for `I ≥ J`, one `dgemm` each
/// (the rows above `I0` of both factors are zero).
pub(crate) fn lauum(x: &[f64], c: &mut [f64], n: usize) {
    debug_assert!(x.len() == n * n && c.len() == n * n);
    let mut j0 = 0;
    while j0 < n {
        let jb = BLOCK.min(n - j0);
        let mut i0 = j0;
        while i0 < n {
            let ib = BLOCK.min(n - i0);
            gemm(
                1.0,
                View::block(x, n, i0, i0, n - i0, ib).t(),
                View::block(x, n, i0, j0, n - i0, jb),
                0.0,
                ViewMut::block(c, n, i0, j0, ib, jb),
            );
            i0 += ib;
        }
        j0 += jb;
    }
}

/// Solves `L y = b` in place (`b ← L⁻¹ b`) for lower-triangular `l`.
pub(crate) fn solve_lower(l: &[f64], n: usize, b: &mut [f64]) {
    for j in 0..n {
        let col = &l[j * n..(j + 1) * n];
        let yj = b[j] / col[j];
        b[j] = yj;
        axpy(-yj, &col[j + 1..], &mut b[j + 1..n]);
    }
}

/// Solves `Lᵀ x = b` in place (`b ← L⁻ᵀ b`) for lower-triangular `l`.
pub(crate) fn solve_upper_transposed(l: &[f64], n: usize, b: &mut [f64]) {
    for i in (0..n).rev() {
        let col = &l[i * n..(i + 1) * n];
        let s = dot(&col[i + 1..], &b[i + 1..n]);
        b[i] = (b[i] - s) / col[i];
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;
    use proptest::prelude::*;

    /// A random symmetric positive-definite matrix `B Bᵀ + n I` (column-major).
    fn spd(n: usize, seed: u64) -> Vec<f64> {
        let mut s = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
        let mut next = || {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            (s >> 11) as f64 / (1u64 << 53) as f64 - 0.5
        };
        let b: Vec<f64> = (0..n * n).map(|_| next()).collect();
        let mut a = vec![0.0; n * n];
        for j in 0..n {
            for i in 0..n {
                let mut v = 0.0;
                for k in 0..n {
                    v += b[k * n + i] * b[k * n + j];
                }
                a[j * n + i] = v + if i == j { n as f64 * 0.1 } else { 0.0 };
            }
        }
        a
    }

    fn matmul_lower_lt(l: &[f64], n: usize) -> Vec<f64> {
        let mut out = vec![0.0; n * n];
        for j in 0..n {
            for i in 0..n {
                out[j * n + i] = (0..=i.min(j)).map(|k| l[k * n + i] * l[k * n + j]).sum();
            }
        }
        out
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]

        /// Cholesky reconstruction: `L Lᵀ = A` with `L` lower triangular with a
        /// positive diagonal. Backward error of Cholesky is `O(n ε ‖A‖)`
        /// (Higham 2002, Thm 10.3); 1e-12 relative to the largest entry leaves a
        /// factor > 10 of margin for n <= 150.
        #[test]
        fn cholesky_reconstructs(n in 1usize..150, seed in any::<u64>()) {
            let a = spd(n, seed);
            let mut l = a.clone();
            prop_assert!(potrf(&mut l, n));
            let scale = a.iter().fold(0.0f64, |m, v| m.max(v.abs()));
            let llt = matmul_lower_lt(&l, n);
            for j in 0..n {
                prop_assert!(l[j * n + j] > 0.0);
                for i in 0..j {
                    prop_assert_eq!(l[j * n + i], 0.0);
                }
                for i in 0..n {
                    prop_assert!((llt[j * n + i] - a[j * n + i]).abs() <= 1e-12 * scale);
                }
            }
        }

        /// `X = L⁻¹` satisfies `X L = I`, and `lauum(X)` is `A⁻¹` (`A⁻¹ A = I`).
        #[test]
        fn inverse_products(n in 1usize..150, seed in any::<u64>()) {
            let a = spd(n, seed);
            let mut l = a.clone();
            prop_assert!(potrf(&mut l, n));
            let mut x = vec![0.0; n * n];
            let mut scratch = vec![0.0; n * n / 4 + n];
            trtri(&l, &mut x, n, &mut scratch);
            let mut c = vec![0.0; n * n];
            lauum(&x, &mut c, n);
            for j in 0..n {
                for i in 0..n {
                    let xl: f64 = (0..n).map(|k| x[k * n + i] * l[j * n + k]).sum();
                    let expected = if i == j { 1.0 } else { 0.0 };
                    // A = BBᵀ + 0.1 n I with |B_ij| ≤ ½ has λ in [0.1 n, 0.43 n],
                    // cond(A) ≤ 4.3: errors of about n·ε·cond ≤ 1.5e-13 for n
                    // < 150, here and for A⁻¹A below (measured: 2.5e-16, 3e-15).
                    prop_assert!((xl - expected).abs() < 1e-12, "XL[{i},{j}] = {xl}");
                    // A⁻¹ A from the lower triangle of C (symmetric).
                    let ainv_a: f64 = (0..n)
                        .map(|k| {
                            let (r, s) = if i >= k { (i, k) } else { (k, i) };
                            c[s * n + r] * a[j * n + k]
                        })
                        .sum();
                    prop_assert!((ainv_a - expected).abs() < 1e-12, "(A⁻¹A)[{i},{j}] = {ainv_a}");
                }
            }
        }
    }

    #[test]
    fn solves_invert_the_factor() {
        let n = 70;
        let a = spd(n, 3);
        let mut l = a.clone();
        assert!(potrf(&mut l, n));
        let b: Vec<f64> = (0..n).map(|i| (i as f64).sin()).collect();
        let mut x = b.clone();
        solve_lower(&l, n, &mut x);
        solve_upper_transposed(&l, n, &mut x);
        for i in 0..n {
            let ax: f64 = (0..n).map(|k| a[k * n + i] * x[k]).sum();
            // |b| ≤ 1, ‖A‖ ≈ 30, cond(A) ≤ 4.3: residual ≈ n·ε·‖A‖·‖x‖ ≈ 1.4e-13.
            assert_relative_eq!(ax, b[i], epsilon = 1e-12);
        }
    }

    #[test]
    fn rejects_indefinite_and_nan() {
        let mut a = vec![1.0, 2.0, 2.0, 1.0];
        assert!(!potrf(&mut a, 2));
        let mut a = vec![f64::NAN, 0.0, 0.0, 1.0];
        assert!(!potrf(&mut a, 2));
        let mut a: Vec<f64> = vec![];
        assert!(potrf(&mut a, 0));
    }

    #[test]
    fn dot_matches_naive_sum() {
        let x: Vec<f64> = (0..23).map(|i| f64::from(i) * 0.5).collect();
        let y: Vec<f64> = (0..23).map(|i| 1.0 - f64::from(i)).collect();
        let naive: f64 = x.iter().zip(&y).map(|(a, b)| a * b).sum();
        // Another summation order: ≤ n·ε·Σ|x_i y_i| / |Σ x_i y_i| ≈ 5e-15.
        assert_relative_eq!(dot(&x, &y), naive, max_relative = 1e-14);
    }
}
