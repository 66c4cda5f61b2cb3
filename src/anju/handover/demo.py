"""The handover's part of ``anju demo``: nothing to add. The console page lists the demo
company's communities, and exporting one makes a package of the demo's data at once."""


def build(ctx):
    return None
