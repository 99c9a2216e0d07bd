"""java.util.Random, so the `weka` recipe draws exactly the numbers Weka draws."""

from __future__ import annotations

_MULT = 0x5DEECE66D
_ADD = 0xB
_MASK = (1 << 48) - 1


class JavaRandom:
    """Java's 48-bit linear congruential generator (java.util.Random), draw for draw."""

    def __init__(self, seed: int = 0) -> None:
        self._state = (seed ^ _MULT) & _MASK

    def __repr__(self) -> str:
        return f"JavaRandom(state=0x{self._state:012x})"

    def next(self, bits: int) -> int:
        """The top `bits` bits of the next state, as Java's signed 32-bit int."""
        self._state = (self._state * _MULT + _ADD) & _MASK
        value = self._state >> (48 - bits)
        # Java returns an int: only next(32) can set the sign bit.
        return value - (1 << 32) if value >= 1 << 31 else value

    def next_double(self) -> float:
        """A double in [0, 1) built from 26 + 27 random bits, exactly as Java does."""
        return ((self.next(26) << 27) + self.next(27)) * 2.0**-53

    def next_int(self, bound: int) -> int:
        """A uniform int in [0, bound), with Java's rejection of the biased top range."""
        if bound <= 0:
            raise ValueError("bound must be positive")
        r = self.next(31)
        if bound & (bound - 1) == 0:  # a power of two: take the top bits
            return (bound * r) >> 31
        while True:
            v = r % bound
            if r - v + (bound - 1) < 1 << 31:  # no signed 32-bit overflow in Java
                return v
            r = self.next(31)
