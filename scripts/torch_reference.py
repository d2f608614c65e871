#!/usr/bin/python3
"""Reference numbers for tests/native/test_batch_norm_torch.cpp from torch.nn.BatchNorm1d.

Run with Debian's python3-torch:  /usr/bin/python3 scripts/torch_reference.py
It prints the C++ initialisers pasted into that test. Inputs are drawn in float32 (so the same
values are exact in the float and the double build of the core) and everything is then computed
in float64, so the printed numbers are torch's to about 1e-16.

The sequence (momentum 0.1, eps 1e-5, 3 features, batches of 6):
  1. training forward on x0, then backward of sum(y * dy) -> y_train, dx, dgamma, dbeta
  2. training forwards on x1 and x2
  3. running_mean, running_var after these 3 steps (running_var from the unbiased variance)
  4. evaluation forward on xe with the running statistics -> y_eval
Layout: torch is batch x features; the core is features x batch, so every matrix is printed
transposed (one row per feature).
"""
import torch

FEATURES, BATCH = 3, 6
torch.manual_seed(20261201)


def draw(scale=1.0, shift=0.0):
    return (torch.randn(BATCH, FEATURES, dtype=torch.float32) * scale + shift).to(torch.float64)


x0, x1, x2 = draw(2.0, 1.0), draw(0.5, -3.0), draw(1.5, 0.25)
xe = draw(1.0, 0.5)
dy = draw()
gamma = torch.tensor([1.5, -0.75, 0.5], dtype=torch.float64)
beta = torch.tensor([0.25, 1.0, -2.0], dtype=torch.float64)

bn = torch.nn.BatchNorm1d(FEATURES, eps=1e-5, momentum=0.1, dtype=torch.float64)
with torch.no_grad():
    bn.weight.copy_(gamma)
    bn.bias.copy_(beta)

bn.train()
x = x0.clone().requires_grad_(True)
y_train = bn(x)
(y_train * dy).sum().backward()
bn(x1)
bn(x2)
bn.eval()
with torch.no_grad():
    y_eval = bn(xe)


def matrix(name, t):
    t = t.detach()
    if t.dim() == 2:
        t = t.t()  # features x batch
        rows = [", ".join(f"{v:.17g}" for v in row) for row in t.tolist()]
        body = ",\n    ".join(rows)
        print(f"const MatD {name} = rows({t.shape[0]}, {t.shape[1]}, {{\n    {body}}});")
    else:
        body = ", ".join(f"{v:.17g}" for v in t.tolist())
        print(f"const MatD {name} = rows({t.shape[0]}, 1, {{{body}}});")


print(f"// torch {torch.__version__}, torch.nn.BatchNorm1d({FEATURES}, eps=1e-5, momentum=0.1), float64;")
print("// made by scripts/torch_reference.py (seed 20261201)")
for name, t in [("x0", x0), ("x1", x1), ("x2", x2), ("xe", xe), ("dy", dy), ("gamma", gamma), ("beta", beta),
                ("y_train", y_train), ("dx", x.grad), ("dgamma", bn.weight.grad), ("dbeta", bn.bias.grad),
                ("running_mean", bn.running_mean), ("running_var", bn.running_var), ("y_eval", y_eval)]:
    matrix(name, t)
print(f"// num_batches_tracked = {int(bn.num_batches_tracked)}")
