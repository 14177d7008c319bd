"""A local mail world of real servers on loopback: Dovecot, an SMTP server, a DNS server and a CA."""

from .world import DEMO_USERS, Sandbox, SandboxUser

__all__ = ["DEMO_USERS", "Sandbox", "SandboxUser"]
