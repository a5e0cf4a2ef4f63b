//! Labels: the stable names the values of a choice carry in configurations,
//! journals and results files.
//!
//! The format is documented on [`Label`].

use crate::error::ConfigError;
use crate::nn::{Activation, Init, Optimizer, Schedule};
use std::fmt::{Display, LowerExp};

/// The stable name of a value of a choice, as written in configurations,
/// journals and results files.
///
/// The format, exactly:
///
/// - A value without settings, or with the settings its bare name stands for
///   (those `name.parse()` gives, for the types that parse), is its
///   snake_case name: `he_normal`, `relu`, `leaky_relu` (slope 0.01), `adam`
///   (β1 0.9, β2 0.999, ε 1e-8), `adamw` (the same, λ 0.01), `momentum` and
///   `nesterov` (μ 0.9), `rmsprop` (ρ 0.9, ε 1e-8), `sgd`, `gd`, `constant`,
///   `inverse_sqrt`.
/// - Any other value is its name followed by all of its settings in
///   parentheses, each `field=value` with the field's name in the Rust type,
///   in declaration order, separated by commas without spaces:
///   `momentum(momentum=0.5)`, `nesterov(momentum=0.95)`,
///   `adam(beta1=0.9,beta2=0.99,epsilon=1e-8)`,
///   `adamw(beta1=0.9,beta2=0.999,epsilon=1e-8,weight_decay=0.1)`,
///   `rmsprop(rho=0.99,epsilon=1e-8)`, `leaky_relu(slope=0.2)`,
///   `inverse_time(decay=0.1)`, `linear(steps=30,floor=0)`,
///   `step(every=10,gamma=0.5)`, `exponential(gamma=0.95)`,
///   `cosine(steps=60,floor=0.01)`, and a warm-up with the label of the
///   schedule it leads into: `warmup(steps=5,then=cosine(steps=60,floor=0.01))`.
/// - Numbers are written in their shortest form that reads back to the same
///   value: plain decimals for zero and magnitudes in `[1e-4, 1e6)` (`0.01`,
///   `60`, `1` for 1.0), exponent form otherwise (`1e-8`, `2.5e6`).
/// - Hidden-layer widths are joined by `-` (`64-32`); no hidden layer is `none`.
///
/// Distinct valid values have distinct labels; two values with the same
/// label in one list are a duplicate choice, which
/// [`TuneSpace::check`](super::TuneSpace::check) rejects.
pub trait Label {
    /// The label, as written in configurations, journals and results files.
    fn label(&self) -> String;
}

impl Label for Init {
    /// The initialiser's name: `xavier_uniform`, `xavier_normal`,
    /// `he_uniform`, `he_normal`, `lecun_normal`.
    fn label(&self) -> String {
        self.name().to_owned()
    }
}

impl Label for Activation {
    /// `relu`, `sigmoid`, `tanh`, `identity`; `leaky_relu` for slope 0.01,
    /// `leaky_relu(slope=0.2)` for another.
    fn label(&self) -> String {
        if self.name().parse::<Self>().ok() == Some(*self) {
            return self.name().to_owned();
        }
        match *self {
            Self::LeakyRelu { slope } => settings(self.name(), &[("slope", number(slope))]),
            _ => self.name().to_owned(),
        }
    }
}

impl Label for Optimizer {
    /// The name (`adam`, `sgd`, ...) when the settings are those the name
    /// parses to, otherwise the name with every setting:
    /// `momentum(momentum=0.5)`, `adam(beta1=0.9,beta2=0.99,epsilon=1e-8)`.
    fn label(&self) -> String {
        let name = self.name();
        if name.parse::<Self>().ok() == Some(*self) {
            return name.to_owned();
        }
        match *self {
            Self::Gd | Self::Sgd => name.to_owned(),
            Self::Momentum { momentum, .. } => settings(name, &[("momentum", number(momentum))]),
            Self::Adam {
                beta1,
                beta2,
                epsilon,
            } => settings(
                name,
                &[
                    ("beta1", number(beta1)),
                    ("beta2", number(beta2)),
                    ("epsilon", number(epsilon)),
                ],
            ),
            Self::AdamW {
                beta1,
                beta2,
                epsilon,
                weight_decay,
            } => settings(
                name,
                &[
                    ("beta1", number(beta1)),
                    ("beta2", number(beta2)),
                    ("epsilon", number(epsilon)),
                    ("weight_decay", number(weight_decay)),
                ],
            ),
            Self::RmsProp { rho, epsilon } => {
                settings(name, &[("rho", number(rho)), ("epsilon", number(epsilon))])
            }
        }
    }
}

impl Label for Schedule {
    /// `constant`, `inverse_sqrt`; the others with their settings:
    /// `cosine(steps=60,floor=0.01)`, `warmup(steps=5,then=constant)`.
    fn label(&self) -> String {
        match self {
            Self::Constant => "constant".to_owned(),
            Self::InverseSqrt => "inverse_sqrt".to_owned(),
            Self::InverseTime { decay } => settings("inverse_time", &[("decay", number(*decay))]),
            Self::Linear { steps, floor } => settings(
                "linear",
                &[("steps", steps.to_string()), ("floor", number(*floor))],
            ),
            Self::Step { every, gamma } => settings(
                "step",
                &[("every", every.to_string()), ("gamma", number(*gamma))],
            ),
            Self::Exponential { gamma } => settings("exponential", &[("gamma", number(*gamma))]),
            Self::Cosine { steps, floor } => settings(
                "cosine",
                &[("steps", steps.to_string()), ("floor", number(*floor))],
            ),
            Self::Warmup { steps, then } => settings(
                "warmup",
                &[("steps", steps.to_string()), ("then", then.label())],
            ),
        }
    }
}

/// Hidden-layer widths: `"64-32"`, or `"none"` for a linear model.
impl Label for Vec<usize> {
    fn label(&self) -> String {
        if self.is_empty() {
            "none".to_owned()
        } else {
            self.iter()
                .map(usize::to_string)
                .collect::<Vec<_>>()
                .join("-")
        }
    }
}

/// `name(field=value,...)`.
fn settings(name: &str, fields: &[(&str, String)]) -> String {
    let fields: Vec<String> = fields.iter().map(|(f, v)| format!("{f}={v}")).collect();
    format!("{name}({})", fields.join(","))
}

/// The shortest text that reads back to `x`: plain for zero and magnitudes in
/// `[1e-4, 1e6)`, exponent form otherwise (`1e-8`).
fn number<T: Display + LowerExp + Into<f64> + Copy>(x: T) -> String {
    let m = x.into().abs();
    if m == 0.0 || (1e-4..1e6).contains(&m) || !m.is_finite() {
        format!("{x}")
    } else {
        format!("{x:e}")
    }
}

/// The labels of the values of the hyperparameter `name`: at least one
/// value, no two with the same label.
///
/// # Errors
/// [`ConfigError::Invalid`] naming `name`: an empty list, or a duplicate choice.
pub(super) fn unique_labels<T: Label>(
    name: &'static str,
    values: &[T],
) -> Result<Vec<String>, ConfigError> {
    if values.is_empty() {
        return Err(ConfigError::Invalid {
            name,
            reason: "needs at least one value".into(),
        });
    }
    let labels: Vec<String> = values.iter().map(Label::label).collect();
    for (i, l) in labels.iter().enumerate() {
        if labels[..i].contains(l) {
            return Err(ConfigError::Invalid {
                name,
                reason: format!("duplicate choice `{l}`"),
            });
        }
    }
    Ok(labels)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn init_labels() {
        let labels: Vec<String> = Init::ALL.iter().map(Label::label).collect();
        assert_eq!(
            labels,
            [
                "xavier_uniform",
                "xavier_normal",
                "he_uniform",
                "he_normal",
                "lecun_normal"
            ]
        );
    }

    #[test]
    fn activation_labels() {
        let cases = [
            (Activation::Relu, "relu"),
            (Activation::leaky_relu(), "leaky_relu"),
            (
                Activation::LeakyRelu { slope: 0.2 },
                "leaky_relu(slope=0.2)",
            ),
            (Activation::LeakyRelu { slope: 0.0 }, "leaky_relu(slope=0)"),
            (Activation::Sigmoid, "sigmoid"),
            (Activation::Tanh, "tanh"),
            (Activation::Identity, "identity"),
        ];
        for (a, label) in cases {
            assert_eq!(a.label(), label);
        }
    }

    #[test]
    fn optimizer_labels() {
        let cases = [
            (Optimizer::Gd, "gd"),
            (Optimizer::Sgd, "sgd"),
            (Optimizer::momentum(0.9), "momentum"),
            (Optimizer::momentum(0.5), "momentum(momentum=0.5)"),
            (Optimizer::nesterov(0.9), "nesterov"),
            (Optimizer::nesterov(0.95), "nesterov(momentum=0.95)"),
            (Optimizer::adam(), "adam"),
            (
                Optimizer::Adam {
                    beta1: 0.9,
                    beta2: 0.99,
                    epsilon: 1e-8,
                },
                "adam(beta1=0.9,beta2=0.99,epsilon=1e-8)",
            ),
            (Optimizer::adamw(0.01), "adamw"),
            (
                Optimizer::adamw(0.1),
                "adamw(beta1=0.9,beta2=0.999,epsilon=1e-8,weight_decay=0.1)",
            ),
            (Optimizer::rmsprop(), "rmsprop"),
            (
                Optimizer::RmsProp {
                    rho: 0.99,
                    epsilon: 1e-7,
                },
                "rmsprop(rho=0.99,epsilon=1e-7)",
            ),
        ];
        for (o, label) in cases {
            assert_eq!(o.label(), label);
        }
    }

    #[test]
    fn schedule_labels() {
        let cosine = Schedule::Cosine {
            steps: 60,
            floor: 0.01,
        };
        let cases = [
            (Schedule::Constant, "constant"),
            (Schedule::InverseSqrt, "inverse_sqrt"),
            (
                Schedule::InverseTime { decay: 0.1 },
                "inverse_time(decay=0.1)",
            ),
            (
                Schedule::Linear {
                    steps: 30,
                    floor: 0.0,
                },
                "linear(steps=30,floor=0)",
            ),
            (
                Schedule::Step {
                    every: 10,
                    gamma: 0.5,
                },
                "step(every=10,gamma=0.5)",
            ),
            (
                Schedule::Exponential { gamma: 0.95 },
                "exponential(gamma=0.95)",
            ),
            (cosine.clone(), "cosine(steps=60,floor=0.01)"),
            (
                cosine.with_warmup(5),
                "warmup(steps=5,then=cosine(steps=60,floor=0.01))",
            ),
        ];
        for (s, label) in cases {
            assert_eq!(s.label(), label);
        }
    }

    #[test]
    fn hidden_labels() {
        assert_eq!(vec![64, 32].label(), "64-32");
        assert_eq!(vec![128].label(), "128");
        assert_eq!(Vec::<usize>::new().label(), "none");
    }

    #[test]
    fn numbers_read_back_to_the_same_value() {
        assert_eq!(number(1e-8), "1e-8");
        assert_eq!(number(2.5e6), "2.5e6");
        assert_eq!(number(1e-4), "0.0001");
        assert_eq!(number(1.2e-5), "1.2e-5");
        assert_eq!(number(1.0), "1");
        // An f32 setting is written as the f32 it is, not its f64 widening.
        assert_eq!(number(0.01_f32), "0.01");
        for x in [0.1 + 0.2, 1.0 / 3.0, 1e-300, 123_456.789, -0.25] {
            assert_eq!(number(x).parse::<f64>().unwrap(), x, "{x}");
        }
    }

    /// A bare name means the value `name.parse()` gives, so it reads back.
    #[test]
    fn bare_names_parse_to_the_labelled_value() {
        for o in [
            Optimizer::Gd,
            Optimizer::Sgd,
            Optimizer::momentum(0.9),
            Optimizer::nesterov(0.9),
            Optimizer::adam(),
            Optimizer::adamw(0.01),
            Optimizer::rmsprop(),
        ] {
            assert_eq!(o.label().parse::<Optimizer>().unwrap(), o);
        }
        for a in [Activation::Relu, Activation::leaky_relu(), Activation::Tanh] {
            assert_eq!(a.label().parse::<Activation>().unwrap(), a);
        }
        for i in Init::ALL {
            assert_eq!(i.label().parse::<Init>().unwrap(), i);
        }
    }

    #[test]
    fn empty_and_duplicate_lists_are_invalid() {
        let reason = |r: Result<Vec<String>, ConfigError>| match r {
            Err(ConfigError::Invalid { name, reason }) => {
                assert_eq!(name, "optimizer");
                reason
            }
            other => panic!("expected an invalid setting, got {other:?}"),
        };
        assert_eq!(
            reason(unique_labels::<Optimizer>("optimizer", &[])),
            "needs at least one value"
        );
        let twice = [Optimizer::adam(), Optimizer::Sgd, Optimizer::adam()];
        assert_eq!(
            reason(unique_labels("optimizer", &twice)),
            "duplicate choice `adam`"
        );
        assert_eq!(
            unique_labels(
                "optimizer",
                &[Optimizer::momentum(0.5), Optimizer::momentum(0.9)]
            ),
            Ok(vec![
                "momentum(momentum=0.5)".to_owned(),
                "momentum".to_owned()
            ])
        );
    }
}
