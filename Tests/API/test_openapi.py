"""Schemathesis against a live ingress, from docs/openapi.yaml.

Run by scripts/api-test, which starts the mock Kafka cluster, PostgreSQL and
`biometric-bridge serve --role ingress` and sets the variables read below.
The credentials schemathesis means to be valid (set by `Credentials`) are
placeholders that `SigningSession` turns into real signatures over the exact
bytes sent, so generated bodies reach the ingress's checks behind the
signature; credentials schemathesis leaves out or spoils itself stay as they
are and must be refused. Checks: no 5xx, status codes, content types and
bodies as documented, authentication enforced; and at the end every 2xx
answer is durable in Kafka: each 202's body is exactly one record, and
nothing else was written.
"""

import base64
import hashlib
import hmac
import json
import os
import time
import uuid

import requests
import schemathesis
from confluent_kafka import Consumer, TopicPartition
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

BASE_URL = os.environ["API_TEST_URL"]
BOOTSTRAP = os.environ["KAFKA_BOOTSTRAP_SERVERS"]
STANDARD_SECRET = base64.b64decode(os.environ["API_TEST_STANDARD_SECRET"].removeprefix("whsec_"))
OURA_SECRET = os.environ["OURA_CLIENT_SECRET"].encode()
WHOOP_SECRET = os.environ["WHOOP_CLIENT_SECRET"].encode()
HEALTHKIT_API_KEY = os.environ["HEALTHKIT_API_KEYS"]
AGENT_API_KEY = os.environ["AGENT_API_KEYS"]
EXAMPLES = int(os.environ.get("API_TEST_EXAMPLES", "200"))
TOPICS = ("biometric-events", "biometric-events.dlq", "provider-notifications")

schema = schemathesis.openapi.from_path(os.path.join(os.path.dirname(__file__), "../../docs/openapi.yaml"))


SIGN = "sign-me"


@schema.auth(refresh_interval=None, retry_on=[])
class Credentials:
    """Valid credentials for the route, as placeholders the session signs."""

    def get(self, case, context):
        return True

    def set(self, case, data, context):
        path = context.operation.path
        if path == "/webhooks/oura":
            names = ["x-oura-signature", "x-oura-timestamp"]
        elif path == "/webhooks/whoop":
            names = ["x-whoop-signature", "x-whoop-signature-timestamp"]
        elif path == "/healthkit/batch":
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {HEALTHKIT_API_KEY}"}
            return
        elif path.startswith("/v1/users/"):
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {AGENT_API_KEY}"}
            return
        else:
            names = ["webhook-id", "webhook-timestamp", "webhook-signature"]
        case.headers = {**(case.headers or {}), **{name: SIGN for name in names}}


class SigningSession(requests.Session):
    """Signs each request whose credentials are placeholders, over the exact
    bytes sent, and remembers every accepted body, so the end of the run can
    find each one in Kafka."""

    def __init__(self):
        super().__init__()
        self.accepted = []
        self.answers = {}

    def send(self, request, **kwargs):
        body = request.body or b""
        if isinstance(body, str):
            body = body.encode()
        self.sign(request.headers, body)
        response = super().send(request, **kwargs)
        self.answers[response.status_code] = self.answers.get(response.status_code, 0) + 1
        if response.status_code == 202:
            self.accepted.append(body)
        return response

    @staticmethod
    def sign(headers, body):
        now = int(time.time())
        if headers.get("x-oura-signature") == SIGN:
            headers["x-oura-timestamp"] = str(now)
            headers["x-oura-signature"] = hmac.new(OURA_SECRET, str(now).encode() + body, hashlib.sha256).hexdigest()
        if headers.get("x-whoop-signature") == SIGN:
            stamp = str(now * 1000)
            mac = hmac.new(WHOOP_SECRET, stamp.encode() + body, hashlib.sha256).digest()
            headers["x-whoop-signature-timestamp"] = stamp
            headers["x-whoop-signature"] = base64.b64encode(mac).decode()
        if headers.get("webhook-signature") == SIGN:
            delivery = f"msg_{uuid.uuid4().hex}"
            mac = hmac.new(STANDARD_SECRET, f"{delivery}.{now}.".encode() + body, hashlib.sha256).digest()
            headers["webhook-id"] = delivery
            headers["webhook-timestamp"] = str(now)
            headers["webhook-signature"] = "v1," + base64.b64encode(mac).decode()


SESSION = SigningSession()


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_answer_is_as_documented(case):
    # Not "every schema-valid request is accepted": two of the ingress's rules
    # have no JSON Schema form — ids count bytes, not characters, and an
    # array of pushes must name one user — and both are answered 400 as
    # documented. Every other check, negative data rejected included, runs.
    case.call_and_validate(base_url=BASE_URL, session=SESSION, excluded_checks=[positive_data_acceptance])


def test_zz_every_accepted_request_is_one_kafka_record():
    """Runs last (pytest keeps file order): all records of both topics,
    against the bodies answered 202."""
    assert SESSION.accepted, f"no request was accepted; answers by status: {SESSION.answers}"
    consumer = Consumer({"bootstrap.servers": BOOTSTRAP, "group.id": f"api-test-{uuid.uuid4()}", "enable.auto.commit": False})
    records = []
    try:
        metadata = consumer.list_topics(timeout=10)
        partitions = [TopicPartition(topic, p, 0) for topic in TOPICS for p in metadata.topics[topic].partitions]
        ends = {(tp.topic, tp.partition): consumer.get_watermark_offsets(tp, timeout=10)[1] for tp in partitions}
        remaining = sum(ends.values())
        consumer.assign(partitions)
        deadline = time.monotonic() + 60
        while remaining > 0 and time.monotonic() < deadline:
            message = consumer.poll(1)
            if message is None or message.error():
                continue
            records.append(message.value() or b"")
            remaining -= 1
    finally:
        consumer.close()
    print(f"\nanswers by status: {dict(sorted(SESSION.answers.items()))}; "
          f"{len(SESSION.accepted)} accepted, {len(records)} records in {', '.join(TOPICS)}")
    assert sorted(records) == sorted(SESSION.accepted)
