"""mnist layer."""
