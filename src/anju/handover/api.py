"""No API of its own: a handover package is a file, made and downloaded through the console
page (``/console/handover/``) or the ``anju export_community`` and ``import_community``
commands."""
