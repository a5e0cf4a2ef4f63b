//! The schedules that need no model: one epoch then the top k, and
//! Hyperband's brackets of successive halving (Li et al. 2018).

use super::{Action, Config, Driver};
use crate::Result;
use crate::nn::Outcome;

/// The Hyperband bracket under way.
#[derive(Debug, Clone)]
pub(super) struct Bracket {
    /// `s`: the bracket's rungs are `0..=s`.
    s: usize,
    /// The rung under way.
    rung: usize,
    /// The configurations it starts.
    n: usize,
    /// The index of its first configuration (it starts `start..start + n`).
    start: usize,
    /// The rung's configurations (indices), past rung 0.
    members: Vec<usize>,
}

impl Driver<'_> {
    /// [`super::Policy::TopK`]: new configurations for one epoch while the budget
    /// leaves room for the `k` best to finish, then those `k` to the full
    /// epochs, best first.
    pub(super) fn choose_top_k(
        &self,
        k: usize,
        left: usize,
        rng: &mut crate::rng::StudyRng,
    ) -> Result<Vec<(Action, usize)>> {
        let s = self.s;
        let started = self.configs.len();
        // In epochs of a configuration: each trains every fold.
        let n_new = (s.budget_epochs / s.folds.len().max(1))
            .saturating_sub(k.saturating_mul(s.full - 1))
            .max(k)
            .min(s.max_trials);
        if started < n_new {
            let n = s.workers.min(n_new - started).min(left);
            return Ok(self
                .candidates(n, rng)?
                .into_iter()
                .map(|(params, x)| (Action::New { params, x }, 1))
                .collect());
        }
        // The k best after their first epoch, in the minimising direction.
        let mut ranked: Vec<(f64, usize)> = self
            .configs
            .iter()
            .enumerate()
            .filter_map(|(i, c)| {
                let v = self.direction.to_minimize(c.curve.first()?.0);
                v.is_finite().then_some((v, i))
            })
            .collect();
        ranked.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut plan = Vec::new();
        let mut left = left;
        for &(_, index) in ranked.iter().take(k) {
            let c = &self.configs[index];
            if !self.continuable(c, c.full) {
                continue;
            }
            let epochs = (c.full - c.epochs).min(left);
            if epochs == 0 || plan.len() == s.workers {
                break;
            }
            left -= epochs;
            plan.push((Action::Continue { index }, epochs));
        }
        Ok(plan)
    }
    /// `s_max = ⌊log_η(E / r)⌋`: the largest `s` with `r ηˢ <= E` (with
    /// `r = min_epochs`, `E` the full epochs).
    fn s_max(&self) -> usize {
        let (r, eta, full) = (self.s.config.min_epochs, self.s.config.eta, self.s.full);
        let mut s = 0;
        let mut at = r;
        while at.saturating_mul(eta) <= full {
            at *= eta;
            s += 1;
        }
        s
    }

    /// [`super::Policy::Hyperband`]: the rest of the rung under way (new
    /// configurations of rung 0, or members short of the rung's epochs),
    /// else the rung's best continued to the next rung, else the next
    /// bracket; nothing once a whole cycle of brackets has nothing to do.
    pub(super) fn choose_hyperband(
        &mut self,
        left: usize,
        rng: &mut crate::rng::StudyRng,
    ) -> Result<Vec<(Action, usize)>> {
        let (r, eta, full) = (self.s.config.min_epochs, self.s.config.eta, self.s.full);
        let s_max = self.s_max();
        let pow = |b: usize, e: usize| b.saturating_pow(u32::try_from(e).unwrap_or(u32::MAX));
        let mut idle_brackets = 0;
        loop {
            let Some(b) = self.bracket.clone() else {
                if idle_brackets > s_max {
                    return Ok(Vec::new());
                }
                let s = self.next_s.unwrap_or(s_max);
                self.next_s = Some(if s == 0 { s_max } else { s - 1 });
                let n = ((s_max + 1) * pow(eta, s)).div_ceil(s + 1);
                self.bracket = Some(Bracket {
                    s,
                    rung: 0,
                    n,
                    start: self.configs.len(),
                    members: Vec::new(),
                });
                idle_brackets += 1;
                continue;
            };
            // r_i = E / η^(s − i), rounded, at least the smallest rung.
            let target = ((full as f64 / pow(eta, b.s - b.rung) as f64).round() as usize)
                .max(r)
                .min(full);
            let members: Vec<usize> = if b.rung == 0 {
                (b.start..self.configs.len()).collect()
            } else {
                b.members.clone()
            };
            let mut plan = Vec::new();
            let mut left = left;
            for &index in &members {
                let c = &self.configs[index];
                let target = target.min(c.full);
                if !self.continuable(c, target) || plan.len() == self.s.workers {
                    continue;
                }
                let epochs = (target - c.epochs).min(left);
                if epochs == 0 {
                    break;
                }
                left -= epochs;
                plan.push((Action::Continue { index }, epochs));
            }
            let started = self.configs.len() - b.start;
            if b.rung == 0 && started < b.n {
                let room = self.s.max_trials.saturating_sub(self.configs.len());
                let n = (b.n - started).min(self.s.workers - plan.len()).min(room);
                if n > 0 {
                    let mut left_new = left;
                    for (params, x) in self.candidates(n, rng)? {
                        let epochs = target.min(self.full_of(&params)?).min(left_new);
                        if epochs == 0 {
                            break;
                        }
                        left_new -= epochs;
                        plan.push((Action::New { params, x }, epochs));
                    }
                }
                if plan.is_empty() {
                    // No room for more trials, or the space has no new
                    // configuration left: the bracket starts no more.
                    if let Some(b) = self.bracket.as_mut() {
                        b.n = started;
                    }
                }
            }
            if !plan.is_empty() {
                return Ok(plan);
            }
            let Some(b) = self.bracket.as_mut() else {
                continue;
            };
            if b.rung >= b.s || members.is_empty() {
                self.bracket = None;
                continue;
            }
            // The rung's best ⌊n_i / η⌋ (at least one) go on, by their best
            // value so far (the first among ties).
            let best = |c: &Config| {
                if matches!(c.ended, Some(Outcome::Diverged { .. })) {
                    return f64::INFINITY;
                }
                c.curve
                    .iter()
                    .map(|&(v, _)| self.direction.to_minimize(v))
                    .filter(|v| v.is_finite())
                    .fold(f64::INFINITY, f64::min)
            };
            let mut ranked: Vec<(f64, usize)> = members
                .iter()
                .map(|&i| (best(&self.configs[i]), i))
                .collect();
            ranked.sort_by(|a, b| a.0.total_cmp(&b.0));
            let keep = (members.len() / eta).max(1);
            let b = self.bracket.as_mut().unwrap_or_else(|| unreachable!());
            b.members = ranked.into_iter().take(keep).map(|(_, i)| i).collect();
            b.rung += 1;
            idle_brackets = 0;
        }
    }
}
