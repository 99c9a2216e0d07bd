"""oscnet: Wekinator-compatible interactive machine learning over OSC, headless."""

__all__ = ["Session"]


def __getattr__(name: str) -> object:
    """`from oscnet import Session` without importing the live tool for `import oscnet.nn.network`."""
    if name == "Session":
        from oscnet.live.session import Session

        return Session
    raise AttributeError(f"module 'oscnet' has no attribute {name!r}")
