"""`agent_actions`: one row per switch the agent applied."""

import psycopg

SCHEMA = """
CREATE TABLE IF NOT EXISTS agent_actions (
    switch_id  text PRIMARY KEY,
    user_id    text NOT NULL,
    mode       text NOT NULL,
    stance     text NOT NULL,
    acted_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS agent_actions_user ON agent_actions (user_id, acted_at);
"""


class AgentActions:
    """Writes the effect of a switch. Keyed by switch id, so the write a crash
    interrupted before the graph's checkpoint can run again harmlessly."""

    def __init__(self, connection: psycopg.Connection):
        self.connection = connection

    def setup(self) -> None:
        self.connection.execute(SCHEMA)

    def record(self, switch: dict, stance: str) -> None:
        self.connection.execute(
            "INSERT INTO agent_actions (switch_id, user_id, mode, stance) VALUES (%s, %s, %s, %s) ON CONFLICT (switch_id) DO NOTHING",
            (switch["switch_id"], switch["user_id"], switch["new_mode"], stance),
        )

    def by_switch(self) -> dict[str, tuple[str, str]]:
        """Every action: switch id → (user id, stance)."""
        rows = self.connection.execute("SELECT switch_id, user_id, stance FROM agent_actions").fetchall()
        return {switch_id: (user, stance) for switch_id, user, stance in rows}
