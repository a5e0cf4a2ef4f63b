#!/usr/bin/env python3
"""scikit-learn's MLPClassifier on the same jobs as `cargo bench --bench nn_train`.

Trains on all 1797 digits (read from data/digits.csv.gz, standardised), one
thread, Adam, the same networks, batch sizes and number of epochs as the Rust
bench, with no validation split, no early stopping (tol=0 and
n_iter_no_change larger than the epochs) and no L2 penalty (alpha=0), and
prints the median samples/s over several fits.

Run from the crate root:  python3 benches/sklearn_mlp.py [--epochs 5] [--repeats 7]
"""

import os

# One thread for every BLAS/OpenMP runtime numpy may use; set before importing numpy.
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS"):
    os.environ[var] = "1"

import argparse  # noqa: E402
import gzip  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402
import sklearn  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.neural_network import MLPClassifier  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

CASES = [((128,), 32), ((256, 256), 256)]


def digits():
    path = os.path.join(os.path.dirname(__file__), "..", "data", "digits.csv.gz")
    with gzip.open(path, "rt") as f:
        data = np.loadtxt(f, delimiter=",")
    x, y = data[:, :64], data[:, 64].astype(int)
    sd = x.std(axis=0)
    sd[sd == 0] = 1.0
    return (x - x.mean(axis=0)) / sd, y


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    x, y = digits()
    n = len(y)
    print(f"scikit-learn {sklearn.__version__}, numpy {np.__version__}, one thread, "
          f"{args.epochs} epochs of {n} digits, median of {args.repeats} fits")
    print("| network | batch | samples/s |")
    print("|---|---|---|")
    with threadpool_limits(limits=1), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for hidden, batch in CASES:
            times = []
            for seed in range(args.repeats):
                clf = MLPClassifier(
                    hidden_layer_sizes=hidden,
                    activation="relu",
                    solver="adam",
                    alpha=0.0,
                    batch_size=batch,
                    learning_rate_init=1e-3,
                    max_iter=args.epochs,
                    tol=0.0,
                    n_iter_no_change=args.epochs + 1,
                    early_stopping=False,
                    shuffle=True,
                    random_state=seed,
                )
                start = time.perf_counter()
                clf.fit(x, y)
                times.append(time.perf_counter() - start)
                assert clf.n_iter_ == args.epochs
            rate = n * args.epochs / statistics.median(times)
            net = "-".join(str(s) for s in (64, *hidden, 10))
            print(f"| {net} | {batch} | {rate:.0f} |")


if __name__ == "__main__":
    main()
