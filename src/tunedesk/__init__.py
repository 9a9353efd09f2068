"""tunedesk: turn a company's own support history into a support model it owns."""

__version__ = "0.1.0"
