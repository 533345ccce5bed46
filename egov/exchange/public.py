"""exchange: the room of this subsystem, ready for the issue that builds it.

The G2G information mediator: members and their keys, data products, access rights, consent, signed messages and the message log.

Every read of a person's data by another app or deployment goes through this module (rule 2).

This module is the app's only interface to other apps (ids in, frozen dataclasses
out); it is empty until the subsystem is built.
"""
