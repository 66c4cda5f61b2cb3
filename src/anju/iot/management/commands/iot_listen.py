"""``anju iot_listen``: the MQTT consumer. Subscribes to ``anju/iot/<community id>/<device
code>`` on ``MQTT_URL`` (or ``--url``); each message is a JSON object of metric values, with an
optional ``at`` (ISO 8601), stored through the same ingest as the HTTP batch. The broker's ACLs
decide who may publish to a community's topics."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from anju.iot import mqtt


class Command(BaseCommand):
    help = "Consume device telemetry from MQTT (anju/iot/<community>/<device>)."

    def add_arguments(self, parser):
        parser.add_argument("--url", default=settings.MQTT_URL or "mqtt://127.0.0.1:1883")
        parser.add_argument("--topic", default=mqtt.TOPIC)

    def handle(self, *args, url, topic, **options):
        try:
            client = mqtt.connect(url, topic, echo=self.stdout.write)
        except OSError as exc:
            raise CommandError(f"cannot reach the MQTT broker at {url}: {exc}") from exc
        self.stdout.write(f"Listening on {url} for {topic} (Ctrl-C to stop)")
        try:
            client.loop_forever()
        except KeyboardInterrupt:
            client.disconnect()
