"""The MQTT side of the ingest: a paho client whose messages go to ``services.ingest``.

Topic ``anju/iot/<community id>/<device code>``; payload a JSON object of metric values, e.g.
``{"leak": 1}`` or ``{"total": 1234.5, "at": "2026-11-27T08:00:00+08:00"}``. A message that
cannot be stored is logged with the reason and dropped (the device resends its state).

The same client subscribes to the topics other apps declare with ``AnjuAppConfig.mqtt_topics``
(the gate's ``anju/ack/<community id>/<device code>``) and hands those messages to them."""

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


def app_topics():
    """{topic filter: handler} of every app's ``mqtt_topics`` hook."""
    from anju.core.apps import anju_apps

    found = {}
    for config in anju_apps():
        found.update(config.mqtt_topics())
    return found


def dispatch(topic, payload, handlers):
    """Hand a message to the app whose filter matches it; telemetry otherwise."""
    import paho.mqtt.client as paho

    for pattern, handler in handlers.items():
        if paho.topic_matches_sub(pattern, topic):
            close_old_connections()
            try:
                return handler(topic, payload)
            except (ValueError, DomainError) as exc:
                log.warning(
                    "dropped MQTT message on %s: %s", topic, getattr(exc, "fields", None) or exc
                )
                return None
    return handle(topic, payload)


def connect(url, topic=TOPIC, echo=None):
    """A connected paho client subscribed to ``topic`` and the apps' topics; call
    ``loop_forever`` or ``loop_start`` on it."""
    import paho.mqtt.client as paho

    handlers = app_topics()

    parsed = urlparse(url)
    client = paho.Client(paho.CallbackAPIVersion.VERSION2, client_id="", clean_session=True)
    if parsed.username:
        client.username_pw_set(parsed.username, parsed.password)

    def on_connect(client, userdata, flags, reason_code, properties):
        client.subscribe([(topic, 1), *((pattern, 1) for pattern in handlers)])

    def on_message(client, userdata, message):
        result = dispatch(message.topic, message.payload, handlers)
        if echo is not None and isinstance(result, dict) and "accepted" in result:
            echo(f"{message.topic}: {result['accepted']} readings, {result['alarms']} alarms")
        elif echo is not None and result is not None:
            echo(f"{message.topic}: {result}")

    def on_disconnect(client, userdata, flags, reason_code, properties):
        connections.close_all()  # this network thread's database connection

    client.on_connect = on_connect
    client.on_message = on_message
    client.on_disconnect = on_disconnect
    client.connect(parsed.hostname or "127.0.0.1", parsed.port or 1883, keepalive=30)
    return client
