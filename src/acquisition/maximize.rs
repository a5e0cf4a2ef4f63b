//! The acquisition maximiser over the encoded search space.
//!
//! 1. **Raw candidates**: `n_candidates` points of an Owen-scrambled Sobol
//!    sequence (Burley 2020, `sobol_burley`, seeded from the caller's rng), one
//!    Sobol dimension per free parameter, mapped onto valid encodings: a
//!    continuous coordinate as is, an integer to the encoding of the integer
//!    whose share holds `u` (never listing the integers), a categorical to
//!    choice `⌊u k⌋` (one-hot).
//! 2. **Starting points**: the caller's warm starts (e.g. the best observed
//!    points), the best candidate, and the rest drawn by roulette with weights
//!    `exp(a − a_max)` (Optuna's `optimize_acqf_mixed`; with LogEI these are
//!    EI ratios).
//! 3. **Local searches** from each ([`local`](super::local)): L-BFGS (argmin)
//!    on the continuous coordinates through a bounded reparametrisation,
//!    every integer and categorical searched directly on its valid values
//!    (small integer ranges exhaustively, large ones by a bounded
//!    golden-section search that costs the same for 10^3 and 10^18 values),
//!    alternated until no block improves. Integers and categories are never
//!    rounded after the fact.
//! 4. **Result**: the best point of the local searches and raw candidates
//!    that is not a near-repeat of an evaluated or pending configuration
//!    (`forbidden`), returned in canonical encoding (`encode(decode(x))`). A
//!    near-repeat has the same discrete coordinates and every continuous
//!    coordinate within [`NEAR_REPEAT_TOLERANCE`] times its length scale of
//!    a forbidden point's.
//!
//! With a [`TrustRegion`] ([`Maximizer::maximize_in`]) the candidates and the
//! continuous coordinates of the local searches stay inside its box (see
//! [`trust_region`](super::trust_region)).

pub use super::local::MAX_INTEGER_REFINEMENT;
use super::local::{Block, Layout, LocalSettings, local_search};
use super::maximand::{Maximand, finite_or_worst};
use super::trust_region::TrustRegion;
use crate::error::ConfigError;
use crate::rng::{StudyRng, next_u32, unit_f64};
use crate::space::{EncodedKind, IntEncoding, Params, SearchSpace};
use serde::{Deserialize, Serialize};

/// A point whose continuous coordinates all lie within this many length
/// scales (clamped to `[1e-3, 1]`, as for the preconditioning) of a
/// forbidden point's, its discrete ones equal, is a near-repeat and never
/// returned. On a deterministic objective the value there differs from the
/// known one by about `1e-6` of the output spread along a slope (less near an
/// optimum), below the resolution of a GP with the sampler's
/// deterministic noise (standard deviation `√1e-11 ≈ 3e-6` of the spread):
/// the evaluation would teach the model nothing. Without it, on `Σ xᵢ` over
/// `[0, 1]³` (optimum at a corner), 31% of 50 suggestions with learned noise
/// (5% with `deterministic_objective()`) came within 1e-6 of an earlier
/// point, some one ulp from the corner; with it none do (`bo_benchmark
/// --functions linear-corner`, 10 seeds, both noise settings). The rule
/// applies whatever the noise setting, as the exact-repeat rule did.
pub const NEAR_REPEAT_TOLERANCE: f64 = 1e-6;

/// Settings of the [`Maximizer`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MaximizerConfig {
    /// Number of scrambled-Sobol raw candidates, at most 65 536. By default
    /// 512: 1024 changed no benchmark median (Branin, Hartmann 6-D, Ackley
    /// 5-D, the mixed function; 20 seeds) and cost ~1 ms more per suggestion
    /// at 100 trials in 6-D.
    pub n_candidates: usize,
    /// Number of local searches (warm starts included), at least 1. By
    /// default 6.
    pub n_local_searches: usize,
    /// Most alternations between the continuous and discrete blocks in one
    /// local search, at least 1. By default 20.
    pub max_sweeps: usize,
    /// Most L-BFGS iterations per continuous step, at least 1. By default 50.
    pub lbfgs_max_iters: u64,
    /// L-BFGS memory (stored correction pairs), at least 1. By default 8.
    pub lbfgs_memory: usize,
    /// L-BFGS stops when the gradient norm (in the preconditioned coordinates)
    /// falls below this, `> 0`. By default 1e-6.
    pub grad_tol: f64,
    /// Integer ranges of up to this many values are searched exhaustively;
    /// larger ones by a coarse scan of this many evenly spaced values and a
    /// golden-section search between the neighbours of the best, at most
    /// `max_exhaustive + `[`MAX_INTEGER_REFINEMENT`] evaluations per search
    /// whatever the range's width. At least 3, at most 1024. By default 16.
    pub max_exhaustive: usize,
    /// Whether the GP sampler alternates global steps with steps inside a
    /// trust region around the incumbent (TREGO's schedule, see
    /// [`trust_region`](super::trust_region)). By default `true`: measured by
    /// `cargo run --release --example bo_benchmark -- --seeds 10 --ucb 2`
    /// against the same with `--no-trust-region` (deterministic objectives,
    /// LogEI, median log10 regret, without → with): Branin@50 −5.65 → −7.46,
    /// Hartmann6@100 −7.44 → −7.58, Ackley5@100 0.31 → −0.34, mixed@100
    /// −8.77 → −9.52, sphere5@50 −6.27 → −6.45, ellipsoid5@50 −5.92 → −5.75
    /// (@100 −6.43 → −6.65); with UCB β = 2 Branin@50 −8.09 → −8.79 and
    /// Ackley5@100 −1.45 → 0.29 (bimodal over seeds). Batches of several
    /// suggestions take no local step.
    #[serde(default = "yes")]
    pub trust_region: bool,
}

fn yes() -> bool {
    true
}

impl Default for MaximizerConfig {
    fn default() -> Self {
        Self {
            n_candidates: 512,
            n_local_searches: 6,
            max_sweeps: 20,
            lbfgs_max_iters: 50,
            lbfgs_memory: 8,
            grad_tol: 1e-6,
            max_exhaustive: 16,
            trust_region: true,
        }
    }
}

impl MaximizerConfig {
    /// Sets [`MaximizerConfig::n_candidates`].
    #[must_use]
    pub fn n_candidates(mut self, n: usize) -> Self {
        self.n_candidates = n;
        self
    }
    /// Sets [`MaximizerConfig::n_local_searches`].
    #[must_use]
    pub fn n_local_searches(mut self, n: usize) -> Self {
        self.n_local_searches = n;
        self
    }
    /// Sets [`MaximizerConfig::max_sweeps`].
    #[must_use]
    pub fn max_sweeps(mut self, n: usize) -> Self {
        self.max_sweeps = n;
        self
    }
    /// Sets [`MaximizerConfig::lbfgs_max_iters`].
    #[must_use]
    pub fn lbfgs_max_iters(mut self, n: u64) -> Self {
        self.lbfgs_max_iters = n;
        self
    }
    /// Sets [`MaximizerConfig::trust_region`].
    #[must_use]
    pub fn trust_region(mut self, on: bool) -> Self {
        self.trust_region = on;
        self
    }
    /// Sets [`MaximizerConfig::grad_tol`].
    #[must_use]
    pub fn grad_tol(mut self, tol: f64) -> Self {
        self.grad_tol = tol;
        self
    }

    /// Checks every setting against its documented range.
    ///
    /// # Errors
    /// [`ConfigError::Invalid`] naming the first bad setting.
    pub fn check(&self) -> Result<(), ConfigError> {
        let bad = |name: &'static str, reason: &str| {
            Err(ConfigError::Invalid {
                name,
                reason: reason.to_owned(),
            })
        };
        if self.n_candidates == 0 || self.n_candidates > 1 << 16 {
            return bad("n_candidates", "must be in 1..=65536");
        }
        if self.n_local_searches == 0 {
            return bad("n_local_searches", "must be at least 1");
        }
        if self.max_sweeps == 0 || self.lbfgs_max_iters == 0 || self.lbfgs_memory == 0 {
            return bad(
                "max_sweeps/lbfgs_max_iters/lbfgs_memory",
                "must be at least 1",
            );
        }
        if !(self.grad_tol > 0.0 && self.grad_tol.is_finite()) {
            return bad("grad_tol", "must be positive and finite");
        }
        if !(3..=1024).contains(&self.max_exhaustive) {
            return bad("max_exhaustive", "must be in 3..=1024");
        }
        Ok(())
    }
}

/// Where a free parameter's Sobol coordinate goes.
#[derive(Debug, Clone, Copy)]
enum Slot {
    Continuous(usize),
    Block(usize),
}

/// The maximum found.
#[derive(Debug, Clone, PartialEq)]
pub struct Maximum {
    /// The point, in canonical encoding.
    pub x: Vec<f64>,
    /// The objective there.
    pub value: f64,
    /// The decoded configuration.
    pub params: Params,
}

/// Maximises an [`Maximand`] over a search space's encoded unit cube (see
/// the module docs for the method).
#[derive(Debug, Clone)]
pub struct Maximizer<'s> {
    space: &'s SearchSpace,
    config: MaximizerConfig,
    slots: Vec<Slot>,
    continuous: Vec<usize>,
    blocks: Vec<Block>,
}

impl<'s> Maximizer<'s> {
    /// A maximiser over `space`.
    ///
    /// # Errors
    /// [`ConfigError::Invalid`] if `config` fails its [`MaximizerConfig::check`].
    pub fn new(space: &'s SearchSpace, config: MaximizerConfig) -> Result<Self, ConfigError> {
        config.check()?;
        let mut slots = Vec::new();
        let mut continuous = Vec::new();
        let mut blocks = Vec::new();
        for e in space.encoded_params() {
            match e.kind {
                EncodedKind::Continuous => {
                    slots.push(Slot::Continuous(e.offset));
                    continuous.push(e.offset);
                }
                EncodedKind::Integer { low, high, scale } => {
                    slots.push(Slot::Block(blocks.len()));
                    blocks.push(Block::Integer {
                        coord: e.offset,
                        int: IntEncoding::new(low, high, scale),
                    });
                }
                EncodedKind::OneHot { n } => {
                    slots.push(Slot::Block(blocks.len()));
                    blocks.push(Block::OneHot {
                        offset: e.offset,
                        n,
                    });
                }
            }
        }
        Ok(Self {
            space,
            config,
            slots,
            continuous,
            blocks,
        })
    }

    /// The raw candidates: `n_candidates` scrambled-Sobol points mapped onto
    /// valid encodings (dimensions beyond `sobol_burley`'s 256 are drawn
    /// uniformly from `rng`).
    pub fn candidates(&self, rng: &mut StudyRng) -> Vec<Vec<f64>> {
        let seed = next_u32(rng);
        let dim = self.space.dim();
        (0..self.config.n_candidates)
            .map(|i| {
                let mut x = vec![0.0; dim];
                for (j, slot) in self.slots.iter().enumerate() {
                    let u = if j < sobol_burley::NUM_DIMENSIONS as usize {
                        f64::from(sobol_burley::sample(i as u32, j as u32, seed))
                    } else {
                        unit_f64(rng)
                    };
                    match *slot {
                        Slot::Continuous(c) => x[c] = u,
                        Slot::Block(b) => match &self.blocks[b] {
                            Block::Integer { coord, int } => {
                                x[*coord] = int.coordinate(int.offset(u));
                            }
                            Block::OneHot { offset, n } => {
                                let k = ((u * *n as f64) as usize).min(n - 1);
                                x[offset + k] = 1.0;
                            }
                        },
                    }
                }
                x
            })
            .collect()
    }

    /// The best point found that is not a near-repeat of a configuration in
    /// `forbidden` (see the module docs), or `None` if every point examined
    /// is one (a small discrete space fully evaluated).
    ///
    /// `warm_starts` are extra starting points (encoded; at most
    /// `n_local_searches − 1` are used). `length_scales`, one per encoded
    /// coordinate (a GP's), precondition the continuous search and scale the
    /// near-repeat tolerance; values are clamped to `[1e-3, 1]`.
    pub fn maximize<O: Maximand>(
        &self,
        f: &O,
        warm_starts: &[Vec<f64>],
        forbidden: &[Params],
        length_scales: Option<&[f64]>,
        rng: &mut StudyRng,
    ) -> Option<Maximum> {
        self.maximize_in(f, warm_starts, forbidden, length_scales, None, rng)
    }

    /// As [`Maximizer::maximize`], inside `region` when given: the raw
    /// candidates are scrambled-Sobol points of its box (continuous
    /// coordinates; the others are the centre's), and the local searches
    /// keep their continuous coordinates in the box. Warm starts outside the
    /// box are moved to its nearest face by the search.
    pub fn maximize_in<O: Maximand>(
        &self,
        f: &O,
        warm_starts: &[Vec<f64>],
        forbidden: &[Params],
        length_scales: Option<&[f64]>,
        region: Option<&TrustRegion>,
        rng: &mut StudyRng,
    ) -> Option<Maximum> {
        let ell = self.clamped_scales(length_scales);
        let (lower, upper) = match region {
            Some(r) => r.bounds(&self.continuous, &ell),
            None => (vec![0.0; ell.len()], vec![1.0; ell.len()]),
        };
        let xs = match region {
            Some(r) => self.region_candidates(&r.centre, &lower, &upper, rng),
            None => self.candidates(rng),
        };
        let vals: Vec<f64> = f.values(&xs).into_iter().map(finite_or_worst).collect();
        let mut starts = self.starting_points(&xs, &vals, warm_starts, rng);
        if region.is_some() {
            for x in &mut starts {
                for (j, &c) in self.continuous.iter().enumerate() {
                    x[c] = x[c].clamp(lower[j], upper[j]);
                }
            }
        }
        // One unit of `w` moves a coordinate by about half its length scale
        // whatever the box's width (see `local`). In a box narrower than `ℓ`
        // a unit step wraps the sine around the box; capping `s` at 1 (half
        // the box per unit) measured worse: Ackley5@100 0.40 against −0.97
        // (median of 10 seeds), Branin@50 and the sphere unchanged.
        let scales: Vec<f64> = ell
            .iter()
            .zip(lower.iter().zip(&upper))
            .map(|(l, (a, b))| if b > a { l / (b - a) } else { 1.0 })
            .collect();
        let layout = Layout {
            continuous: &self.continuous,
            scales: &scales,
            lower: &lower,
            upper: &upper,
            blocks: &self.blocks,
        };
        let settings = LocalSettings {
            max_sweeps: self.config.max_sweeps,
            lbfgs_max_iters: self.config.lbfgs_max_iters,
            lbfgs_memory: self.config.lbfgs_memory,
            grad_tol: self.config.grad_tol,
            max_exhaustive: self.config.max_exhaustive,
        };
        let mut pool: Vec<(Vec<f64>, f64)> = starts
            .into_iter()
            .map(|x| {
                let fx = finite_or_worst(f.value(&x));
                local_search(f, &layout, &settings, x, fx)
            })
            .collect();
        pool.extend(xs.into_iter().zip(vals));
        pool.sort_by(|a, b| b.1.total_cmp(&a.1));

        let forbidden: Vec<Vec<f64>> = forbidden
            .iter()
            .filter_map(|p| self.space.encode(p).ok())
            .collect();
        let tolerance: Vec<f64> = ell.iter().map(|l| NEAR_REPEAT_TOLERANCE * l).collect();
        pool.into_iter().find_map(|(x, _)| {
            let params = self.space.decode(&x).ok()?;
            let canonical = self.space.encode(&params).ok()?;
            if forbidden
                .iter()
                .any(|y| self.is_near_repeat(&canonical, y, &tolerance))
            {
                return None;
            }
            let value = finite_or_worst(f.value(&canonical));
            Some(Maximum {
                x: canonical,
                value,
                params,
            })
        })
    }

    /// The length scales of the continuous coordinates, clamped to
    /// `[1e-3, 1]` (1 where none is given or it is not finite).
    fn clamped_scales(&self, length_scales: Option<&[f64]>) -> Vec<f64> {
        self.continuous
            .iter()
            .map(|&c| length_scales.map_or(1.0, |l| l.get(c).copied().unwrap_or(1.0)))
            .map(|l| {
                if l.is_finite() {
                    l.clamp(1e-3, 1.0)
                } else {
                    1.0
                }
            })
            .collect()
    }

    /// Whether the encoded point `x` lies in `region`'s box (built with
    /// `length_scales` as in [`Maximizer::maximize_in`]) on every continuous
    /// coordinate.
    #[must_use]
    pub fn in_region(
        &self,
        region: &TrustRegion,
        length_scales: Option<&[f64]>,
        x: &[f64],
    ) -> bool {
        let (lower, upper) = region.bounds(&self.continuous, &self.clamped_scales(length_scales));
        self.continuous
            .iter()
            .enumerate()
            .all(|(j, &c)| x.get(c).is_some_and(|v| (lower[j]..=upper[j]).contains(v)))
    }

    /// Whether `x` is a near-repeat of `y` (both canonical encodings):
    /// continuous coordinate `k` within `tolerance[k]`, every other
    /// coordinate equal.
    fn is_near_repeat(&self, x: &[f64], y: &[f64], tolerance: &[f64]) -> bool {
        if x.len() != y.len() {
            return false;
        }
        let mut continuous = self.continuous.iter().zip(tolerance).peekable();
        x.iter()
            .zip(y)
            .enumerate()
            .all(|(i, (a, b))| match continuous.peek() {
                Some(&(&c, &t)) if c == i => {
                    continuous.next();
                    (a - b).abs() <= t
                }
                _ => a == b,
            })
    }

    /// `n_candidates` scrambled-Sobol points of the box `[lower, upper]` on
    /// the continuous coordinates, the other coordinates those of `centre`
    /// (put in canonical encoding, so that they are valid).
    fn region_candidates(
        &self,
        centre: &[f64],
        lower: &[f64],
        upper: &[f64],
        rng: &mut StudyRng,
    ) -> Vec<Vec<f64>> {
        let dim = self.space.dim();
        let base = self
            .space
            .decode(centre)
            .ok()
            .and_then(|p| self.space.encode(&p).ok())
            .filter(|x| x.len() == dim);
        let Some(base) = base else {
            return self.candidates(rng);
        };
        let seed = next_u32(rng);
        (0..self.config.n_candidates)
            .map(|i| {
                let mut x = base.clone();
                for (j, &c) in self.continuous.iter().enumerate() {
                    let u = if j < sobol_burley::NUM_DIMENSIONS as usize {
                        f64::from(sobol_burley::sample(i as u32, j as u32, seed))
                    } else {
                        unit_f64(rng)
                    };
                    x[c] = (lower[j] + (upper[j] - lower[j]) * u).clamp(lower[j], upper[j]);
                }
                x
            })
            .collect()
    }

    /// Warm starts, the best candidate, then roulette draws.
    fn starting_points(
        &self,
        xs: &[Vec<f64>],
        vals: &[f64],
        warm_starts: &[Vec<f64>],
        rng: &mut StudyRng,
    ) -> Vec<Vec<f64>> {
        let n = self.config.n_local_searches;
        let dim = self.space.dim();
        let mut starts: Vec<Vec<f64>> = warm_starts
            .iter()
            .filter(|x| x.len() == dim)
            .take(n - 1)
            .cloned()
            .collect();
        let best = (0..vals.len()).max_by(|&a, &b| vals[a].total_cmp(&vals[b]));
        let Some(best) = best else {
            return starts;
        };
        starts.push(xs[best].clone());
        let top = vals[best];
        let mut weights: Vec<f64> = vals
            .iter()
            .map(|&v| {
                if top.is_finite() {
                    libm::exp(v - top)
                } else {
                    1.0
                }
            })
            .collect();
        weights[best] = 0.0;
        while starts.len() < n {
            let total: f64 = weights.iter().sum();
            if total.is_nan() || total <= 0.0 {
                break;
            }
            let mut r = unit_f64(rng) * total;
            // The last positive weight catches rounding at the top end.
            let mut pick = weights.iter().rposition(|&w| w > 0.0).unwrap_or(0);
            for (i, w) in weights.iter().enumerate() {
                if r < *w {
                    pick = i;
                    break;
                }
                r -= w;
            }
            weights[pick] = 0.0;
            starts.push(xs[pick].clone());
        }
        starts
    }
}
