"""The notebooks here are inputs and goldens of tests/build, not tests.

nbval collects every ``*.ipynb`` under the given paths when ``--nbval`` is on; a bare
``pytest --nbval`` (testpaths = tests) must not run these.
"""

collect_ignore_glob = ["*.ipynb"]
