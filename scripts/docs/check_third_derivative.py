"""Numerical check of the third-derivative recursion of docs/math.md §5 (univariate regression).

Independent of the core: NumPy implementations of the gradient (docs/math.md §3.3), the
Hessian-vector product (docs/math.md §4.2) and the third derivative D3R[u, v, .] (docs/math.md §5.2)
on random data with widths (4, 3, 5, 2, 3), a random projection p and an L2 term, compared with
  - Richardson-extrapolated central differences of the exact H v along u,
  - the chain-rule closed form of docs/math.md §5.3 (sums over assignments of directions to layers),
  - the symmetries u <-> v and <D3[u, v], z> = <D3[u, z], v>,
  - for u = v, the finite-difference gradient of v^T H(theta) v.
With --break, the recursion drops its V_k^T a_k^u term, and the checks must fail.

Usage: python3 scripts/docs/check_third_derivative.py [--break]   (needs NumPy)
"""
import itertools
import sys

import numpy as np

BREAK = '--break' in sys.argv
rng = np.random.default_rng(3)
n, widths = 12, [4, 3, 5, 2, 3]
L = len(widths) - 1
X = rng.normal(size=(n, widths[0]))
y = rng.normal(size=n)
Sigma = X.T @ X / n
c = X.T @ y / n
l2 = 0.07
p = rng.normal(size=widths[-1])


def params(scale):
    return [scale * rng.normal(size=(widths[k + 1], widths[k])) for k in range(L)]


def suffix(W):
    """a[k] = W_{L:k+1}^T p for k = 0..L (layers 1-based: W_k is W[k - 1])."""
    a = [None] * (L + 1)
    a[L] = p
    for k in range(L, 0, -1):
        a[k - 1] = W[k - 1].T @ a[k]
    return a


def prefix(W, g):
    """b[k] = W_{k-1:1} g for k = 1..L."""
    b = [None] * (L + 1)
    b[1] = g
    for k in range(1, L):
        b[k + 1] = W[k - 1] @ b[k]
    return b


def loss(W):
    return np.mean((y - X @ suffix(W)[0]) ** 2) + l2 * sum((Wk ** 2).sum() for Wk in W)


def grad(W):
    a = suffix(W)
    b = prefix(W, 2 * (Sigma @ a[0] - c))
    return [np.outer(a[k], b[k]) + 2 * l2 * W[k - 1] for k in range(1, L + 1)]


def first(W, a, b, D):
    """The first-order sweeps of docs/math.md §4.2 along D."""
    da = [None] * (L + 1)
    da[L] = np.zeros_like(p)
    for k in range(L, 0, -1):
        da[k - 1] = W[k - 1].T @ da[k] + D[k - 1].T @ a[k]
    db = [None] * (L + 1)
    db[1] = 2 * Sigma @ da[0]
    for k in range(1, L):
        db[k + 1] = W[k - 1] @ db[k] + D[k - 1] @ b[k]
    return da, db


def hvp(W, V):
    a = suffix(W)
    b = prefix(W, 2 * (Sigma @ a[0] - c))
    da, db = first(W, a, b, V)
    return [np.outer(da[k], b[k]) + np.outer(a[k], db[k]) + 2 * l2 * V[k - 1] for k in range(1, L + 1)]


def third(W, U, V):
    """D3R[u, v, .] by the recursion of docs/math.md §5.2."""
    a = suffix(W)
    b = prefix(W, 2 * (Sigma @ a[0] - c))
    au, bu = first(W, a, b, U)
    av, bv = first(W, a, b, V)
    auv = [None] * (L + 1)
    auv[L] = np.zeros_like(p)
    for k in range(L, 0, -1):
        auv[k - 1] = W[k - 1].T @ auv[k] + U[k - 1].T @ av[k] + (0 if BREAK else V[k - 1].T @ au[k])
    buv = [None] * (L + 1)
    buv[1] = 2 * Sigma @ auv[0]
    for k in range(1, L):
        buv[k + 1] = W[k - 1] @ buv[k] + U[k - 1] @ bv[k] + V[k - 1] @ bu[k]
    return [np.outer(auv[k], b[k]) + np.outer(av[k], bu[k]) + np.outer(au[k], bv[k]) + np.outer(a[k], buv[k])
            for k in range(1, L + 1)]


def flat(M):
    return np.concatenate([m.ravel() for m in M])


def add(W, D, t):
    return [Wk + t * Dk for Wk, Dk in zip(W, D)]


def richardson(f, h):
    d1 = (f(h) - f(-h)) / (2 * h)
    d2 = (f(h / 2) - f(-h / 2)) / h
    return (4 * d2 - d1) / 3


W, U, V, Z = params(0.7), params(1.0), params(1.0), params(1.0)
checks = []
h = 1e-6
fd = (loss(add(W, Z, h)) - loss(add(W, Z, -h))) / (2 * h)
checks.append(('gradient vs central difference', abs(flat(grad(W)) @ flat(Z) - fd) / abs(fd), 1e-8))
fdh = (flat(grad(add(W, V, h))) - flat(grad(add(W, V, -h)))) / (2 * h)
checks.append(('HVP vs central difference', np.linalg.norm(flat(hvp(W, V)) - fdh) / np.linalg.norm(fdh), 1e-8))

T = flat(third(W, U, V))
fd3 = richardson(lambda t: flat(hvp(add(W, U, t), V)), 1e-3)
checks.append(('D3R[u, v, .] vs central difference of H v along u', np.linalg.norm(T - fd3) / np.linalg.norm(fd3), 1e-10))
checks.append(('symmetry u <-> v', np.linalg.norm(T - flat(third(W, V, U))) / np.linalg.norm(T), 1e-14))
checks.append(('<D3[u, v], z> = <D3[u, z], v>', abs(T @ flat(Z) - flat(third(W, U, Z)) @ flat(V)) / abs(T @ flat(Z)), 1e-14))


def dw(dirs):
    """D^m w along the given directions: a sum over their assignments to distinct layers."""
    total = np.zeros(widths[0])
    for layers in itertools.permutations(range(L), len(dirs)):
        M = list(W)
        for D, l in zip(dirs, layers):
            M[l] = D[l]
        total += suffix(M)[0]
    return total


g = 2 * (Sigma @ suffix(W)[0] - c)
closed = g @ dw([U, V, Z]) + 2 * (dw([U, V]) @ Sigma @ dw([Z]) + dw([U, Z]) @ Sigma @ dw([V]) + dw([V, Z]) @ Sigma @ dw([U]))
checks.append(('closed form (docs/math.md §5.3) vs recursion', abs(closed - T @ flat(Z)) / abs(closed), 1e-13))
fdq = richardson(lambda t: flat(hvp(add(W, Z, t), V)) @ flat(V), 1e-3)
checks.append(('u = v: gradient of v^T H v', abs(flat(third(W, V, V)) @ flat(Z) - fdq) / abs(fdq), 1e-10))

failed = 0
for name, err, tol in checks:
    ok = err <= tol
    failed += not ok
    print(f'{"ok  " if ok else "FAIL"} {name}: {err:.2e} (tolerance {tol:.0e})')
sys.exit(1 if failed else 0)
