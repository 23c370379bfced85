"""Reproductions of published experiments.

Each runs from the command line as ``python -m replay_lab.experiments.<name>``.
"""
