"""A copy of ../shared/anchors/optuna_torch_digits.py, changed only to print the retrained
network's test log loss too (`train` returns it beside the accuracy, `test_log_loss` in the
JSON line): examples/e2e_digits.rs needs it and the shared anchor is read-only.

End-to-end anchor: what a Python user does today — Optuna tuning a PyTorch MLP on digits.

Space (same as autotune's default): learning rate log [1e-5, 1], batch size int log [8, 512],
init {xavier_uniform, xavier_normal, he_uniform, he_normal, lecun_normal}, L2 strength log
[1e-7, 1e-1]. Network 64-128-10 ReLU, Adam, 20 epochs. Objective: validation cross-entropy.
Split: stratified 60/20/20 (seeded). Best config retrained on train+val, scored on test.
Usage: python optuna_torch_digits.py {tpe|gp} N_TRIALS SEED
"""
import sys, time, math, json, warnings
import numpy as np, torch, optuna
warnings.filterwarnings("ignore"); optuna.logging.set_verbosity(optuna.logging.WARNING)
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
torch.set_num_threads(1)

sampler_name, n_trials, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
X, y = load_digits(return_X_y=True)
Xtv, Xte, ytv, yte = train_test_split(X, y, test_size=0.2, stratify=y, random_state=seed)
Xtr, Xva, ytr, yva = train_test_split(Xtv, ytv, test_size=0.25, stratify=ytv, random_state=seed)

def scale(fit, *others):
    s = StandardScaler().fit(fit)
    return [torch.tensor(s.transform(a), dtype=torch.float32) for a in (fit,) + others]

INITS = {
    "xavier_uniform": torch.nn.init.xavier_uniform_, "xavier_normal": torch.nn.init.xavier_normal_,
    "he_uniform": lambda w: torch.nn.init.kaiming_uniform_(w, nonlinearity="relu"),
    "he_normal": lambda w: torch.nn.init.kaiming_normal_(w, nonlinearity="relu"),
    "lecun_normal": lambda w: torch.nn.init.normal_(w, 0.0, 1.0 / math.sqrt(w.shape[1])),
}

def train(p, Xa, ya, Xb, yb, tseed):
    torch.manual_seed(tseed)
    net = torch.nn.Sequential(torch.nn.Linear(64, 128), torch.nn.ReLU(), torch.nn.Linear(128, 10))
    for m in net:
        if isinstance(m, torch.nn.Linear): INITS[p["init"]](m.weight); torch.nn.init.zeros_(m.bias)
    opt = torch.optim.Adam(net.parameters(), lr=p["lr"])
    ya_t, lossf = torch.tensor(ya), torch.nn.CrossEntropyLoss()
    bs = min(p["batch_size"], len(Xa))
    for _ in range(20):
        perm = torch.randperm(len(Xa))
        for i in range(0, len(Xa), bs):
            idx = perm[i:i + bs]
            l2 = sum((m.weight ** 2).sum() for m in net if isinstance(m, torch.nn.Linear))
            loss = lossf(net(Xa[idx]), ya_t[idx]) + p["l2"] * l2
            opt.zero_grad(); loss.backward(); opt.step()
    with torch.no_grad():
        out = net(Xb); vl = lossf(out, torch.tensor(yb)).item()
        acc = (out.argmax(1).numpy() == yb).mean()
    return (vl if math.isfinite(vl) else 1e3), acc, vl

Xtr_t, Xva_t = scale(Xtr, Xva)
def objective(trial):
    p = {"lr": trial.suggest_float("lr", 1e-5, 1.0, log=True),
         "batch_size": trial.suggest_int("batch_size", 8, 512, log=True),
         "init": trial.suggest_categorical("init", list(INITS)),
         "l2": trial.suggest_float("l2", 1e-7, 1e-1, log=True)}
    return train(p, Xtr_t, ytr, Xva_t, yva, seed * 1000 + trial.number)[0]

sampler = optuna.samplers.TPESampler(seed=seed) if sampler_name == "tpe" else optuna.samplers.GPSampler(seed=seed)
study = optuna.create_study(sampler=sampler)
t0 = time.perf_counter(); study.optimize(objective, n_trials=n_trials); wall = time.perf_counter() - t0
Xtv_t, Xte_t = scale(Xtv, Xte)
_, test_acc, test_log_loss = train(study.best_params, Xtv_t, ytv, Xte_t, yte, seed)
print(json.dumps({"sampler": sampler_name, "trials": n_trials, "seed": seed, "best_val_loss": study.best_value,
                  "test_accuracy": float(test_acc), "test_log_loss": test_log_loss, "study_wall_s": round(wall, 2), "best_params": study.best_params}))
