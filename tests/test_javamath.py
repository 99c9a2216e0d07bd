"""`java_exp` is Java 17's `Math.exp` on x86_64, bit for bit.

The reference is the JVM itself: tests/fixtures/javamath/ExpDump.java evaluates `Math.exp`
on special values and on a seeded stream of arguments (tests/javamath_stream.py regenerates
the stream in numpy). `math_exp.txt` holds 20,065 arguments with Java's results;
`stream_seed1.json` the sha256 of Java's results on 10^7 arguments.
"""

from __future__ import annotations

import hashlib
import json
import math
import shutil
import subprocess
from decimal import Context, Decimal
from pathlib import Path

import numpy as np
import pytest
from javamath_stream import stream_arguments

from oscnet.recipes import javamath
from oscnet.recipes.javamath import java_exp, java_exp_array, java_exp_numpy, java_exp_py

HERE = Path(__file__).parent / "fixtures" / "javamath"
STREAM = json.loads((HERE / "stream_seed1.json").read_text())


def bits(x: float) -> int:
    return int(np.float64(x).view(np.uint64))


def from_bits(b: int) -> float:
    return float(np.uint64(b).view(np.float64))


def read_fixture() -> tuple[np.ndarray, np.ndarray, int]:
    """(arguments, Java's results) as uint64 bits, and how many leading rows are special values."""
    lines = (HERE / "math_exp.txt").read_text().splitlines()
    header = [line for line in lines if line.startswith("#")]
    n_special = int(header[2].split(":")[1].split()[0])
    pairs = np.array([[int(h, 16) for h in line.split()] for line in lines if not line.startswith("#")],
                     dtype=np.uint64)
    return pairs[:, 0], pairs[:, 1], n_special


def test_every_fixture_argument_gives_javas_bits_compiled_in_numpy_and_in_plain_python():
    args, expected, _ = read_fixture()
    compiled = java_exp_array(args.view(np.float64)).view(np.uint64)
    assert np.array_equal(compiled, expected), f"{np.sum(compiled != expected)} of {len(args)} differ"
    assert np.array_equal(java_exp_numpy(args.view(np.float64)).view(np.uint64), expected)
    assert all(bits(java_exp(float(a))) == e for a, e in zip(args.view(np.float64)[:2000], expected[:2000]))
    python = [bits(java_exp_py(float(a))) for a in args.view(np.float64)]
    assert python == expected.tolist()


def test_the_fixture_stream_is_the_one_python_regenerates():
    args, _, n_special = read_fixture()
    assert np.array_equal(stream_arguments(2, len(args) - n_special).view(np.uint64), args[n_special:])


@pytest.mark.parametrize("x, expected", [
    (0.0, 1.0), (-0.0, 1.0), (5e-324, 1.0), (2.0**-55, 1.0),  # tiny arguments: 1 + x
    (math.inf, math.inf), (-math.inf, 0.0),
    (709.782712893384, 1.7976931348622732e308),  # the largest finite result
    (709.7827128933841, math.inf), (1e10, math.inf),  # overflow
    (-708.3964185322641, 2.2250738585072626e-308),  # the first normal result (rounded up)
    (-720.0, 2.0322308024e-313),  # a subnormal result
    (-745.1332191019411, 5e-324), (-745.1332191019412, 0.0), (-1e10, 0.0),  # underflow
    (1.0, 2.718281828459045), (-1.0, 0.36787944117144233),
])
def test_the_tails_and_special_values(x, expected):
    for f in (java_exp, java_exp_py):
        assert bits(f(x)) == bits(expected), (f, x)


def test_nan_stays_nan_with_its_payload_quietened():
    for payload in (0x7FF8000000000000, 0x7FF0000000000001, 0xFFF8000000000123):
        for f in (java_exp, java_exp_py):
            assert bits(f(from_bits(payload))) == payload | 0x0008000000000000


def test_this_is_not_what_numpy_or_fdlibm_compute():
    """Why the module exists: glibc's exp (numpy, numba's math.exp) rounds differently."""
    args, expected, n_special = read_fixture()
    x = args[n_special:].view(np.float64)
    sigmoid_range = np.abs(x) <= 45
    with np.errstate(all="ignore"):
        glibc = np.exp(x).view(np.uint64)
    differ = (glibc != expected[n_special:]) & sigmoid_range
    assert 0.001 < differ.sum() / sigmoid_range.sum() < 0.2


def test_the_computed_constants_are_what_their_names_say():
    ln2 = Decimal(2).ln(Context(prec=80))
    assert abs(Decimal(javamath._C0) - 64 / ln2) <= Decimal(math.ulp(javamath._C0)) / 2
    assert Decimal(javamath._L2HI) + Decimal(javamath._L2LO) - ln2 / 64 < Decimal(2) ** -100
    with_context = Context(prec=80)
    for j, t_hi in enumerate(javamath._T_HI):
        exact = with_context.power(Decimal(2), Decimal(j) / 64)
        assert Decimal(float(t_hi)) <= exact < Decimal(float(t_hi)) + Decimal(math.ulp(float(t_hi)))
        # T_LO is data from the stub: close to the relative remainder, not always its rounding
        rel = (exact - Decimal(float(t_hi))) / Decimal(float(t_hi))
        assert abs(Decimal(float(javamath._T_LO[j])) - rel) <= Decimal("1.5") * Decimal(math.ulp(float(rel)))


def test_java_exp_array_keeps_the_shape():
    x = np.array([[0.0, 1.0], [-1.0, 800.0]])
    assert java_exp_array(x).shape == (2, 2)
    assert java_exp_array(x)[1, 1] == math.inf
    assert java_exp_array(0.0).shape == ()


@pytest.mark.slow
def test_ten_million_arguments_give_the_recorded_java_results():
    x = stream_arguments(STREAM["seed"], STREAM["count"])
    assert hashlib.sha256(x.tobytes()).hexdigest() == STREAM["arguments_sha256"]
    ours = java_exp_array(x)
    assert hashlib.sha256(ours.tobytes()).hexdigest() == STREAM["results_sha256"]


def run_expdump(tmp_path: Path, *args: str, jvm_flags: tuple[str, ...] = ()) -> np.ndarray:
    classes = tmp_path / "classes"
    subprocess.run(["javac", "-d", str(classes), str(HERE / "ExpDump.java")], check=True)
    out = tmp_path / "results.bin"
    subprocess.run(["java", *jvm_flags, "-cp", str(classes), "ExpDump", "stream", *args, str(out)],
                   check=True, capture_output=True)
    return np.fromfile(out, dtype="<u8")


@pytest.mark.slow
@pytest.mark.skipif(not (shutil.which("java") and shutil.which("javac")), reason="needs java and javac")
def test_ten_million_arguments_against_this_machines_jvm(tmp_path):
    java = run_expdump(tmp_path, str(STREAM["seed"]), str(STREAM["count"]))
    ours = java_exp_array(stream_arguments(STREAM["seed"], STREAM["count"])).view(np.uint64)
    differ = np.nonzero(java != ours)[0]
    assert len(differ) == 0, f"{len(differ)} of {len(java)} differ, first at argument {differ[:5]}"


@pytest.mark.slow
@pytest.mark.skipif(not (shutil.which("java") and shutil.which("javac")), reason="needs java and javac")
def test_the_interpreter_computes_the_same_bits(tmp_path):
    """-Xint: HotSpot's interpreter calls the same stub as its compilers (so do C1 and C2)."""
    java = run_expdump(tmp_path, "3", "200000", jvm_flags=("-Xint",))
    assert np.array_equal(java, java_exp_array(stream_arguments(3, 200000)).view(np.uint64))
