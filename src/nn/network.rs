//! The network: its architecture, its parameters, prediction and evaluation.
//!
//! (Over 400 lines because its unit tests, 51 of the 445 lines, stay beside the code they check.)

use rand::RngCore;

use crate::error::NnError;

use super::activation::Activation;
use super::head::Head;
use super::input::{Targets, check_finite, check_set};
use super::layout::Layout;
use super::matrix::MatRef;
use super::metrics::{Accumulator, Metric};
use super::propagate::Workspace;
use super::regularization::Regularizer;
use super::spec::NetworkSpec;

/// Rows per chunk when predicting or evaluating many rows.
pub(crate) const EVAL_CHUNK: usize = 256;

/// A multilayer perceptron of dense layers: its widths, activation, output
/// head and `f32` parameters. This is the trained model: it predicts,
/// evaluates, and saves to JSON ([`Network::to_json`]).
#[derive(Clone, Debug, PartialEq)]
pub struct Network {
    layout: Layout,
    activation: Activation,
    head: Head,
    params: Vec<f32>,
}

impl Network {
    /// A freshly initialised network for `n_inputs` features and `targets`
    /// (which fix the head, unless the spec names one, and the output width).
    /// Weights are drawn by `spec.init` from `rng`; biases are zero.
    ///
    /// # Errors
    /// [`NnError::ZeroWidth`], [`NnError::Empty`] for zero inputs,
    /// [`NnError::Incompatible`] for a head that does not fit the targets,
    /// and the targets' own errors ([`Targets::check`]).
    pub fn new<R: RngCore + ?Sized>(
        spec: &NetworkSpec,
        n_inputs: usize,
        targets: &Targets<'_>,
        rng: &mut R,
    ) -> Result<Self, NnError> {
        spec.check()?;
        targets.check("targets")?;
        if n_inputs == 0 {
            return Err(NnError::Empty {
                what: "network inputs",
            });
        }
        let head = spec.head_for(targets);
        let n_outputs = head.n_outputs(targets)?;
        let mut sizes = Vec::with_capacity(spec.hidden.len() + 2);
        sizes.push(n_inputs);
        sizes.extend_from_slice(&spec.hidden);
        sizes.push(n_outputs);
        let layout = Layout::new(sizes);
        let mut params = vec![0.0f32; layout.n_params];
        for l in 0..layout.sizes.len() - 1 {
            let (fan_in, fan_out) = (layout.sizes[l], layout.sizes[l + 1]);
            spec.init
                .fill(&mut params[layout.weights(l)], fan_in, fan_out, rng);
        }
        Ok(Self {
            layout,
            activation: spec.activation,
            head,
            params,
        })
    }

    /// A network from its parts (as stored in a model file).
    ///
    /// # Errors
    /// [`NnError::Empty`] for fewer than two sizes or a zero input width,
    /// [`NnError::ZeroWidth`], [`NnError::Shape`] for a parameter count or
    /// sigmoid output width that does not fit, [`NnError::NonFinite`].
    pub fn from_parts(
        sizes: Vec<usize>,
        activation: Activation,
        head: Head,
        params: Vec<f32>,
    ) -> Result<Self, NnError> {
        if sizes.len() < 2 || sizes[0] == 0 {
            return Err(NnError::Empty {
                what: "network layer sizes",
            });
        }
        if let Some(l) = sizes[1..].iter().position(|&w| w == 0) {
            return Err(NnError::ZeroWidth { layer: l });
        }
        activation.check()?;
        let n_out = sizes[sizes.len() - 1];
        let wanted_out = match head {
            Head::Sigmoid => 1,
            Head::Softmax => n_out.max(2),
            Head::Identity => n_out,
        };
        if n_out != wanted_out {
            return Err(NnError::Shape {
                what: "output width for the head",
                expected: wanted_out,
                found: n_out,
            });
        }
        let layout = Layout::new(sizes);
        if params.len() != layout.n_params {
            return Err(NnError::Shape {
                what: "parameter count",
                expected: layout.n_params,
                found: params.len(),
            });
        }
        check_finite(&params, "network parameters")?;
        Ok(Self {
            layout,
            activation,
            head,
            params,
        })
    }

    /// The layer widths, inputs first, outputs last.
    #[must_use]
    pub fn sizes(&self) -> &[usize] {
        &self.layout.sizes
    }

    /// The number of input features.
    #[must_use]
    pub fn n_inputs(&self) -> usize {
        self.layout.sizes[0]
    }

    /// The number of outputs (classes for softmax, 1 for sigmoid).
    #[must_use]
    pub fn n_outputs(&self) -> usize {
        self.layout.sizes[self.layout.sizes.len() - 1]
    }

    /// The hidden activation.
    #[must_use]
    pub fn activation(&self) -> Activation {
        self.activation
    }

    /// The output head.
    #[must_use]
    pub fn head(&self) -> Head {
        self.head
    }

    /// All parameters: every layer's weights (`n_in x n_out`, row-major),
    /// then every layer's biases.
    #[must_use]
    pub fn params(&self) -> &[f32] {
        &self.params
    }

    /// The parameters, mutably (same layout as [`Network::params`]).
    pub fn params_mut(&mut self) -> &mut [f32] {
        &mut self.params
    }

    /// The number of parameters.
    #[must_use]
    pub fn n_params(&self) -> usize {
        self.layout.n_params
    }

    /// The number of weights (the parameters before the biases).
    #[must_use]
    pub fn n_weights(&self) -> usize {
        self.layout.n_weights
    }

    /// The weights of layer `l` (`sizes[l] x sizes[l+1]`, row-major).
    ///
    /// # Panics
    /// If `l` is not below the number of layers (`sizes().len() - 1`).
    #[must_use]
    pub fn weights(&self, l: usize) -> &[f32] {
        &self.params[self.layout.weights(l)]
    }

    /// The biases of layer `l`.
    ///
    /// # Panics
    /// If `l` is not below the number of layers.
    #[must_use]
    pub fn bias(&self, l: usize) -> &[f32] {
        &self.params[self.layout.bias(l)]
    }

    /// The weight and bias parts of layer `l` in a gradient laid out like
    /// the parameters.
    pub(crate) fn split_grads<'g>(
        &self,
        grads: &'g mut [f32],
        l: usize,
    ) -> (&'g mut [f32], &'g mut [f32]) {
        let (w, b) = grads.split_at_mut(self.layout.n_weights);
        let bias = self.layout.bias(l);
        let n_w = self.layout.n_weights;
        (
            &mut w[self.layout.weights(l)],
            &mut b[bias.start - n_w..bias.end - n_w],
        )
    }

    /// The predictions for the rows of `x`, `rows x n_outputs`: class
    /// probabilities (softmax), the probability of class 1 (sigmoid), or
    /// values (identity).
    ///
    /// # Errors
    /// [`NnError::Shape`] if `x` has the wrong number of columns,
    /// [`NnError::Empty`] for no rows.
    pub fn predict(&self, x: MatRef<'_>) -> Result<Vec<f32>, NnError> {
        self.check_inputs(x)?;
        let k = self.n_outputs();
        let mut out = Vec::with_capacity(x.rows() * k);
        let mut ws = Workspace::new(self, x.rows().min(EVAL_CHUNK), false);
        for chunk in x.data().chunks(EVAL_CHUNK * x.cols()) {
            let rows = chunk.len() / x.cols();
            out.extend_from_slice(ws.forward(self, chunk, rows, None));
        }
        self.head.output_in_place(&mut out, k);
        Ok(out)
    }

    /// The predicted class of each row of `x` (classification heads; an
    /// identity head predicts class 0).
    ///
    /// # Errors
    /// As [`Network::predict`].
    pub fn predict_classes(&self, x: MatRef<'_>) -> Result<Vec<usize>, NnError> {
        let probs = self.predict(x)?;
        Ok(probs
            .chunks_exact(self.n_outputs())
            .map(|p| match self.head {
                // Probabilities are monotone in the logits; for the sigmoid
                // compare p with 1/2 instead of z with 0.
                Head::Sigmoid => usize::from(p[0] > 0.5),
                head => head.class_of(p),
            })
            .collect())
    }

    /// The mean data loss and `metric` of the network on `x` and `y`.
    ///
    /// # Errors
    /// Shape, label and finiteness errors of the inputs
    /// ([`TrainData::check`](super::TrainData::check)),
    /// [`NnError::Incompatible`] for a metric or targets that do not fit the
    /// head.
    pub fn evaluate(
        &self,
        x: MatRef<'_>,
        y: &Targets<'_>,
        metric: Metric,
    ) -> Result<Evaluation, NnError> {
        self.check_pair(x, y)?;
        metric.check_head(self.head)?;
        let mut ws = Workspace::new(self, x.rows().min(EVAL_CHUNK), false);
        let mut acc = Accumulator::new(self.head, metric, self.n_outputs(), y);
        self.accumulate(&mut ws, x, y, &mut acc);
        Ok(Evaluation {
            loss: acc.loss(),
            metric: acc.metric(),
        })
    }

    /// Runs `x` through the network in chunks of the workspace's capacity,
    /// adding each chunk's loss and logits to `acc`.
    pub(crate) fn accumulate(
        &self,
        ws: &mut Workspace,
        x: MatRef<'_>,
        y: &Targets<'_>,
        acc: &mut Accumulator,
    ) {
        let k = self.n_outputs();
        let mut start = 0;
        while start < x.rows() {
            let end = (start + ws.capacity()).min(x.rows());
            let rows = end - start;
            let t = targets_rows(y, start, end);
            let logits = ws.forward(
                self,
                &x.data()[start * x.cols()..end * x.cols()],
                rows,
                None,
            );
            let loss = self.head.loss(logits, k, &t);
            acc.add(loss, logits, k, &t);
            start = end;
        }
    }

    /// The mean data loss on `x`, `y` plus the penalty `λ R(w)` (on the
    /// weights, and the biases if `penalize_biases`), and its gradient with
    /// respect to [`Network::params`] written into `grad`. Dropout is off.
    ///
    /// # Errors
    /// As [`Network::evaluate`], and [`NnError::Shape`] if `grad` is not
    /// [`Network::n_params`] long.
    pub fn loss_and_gradient(
        &self,
        x: MatRef<'_>,
        y: &Targets<'_>,
        regularizer: Regularizer,
        penalize_biases: bool,
        grad: &mut [f32],
    ) -> Result<f64, NnError> {
        self.check_pair(x, y)?;
        if grad.len() != self.n_params() {
            return Err(NnError::Shape {
                what: "gradient length",
                expected: self.n_params(),
                found: grad.len(),
            });
        }
        let mut ws = Workspace::new(self, x.rows(), false);
        ws.forward(self, x.data(), x.rows(), None);
        let loss = ws.backward(self, x.data(), x.rows(), y) / x.rows() as f64;
        let n_pen = self.n_penalized(penalize_biases);
        regularizer.add_gradient(&self.params[..n_pen], &mut ws.grads[..n_pen]);
        grad.copy_from_slice(&ws.grads);
        Ok(loss + regularizer.penalty(&self.params[..n_pen]))
    }

    /// How many leading parameters a penalty or weight decay covers.
    pub(crate) fn n_penalized(&self, penalize_biases: bool) -> usize {
        if penalize_biases {
            self.n_params()
        } else {
            self.n_weights()
        }
    }

    fn check_inputs(&self, x: MatRef<'_>) -> Result<(), NnError> {
        if x.cols() != self.n_inputs() {
            return Err(NnError::Shape {
                what: "feature count",
                expected: self.n_inputs(),
                found: x.cols(),
            });
        }
        if x.rows() == 0 {
            return Err(NnError::Empty { what: "features" });
        }
        Ok(())
    }

    fn check_pair(&self, x: MatRef<'_>, y: &Targets<'_>) -> Result<(), NnError> {
        self.check_inputs(x)?;
        check_set(x, y, "features", "targets")?;
        let k = self.head.n_outputs(y)?;
        if k != self.n_outputs() {
            return Err(NnError::Shape {
                what: "target width (classes or outputs)",
                expected: self.n_outputs(),
                found: k,
            });
        }
        Ok(())
    }
}

/// Rows `start..end` of `targets`.
pub(crate) fn targets_rows<'a>(targets: &Targets<'a>, start: usize, end: usize) -> Targets<'a> {
    match *targets {
        Targets::Classes { labels, n_classes } => Targets::Classes {
            labels: &labels[start..end],
            n_classes,
        },
        Targets::Values { values, n_outputs } => Targets::Values {
            values: &values[start * n_outputs..end * n_outputs],
            n_outputs,
        },
    }
}

/// A network's mean data loss and metric on a data set.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Evaluation {
    /// The mean loss of the head (cross-entropy or squared error).
    pub loss: f64,
    /// The metric asked for.
    pub metric: f64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::rng_from_seed;

    #[test]
    fn new_network_has_zero_biases_and_the_right_widths() {
        let spec = NetworkSpec::default().hidden([5, 4]);
        let y = Targets::classes(&[0, 2], 3);
        let net = Network::new(&spec, 7, &y, &mut rng_from_seed(0)).unwrap();
        assert_eq!(net.sizes(), &[7, 5, 4, 3]);
        assert_eq!(net.n_params(), 7 * 5 + 5 * 4 + 4 * 3 + 5 + 4 + 3);
        assert!((0..3).all(|l| net.bias(l).iter().all(|&b| b == 0.0)));
        assert!(net.weights(0).iter().any(|&w| w != 0.0));
    }

    #[test]
    fn predictions_are_chunk_independent() {
        // More rows than one evaluation chunk: the same as row by row.
        let spec = NetworkSpec::default().hidden([6]);
        let y = Targets::classes(&[0, 1], 3);
        let net = Network::new(&spec, 4, &y, &mut rng_from_seed(5)).unwrap();
        let n = EVAL_CHUNK + 17;
        let x: Vec<f32> = (0..n * 4)
            .map(|i| ((i * 7919) % 101) as f32 / 50.0 - 1.0)
            .collect();
        let all = net.predict(MatRef::new(&x, n, 4).unwrap()).unwrap();
        for i in [0, EVAL_CHUNK - 1, EVAL_CHUNK, n - 1] {
            let one = net
                .predict(MatRef::new(&x[i * 4..i * 4 + 4], 1, 4).unwrap())
                .unwrap();
            assert_eq!(&all[i * 3..i * 3 + 3], &one[..]);
        }
    }

    #[test]
    fn from_parts_checks_the_parameter_count() {
        let r = Network::from_parts(vec![2, 3, 2], Activation::Tanh, Head::Softmax, vec![0.0; 5]);
        assert!(matches!(
            r,
            Err(NnError::Shape {
                what: "parameter count",
                expected: 17,
                found: 5
            })
        ));
        let r = Network::from_parts(vec![2, 2], Activation::Tanh, Head::Sigmoid, vec![0.0; 6]);
        assert!(matches!(r, Err(NnError::Shape { expected: 1, .. })));
    }
}
