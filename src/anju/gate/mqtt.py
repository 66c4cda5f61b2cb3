"""The gateways' acknowledgements over MQTT.

A gateway that received ``{"command": 17, "action": "open", ...}`` on
``anju/cmd/<community id>/<device code>`` answers on ``anju/ack/<community id>/<device code>``
with ``{"command": 17, "ok": true, "result": "opened"}``; ``anju iot_listen`` hands the message
here (``GateConfig.mqtt_topics``). HTTP gateways use ``POST /api/v1/gate/commands/<id>/ack/``."""

import json

from . import services

ACK_TOPIC = "anju/ack/+/+"


def ack_topic(community_id, device_code):
    return f"anju/ack/{community_id}/{device_code}"


def handle_ack(topic, payload):
    """Acknowledge the command named in the message; ValueError when it is not ours."""
    parts = topic.split("/")
    if len(parts) != 4 or parts[:2] != ["anju", "ack"] or not parts[2].isdigit():
        raise ValueError(f"not an Anju acknowledgement topic: {topic}")
    data = json.loads(payload)
    if not isinstance(data, dict) or not isinstance(data.get("command"), int):
        raise ValueError('the payload must be a JSON object with the "command" id')
    ok = data.get("ok", True)
    if not isinstance(ok, bool):
        raise ValueError('"ok" must be true or false')
    command = services.acknowledge_from_device(
        community_id=int(parts[2]),
        device_code=parts[3],
        command_id=data["command"],
        ok=ok,
        result=str(data.get("result") or ""),
    )
    return f"command {command.pk} {command.status}"
