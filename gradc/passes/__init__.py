"""Passes: pure ``Function -> Function`` transformations over the SSA IR."""
