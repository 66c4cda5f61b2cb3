"""The MQTT side of the ingest: a paho client whose messages go to ``services.ingest``.

Topic ``anju/iot/<community id>/<device code>``; payload a JSON object of metric values, e.g.
``{"leak": 1}`` or ``{"total": 1234.5, "at": "2026-11-27T08:00:00+08:00"}``. A message that
cannot be stored is logged with the reason and dropped (the device resends its state)."""

import json
import logging
from urllib.parse import urlparse

from django.db import close_old_connections, connections

from anju.core.errors import DomainError
from anju.core.models import Community

from . import services

TOPIC = "anju/iot/+/+"
log = logging.getLogger("anju.iot.mqtt")


def rows_of(topic, payload):
    """(community id, rows) of one message; ValueError when it is not ours or not JSON."""
    parts = topic.split("/")
    if len(parts) != 4 or parts[:2] != ["anju", "iot"] or not parts[2].isdigit():
        raise ValueError(f"not an Anju device topic: {topic}")
    data = json.loads(payload)
    if not isinstance(data, dict):
        raise ValueError("the payload must be a JSON object of metric values")
    at = data.pop("at", None)
    return int(parts[2]), [
        {"device": parts[3], "metric": metric, "value": value, "at": at}
        for metric, value in data.items()
    ]


def handle(topic, payload):
    """Store one message; returns the ingest summary, or None when it was dropped."""
    close_old_connections()
    try:
        community_id, rows = rows_of(topic, payload)
        community = Community.objects.get(pk=community_id)
        return services.ingest(community, rows, source="mqtt")
    except (ValueError, Community.DoesNotExist, DomainError) as exc:
        log.warning("dropped MQTT message on %s: %s", topic, getattr(exc, "fields", None) or exc)
        return None


def connect(url, topic=TOPIC, echo=None):
    """A connected paho client subscribed to ``topic``; call ``loop_forever`` or
    ``loop_start`` on it."""
    import paho.mqtt.client as paho

    parsed = urlparse(url)
    client = paho.Client(paho.CallbackAPIVersion.VERSION2, client_id="", clean_session=True)
    if parsed.username:
        client.username_pw_set(parsed.username, parsed.password)

    def on_connect(client, userdata, flags, reason_code, properties):
        client.subscribe(topic, qos=1)

    def on_message(client, userdata, message):
        result = handle(message.topic, message.payload)
        if echo is not None and result is not None:
            echo(f"{message.topic}: {result['accepted']} readings, {result['alarms']} alarms")

    def on_disconnect(client, userdata, flags, reason_code, properties):
        connections.close_all()  # this network thread's database connection

    client.on_connect = on_connect
    client.on_message = on_message
    client.on_disconnect = on_disconnect
    client.connect(parsed.hostname or "127.0.0.1", parsed.port or 1883, keepalive=30)
    return client
