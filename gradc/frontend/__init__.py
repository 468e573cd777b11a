"""Front end: read a module's source without running it and lower functions to SSA IR."""
