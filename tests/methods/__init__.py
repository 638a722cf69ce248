"""Tests of coursekit.methods (a package, so that test module names such as test_rfm.py
can also exist under tests/exercises/ without clashing)."""
