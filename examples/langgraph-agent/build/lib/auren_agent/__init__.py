"""A LangGraph agent beside the AUREN Biometric Bridge.

It consumes `neuros-mode-switches`, runs one LangGraph thread per user
(`thread_id` = user id) whose state is checkpointed in PostgreSQL by
`PostgresSaver`, and records each switch it applies in `agent_actions`.
Each switch takes effect exactly once, whatever crashes: the graph remembers
the switch ids it applied, and Kafka offsets are committed only after the
graph's step is checkpointed.
"""
