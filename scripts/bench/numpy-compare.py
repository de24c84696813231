#!/usr/bin/env python3
"""One Marion-Chizat run on the paper's schedule in plain NumPy (issue 19): gradient descent on
R(theta) = (1/n) ||y - X w||^2, w^T = W_L ... W_1 (docs/math.md §2.1), with the reference code's
sharpness estimate every `every` steps: `iterations` steps of v <- Hv / ||Hv|| from a fresh
Gaussian start, returning ||Hv|| of the second-to-last step (docs/algorithms.md §2.8). The
Hessian-vector products are exact, by differentiating the chain's prefix and suffix products
along V (forward over reverse), as the core does. Reads the data, the initial weights and the
schedule as JSON on stdin (written by numpy-compare.js); prints JSON: wall and CPU seconds, final loss, last
estimate, products."""
import json
import sys
import time

import numpy as np


def main():
    cfg = json.load(sys.stdin)
    widths = cfg["widths"]
    X = np.array(cfg["X"], dtype=np.float64).reshape(-1, widths[0])
    y = np.array(cfg["y"], dtype=np.float64)
    n = X.shape[0]
    L = len(widths) - 1
    flat = np.array(cfg["weights"], dtype=np.float64)
    Ws, k = [], 0
    for l in range(L):
        r, c = widths[l + 1], widths[l]
        Ws.append(flat[k:k + r * c].reshape(r, c).copy())
        k += r * c
    eta, steps, every, iterations = cfg["eta"], cfg["steps"], cfg["every"], cfg["iterations"]
    Sxx = X.T @ X / n
    Sxy = X.T @ y / n
    rng = np.random.default_rng(cfg.get("seed", 0))

    def prefixes(W):
        P = [np.eye(widths[0])]
        for l in range(L):
            P.append(W[l] @ P[-1])
        return P  # P[l] = W_l ... W_1

    def suffixes(W):
        S = [None] * (L + 1)
        S[L] = np.eye(widths[L])
        for l in range(L - 1, -1, -1):
            S[l] = S[l + 1] @ W[l]
        return S  # S[l] = W_L ... W_{l+1}

    def loss_grad(W):
        P, S = prefixes(W), suffixes(W)
        A = P[L]  # 1 x d0
        loss = float((A @ Sxx @ A.T)[0, 0] - 2 * (A @ Sxy)[0] + y @ y / n)
        G = 2 * (A @ Sxx - Sxy)  # dR/dA
        return loss, [S[l + 1].T @ G @ P[l].T for l in range(L)], P, S, G

    def hvp(W, P, S, G, V):
        dP = [np.zeros_like(P[0])]
        for l in range(L):
            dP.append(V[l] @ P[l] + W[l] @ dP[-1])
        dS = [None] * (L + 1)
        dS[L] = np.zeros_like(S[L])
        for l in range(L - 1, -1, -1):
            dS[l] = dS[l + 1] @ W[l] + S[l + 1] @ V[l]
        dG = 2 * dP[L] @ Sxx
        return [dS[l + 1].T @ G @ P[l].T + S[l + 1].T @ dG @ P[l].T + S[l + 1].T @ G @ dP[l].T for l in range(L)]

    def norm(V):
        return float(np.sqrt(sum(float(np.sum(v * v)) for v in V)))

    def power(W, P, S, G):
        V = [rng.standard_normal(w.shape) for w in W]
        s = norm(V)
        V = [v / s for v in V]
        estimate, current = 1.0, 1.0
        for _ in range(iterations):
            estimate = current
            HV = hvp(W, P, S, G, V)
            current = norm(HV)
            V = [h / current for h in HV]
        return estimate

    t0, c0 = time.perf_counter(), time.process_time()
    products, last = 0, float("nan")
    for step in range(steps + 1):
        loss, grad, P, S, G = loss_grad(Ws)
        if step % every == 0:
            last = power(Ws, P, S, G)
            products += iterations
        if step == steps:
            break
        Ws = [w - eta * g for w, g in zip(Ws, grad)]
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(json.dumps({"seconds": seconds, "cpuSeconds": cpu, "finalLoss": loss, "lastEstimate": last, "products": products,
                      "numpy": np.__version__}))


if __name__ == "__main__":
    main()
