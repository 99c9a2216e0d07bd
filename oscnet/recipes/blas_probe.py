"""Numba's start-up BLAS probe, answered without importing all of `scipy.linalg`.

Why: the first compiled call in a process (even one loaded from numba's disk cache) sets up
numba's CPU target, which imports `numba.np.arraymath`, which checks that BLAS exists by
importing `scipy.linalg.cython_blas`. Importing that runs `scipy/linalg/__init__.py`, which pulls
in scipy's array-API layer, which touches every numpy submodule (numpy.f2py, numpy.ma, ...):
the largest single part of `oscnet train`'s start-up (`oscnet bench startup` shows it).

`cython_blas` itself is one self-contained extension module: loading it by itself under its
own name gives numba the same probe answer and the same BLAS functions (numba reads them from
the module's `__pyx_capi__` through `sys.modules`), and a later `import scipy.linalg` finds it
there and carries on. If anything about it is not as expected, nothing is done: numba then
imports `scipy.linalg` as usual, only slower.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

NAME = "scipy.linalg.cython_blas"


def preload_cython_blas() -> None:
    """Load `scipy.linalg.cython_blas` alone, unless it (or scipy.linalg) is loaded already."""
    if NAME in sys.modules or "scipy.linalg" in sys.modules:
        return
    try:
        import scipy

        folder = Path(scipy.__file__).parent / "linalg"
        found = sorted(folder.glob("cython_blas.*.so")) + sorted(folder.glob("cython_blas.*.pyd"))
        if not found:
            return
        spec = importlib.util.spec_from_file_location(NAME, found[0])
        if spec is None or spec.loader is None:
            return
        module = importlib.util.module_from_spec(spec)
        sys.modules[NAME] = module
        try:
            spec.loader.exec_module(module)
        except BaseException:
            del sys.modules[NAME]
            raise
    except Exception:  # an optimisation only: numba imports scipy.linalg itself, as before
        return
