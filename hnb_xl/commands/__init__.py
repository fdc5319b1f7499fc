"""Subcommands of `hnb-xl`; each module has ``register(subparsers)``."""
