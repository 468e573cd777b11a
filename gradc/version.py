"""gradc's version: a leaf module, so the cache and the code generator can name it
without importing the package's public API."""

__version__ = "0.1.0"
