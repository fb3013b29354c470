"""protoguard's compatibility gate: git, buf, diff rules, pipeline and CLI."""

__version__ = "0.1.0"
