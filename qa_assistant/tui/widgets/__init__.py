"""The chat's widgets, one module each."""
