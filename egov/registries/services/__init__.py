"""Writes to the base registries: one module per registry, each change a dated event with its cause.

Every service is keyword-only, runs in one transaction and takes a
:class:`egov.registries.history.Cause`; bad input raises
:class:`egov.core.errors.ValidationError` naming the record and the field, and
changes nothing. The checks they share (one :class:`~egov.registries.services.checks.Problems`
per request, dates, texts, references, field labels) are in
:mod:`egov.registries.services.checks`.
"""
