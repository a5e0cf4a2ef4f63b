"""Trains fixed configurations with PyTorch exactly as the anchor's `train` does
(../shared/anchors/optuna_torch_digits.py: 64-128-10 ReLU MLP, Adam, 20 epochs, a fresh
randperm each epoch with the last partial batch kept, L2 as `l2 * sum(w**2)` over the weights
added to the mini-batch loss, one torch thread), on the rows of a split written by
write_split.py, for examples/trainer_parity.rs.

Usage: python torch_train.py SPLIT_DIR SEED CONFIGS_JSON
CONFIGS_JSON: a list of {"lr", "batch_size", "init", "l2"}. Prints one JSON line per
configuration: the validation loss after the last epoch, the lowest over the epochs, and the
test accuracy and log loss of the network after the last epoch (features scaled on train)."""
import sys, json, math
import numpy as np, torch
torch.set_num_threads(1)

split_dir, seed, configs = sys.argv[1], int(sys.argv[2]), json.loads(sys.argv[3])

def load(name):
    a = np.loadtxt(f"{split_dir}/{name}.csv", delimiter=",", skiprows=1)
    return a[:, :-1], a[:, -1].astype(np.int64)

(Xtr, ytr), (Xva, yva), (Xte, yte) = load("train"), load("valid"), load("test")
mu, sd = Xtr.mean(0), Xtr.std(0)
sd[sd == 0] = 1.0
t = lambda a: torch.tensor((a - mu) / sd, dtype=torch.float32)
Xtr_t, Xva_t, Xte_t = t(Xtr), t(Xva), t(Xte)

INITS = {
    "xavier_uniform": torch.nn.init.xavier_uniform_, "xavier_normal": torch.nn.init.xavier_normal_,
    "he_uniform": lambda w: torch.nn.init.kaiming_uniform_(w, nonlinearity="relu"),
    "he_normal": lambda w: torch.nn.init.kaiming_normal_(w, nonlinearity="relu"),
    "lecun_normal": lambda w: torch.nn.init.normal_(w, 0.0, 1.0 / math.sqrt(w.shape[1])),
}

for i, p in enumerate(configs):
    torch.manual_seed(seed * 1000 + i)
    net = torch.nn.Sequential(torch.nn.Linear(64, 128), torch.nn.ReLU(), torch.nn.Linear(128, 10))
    for m in net:
        if isinstance(m, torch.nn.Linear): INITS[p["init"]](m.weight); torch.nn.init.zeros_(m.bias)
    opt = torch.optim.Adam(net.parameters(), lr=p["lr"])
    ya_t, lossf = torch.tensor(ytr), torch.nn.CrossEntropyLoss()
    bs = min(p["batch_size"], len(Xtr_t))
    losses = []
    for _ in range(20):
        perm = torch.randperm(len(Xtr_t))
        for j in range(0, len(Xtr_t), bs):
            idx = perm[j:j + bs]
            l2 = sum((m.weight ** 2).sum() for m in net if isinstance(m, torch.nn.Linear))
            loss = lossf(net(Xtr_t[idx]), ya_t[idx]) + p["l2"] * l2
            opt.zero_grad(); loss.backward(); opt.step()
        with torch.no_grad():
            losses.append(lossf(net(Xva_t), torch.tensor(yva)).item())
    with torch.no_grad():
        out = net(Xte_t)
        acc = float((out.argmax(1).numpy() == yte).mean())
        ll = lossf(out, torch.tensor(yte)).item()
    print(json.dumps({"config": i, "last_val_loss": losses[-1], "min_val_loss": min(losses),
                      "test_accuracy": acc, "test_log_loss": ll}))
