"""Code generation: IR -> readable Python/NumPy source, rendered with astor."""
