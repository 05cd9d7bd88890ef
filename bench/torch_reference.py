"""The ceiling beside bench/gpu.ts on the same GPU: PyTorch's float32 matmul (cuBLAS, TF32 off and on)
and a PyTorch MLP fit of the same shape (262,144 x 32, 5 classes, Adam, batch 4096, 5 epochs).
A reference for the figures only; the service never imports Python. Prints a table and one JSON line."""

import json
import time

import torch

assert torch.cuda.is_available(), "no CUDA device"
dev = torch.device("cuda")
out = {"device": torch.cuda.get_device_name(0)}


def bench_matmul(n, tf32, reps=20):
    torch.backends.cuda.matmul.allow_tf32 = tf32
    a = torch.rand(n, n, device=dev) - 0.5
    b = torch.rand(n, n, device=dev) - 0.5
    for _ in range(3):
        a @ b
    torch.cuda.synchronize()
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    start.record()
    for _ in range(reps):
        a @ b
    end.record()
    torch.cuda.synchronize()
    ms = start.elapsed_time(end) / reps
    return 2 * n**3 / (ms * 1e6)


out["matmul"] = {
    f"{n}_{'tf32' if tf32 else 'fp32'}": bench_matmul(n, tf32) for n in (1024, 2048, 4096) for tf32 in (False, True)
}
torch.backends.cuda.matmul.allow_tf32 = False


def fit(hidden, rows=262_144, cols=32, classes=5, batch=4096, epochs=5):
    g = torch.Generator(device="cpu").manual_seed(0)
    centres = torch.rand(classes, cols, generator=g) * 1.2 - 0.6
    y = torch.randint(0, classes, (rows,), generator=g)
    x = centres[y] + torch.randn(rows, cols, generator=g)
    x, y = x.to(dev), y.to(dev)
    layers, width = [], cols
    for h in hidden:
        layers += [torch.nn.Linear(width, h), torch.nn.ReLU()]
        width = h
    model = torch.nn.Sequential(*layers, torch.nn.Linear(width, classes)).to(dev)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.CrossEntropyLoss()

    def epoch():
        perm = torch.randperm(rows, device=dev)
        for i in range(0, rows, batch):
            idx = perm[i : i + batch]
            opt.zero_grad(set_to_none=True)
            loss_fn(model(x[idx]), y[idx]).backward()
            opt.step()

    epoch()  # warm-up
    torch.cuda.synchronize()
    t0 = time.perf_counter()
    for _ in range(epochs):
        epoch()
    torch.cuda.synchronize()
    return rows * epochs / (time.perf_counter() - t0)


out["fit_rows_per_s"] = {",".join(map(str, h)): fit(h) for h in ((256, 128), (1024, 1024))}
print(f"torch {torch.__version__} on {out['device']}")
for k, v in out["matmul"].items():
    print(f"  matmul {k}: {v:,.0f} GFLOP/s")
for k, v in out["fit_rows_per_s"].items():
    print(f"  fit ({k}) batch 4096: {v:,.0f} rows/s")
print(json.dumps(out))
