"""The version of stackatlas, in a module of its own so that any floor can import it without a cycle."""

__all__ = ["__version__"]

__version__ = "0.1.0"
