"""Federation between deployments: signed member registries, signed messages, and their evidence (ADR 0060).

- :mod:`.configuration`: this deployment's signed member registry and the trusted registries of others;
- :mod:`.messages`: the JWS request and response, and the refusal reasons of the federation;
- :mod:`.client`: send a signed request to another deployment's member and verify its signed answer;
- :mod:`.server`: answer a signed request from a trusted member through the gate;
- :mod:`.evidence`: export any exchange as a self-contained file and verify it offline.
"""
