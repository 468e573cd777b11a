"""The kinds of refusal the rewrites of the ports work around (for grouping the report)."""

WRITE = "writes into arrays"
LIST = "lists, comprehensions, tuples"
CLOSURE = "closures and function values"
MISSING = "missing functions"
FORM = "signatures and small forms"
RECURSION = "recursion"
NESTED = "nested differentiation"
