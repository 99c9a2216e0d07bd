"""java.util.Random gives Java's own check values (spec weka-mlp.md §1)."""

from oscnet.recipes.javarandom import JavaRandom


def test_next_double_matches_java():
    r = JavaRandom(0)
    assert [r.next_double() for _ in range(3)] == [0.730967787376657, 0.24053641567148587, 0.6374174253501083]
    r = JavaRandom(42)
    assert [r.next_double() for _ in range(2)] == [0.7275636800328681, 0.6832234717598454]


def test_next_32_bits_are_signed_like_a_java_int():
    r = JavaRandom(0)
    assert [r.next(32) for _ in range(3)] == [-1155484576, -723955400, 1033096058]


def test_next_int_with_falling_bounds_is_wekas_shuffle_sequence():
    r = JavaRandom(0)
    assert [r.next_int(b) for b in range(10, 1, -1)] == [0, 7, 1, 2, 5, 3, 2, 0, 1]


def test_next_int_powers_of_two_and_large_bounds():
    r = JavaRandom(0)
    assert [r.next_int(8) for _ in range(3)] == [5, 6, 1]
    assert [r.next_int(1000) for _ in range(3)] == [447, 515, 53]


def test_next_int_rejects_the_biased_top_range():
    # bound 2^30 + 1: about half of all next(31) values must be redrawn; every result stays in range.
    r = JavaRandom(7)
    bound = (1 << 30) + 1
    assert all(0 <= r.next_int(bound) < bound for _ in range(2000))
