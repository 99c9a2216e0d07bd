"""osc layer."""
