"""A clickstream collector compatible with Divolte Collector."""

__version__ = "0.1.0"
