"""Reference methods, one module per course module (used by solutions, checks and later modules)."""
