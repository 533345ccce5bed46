"""procurement: the room of this subsystem, ready for the issue that builds it.

The G2B single window (KONEPS): suppliers, tenders, sealed bids, opening, award, contracts, complaints and OCDS publication.

This module is the app's only interface to other apps (ids in, frozen dataclasses
out); it is empty until the subsystem is built.
"""
