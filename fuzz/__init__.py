"""Coverage-guided fuzzing of every msgkit entry point that reads untrusted input.

``python -m fuzz TARGET --runs N`` runs one target (see ``fuzz/README.md``); the targets and
their invariants are in :mod:`fuzz.targets`.
"""
