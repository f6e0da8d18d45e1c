"""`python -m auren_agent run|report` — see the README."""

import argparse
import os
import sys

from . import consumer, report


def main() -> int:
    parser = argparse.ArgumentParser(prog="auren-agent", description="A LangGraph agent that acts on the AUREN bridge's mode switches.")
    parser.add_argument("--bootstrap-servers", default=os.environ.get("KAFKA_BOOTSTRAP_SERVERS"), help="Kafka (default: KAFKA_BOOTSTRAP_SERVERS)")
    parser.add_argument("--database-url", default=os.environ.get("AGENT_DATABASE_URL", ""),
                        help="PostgreSQL for the graph's checkpoints and agent_actions (default: AGENT_DATABASE_URL, else libpq's PG* variables)")
    parser.add_argument("--topic", default="neuros-mode-switches")
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="consume switches and apply them (until SIGTERM)")
    run.add_argument("--group", default="auren-agent", help="Kafka consumer group (default: auren-agent)")
    run.add_argument("--session-timeout", type=float, default=45, metavar="SECONDS",
                     help="how long the group waits for a silent member before reassigning its partitions (default: 45)")
    run.add_argument("--idle-exit", type=float, metavar="SECONDS", help="exit once caught up and this long without a switch")
    run.add_argument("--hold", metavar="POINT:N", help="for crash tests: freeze at before-step:N or before-commit:N")

    show = commands.add_parser("report", help="per user, the switches next to the agent's actions; exit 1 on any mismatch")
    show.add_argument("--bridge-url", help="also ask the bridge's GET /v1/users/{id}/mode")
    show.add_argument("--api-key", default=os.environ.get("AGENT_API_KEY"), help="bearer key for --bridge-url (default: AGENT_API_KEY)")

    arguments = parser.parse_args()
    if not arguments.bootstrap_servers:
        parser.error("set --bootstrap-servers or KAFKA_BOOTSTRAP_SERVERS")
    if arguments.command == "run":
        try:
            consumer.Hold(arguments.hold)
        except ValueError as error:
            parser.error(str(error))
        return consumer.main(consumer.Settings(
            bootstrap_servers=arguments.bootstrap_servers, database_url=arguments.database_url, topic=arguments.topic,
            group=arguments.group, session_timeout=arguments.session_timeout, idle_exit=arguments.idle_exit, hold=arguments.hold))
    return report.report(arguments.bootstrap_servers, arguments.database_url, arguments.topic, arguments.bridge_url, arguments.api_key)


if __name__ == "__main__":
    sys.exit(main())
