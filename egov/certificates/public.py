"""certificates: the room of this subsystem, ready for the issue that builds it.

Signed civil documents: PAdES-signed PDF issuance, confirmation numbers, public verification, e-certificates, the wallet and revocation.

This module is the app's only interface to other apps (ids in, frozen dataclasses
out); it is empty until the subsystem is built.
"""
