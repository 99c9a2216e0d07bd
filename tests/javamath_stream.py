"""The seeded argument stream of tests/fixtures/javamath/ExpDump.java, regenerated in numpy.

Argument i comes from the i-th output of SplitMix64(seed), in one of ten kinds chosen by
i % 10; every step is exact or one IEEE operation, so these are the doubles Java made.
"""

from __future__ import annotations

import numpy as np

# Bits of the doubles the stream's last kind clusters around (the same list as ExpDump.CENTRES).
CENTRES = np.array([
    0x40862E42FEFA39EF, 0xC0874910D52D3051, 0xC086232BDD7ABCD2, 0xC0874385446D71C3,
    0xC0835D6E94BCF511, 0xC0862336F49C3C4F, 0xC08743905B8EF140, 0x408628AC5718FBE3,
    0x3C90000000000000, 0xBC90000000000000, 0x4090000000000000, 0xC090000000000000,
    0x4046800000000000, 0xC046800000000000, 0x0000000000000000, 0x3FF0000000000000,
], dtype=np.uint64).view(np.int64)
LN2_64 = np.array([0x3F862E42FEFA39EF], dtype=np.uint64).view(np.float64)[0]


def splitmix64(seed: int, count: int) -> np.ndarray:
    """SplitMix64's first `count` outputs from state `seed`, as uint64 (count,)."""
    u = np.uint64
    state = np.arange(1, count + 1, dtype=u) * u(0x9E3779B97F4A7C15) + u(seed % 2**64)  # wraps mod 2^64
    z = (state ^ (state >> u(30))) * u(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> u(27))) * u(0x94D049BB133111EB)
    return z ^ (z >> u(31))


def stream_arguments(seed: int, count: int) -> np.ndarray:
    """ExpDump's arguments 0..count−1 for `seed`, float64 (count,)."""
    u = np.uint64
    z = splitmix64(seed, count)
    kind = np.arange(count) % 10
    unit = (z >> u(11)).astype(np.float64) * 2.0**-53
    x = np.empty(count)
    for k, (lo, width) in {0: (-750.0, 1500.0), 1: (-50.0, 100.0), 2: (-1.0, 2.0), 4: (700.0, 12.0),
                           5: (-746.0, 46.0), 7: (-1100.0, 2200.0)}.items():
        x[kind == k] = lo + width * unit[kind == k]
    sel = kind == 3  # log-uniform magnitudes 2^-64 .. 2^4, random sign and mantissa
    e = u(1023 - 64) + ((z[sel] >> u(52)) & u(0x7FF)) % u(68)
    x[sel] = ((z[sel] & u(0x800FFFFFFFFFFFFF)) | (e << u(52))).view(np.float64)
    sel = kind == 6  # any bit pattern
    x[sel] = z[sel].view(np.float64)
    sel = kind == 8  # k·ln2/128 nudged by −8..7 ulps
    k = ((z[sel] >> u(40)) % u(190001)).astype(np.int64) - 95000
    near = (k * 0.5) * LN2_64
    x[sel] = (near.view(np.int64) + ((z[sel] & u(15)).astype(np.int64) - 8)).view(np.float64)
    sel = kind == 9  # within 2^15 ulps of a centre
    c = CENTRES[((z[sel] >> u(32)) % u(len(CENTRES))).astype(np.int64)]
    x[sel] = (c + ((z[sel] & u(0xFFFF)).astype(np.int64) - 0x8000)).view(np.float64)
    return x
