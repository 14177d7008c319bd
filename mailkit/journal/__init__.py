"""The mail journal: every message imported or sent, where it sits, and every run."""

from .parse import ParsedMessage, QuarantineReason, parse_message
from .store import Journal, Location

__all__ = ["Journal", "Location", "ParsedMessage", "QuarantineReason", "parse_message"]
