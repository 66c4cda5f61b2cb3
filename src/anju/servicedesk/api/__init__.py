"""Service-desk REST API (API contract of issue 3): ``tickets`` (the ticket viewset),
``views`` (return visits, SLA, KPIs, roster; ``register`` and ``urlpatterns``) and
``serializers``."""
