"""The SSA intermediate form: data types, primitives, printer, verifier, interpreter."""
