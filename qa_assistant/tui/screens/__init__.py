"""The chat's screens, one module each."""
