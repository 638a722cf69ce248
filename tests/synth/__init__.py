"""Tests of coursekit.synth (a package: helper modules are imported relatively)."""
