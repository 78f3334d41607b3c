"""Embedding providers: the protocol, the registry, local and remote implementations."""
