"""The accounts part of ``anju demo``: filled in below (claims and household members)."""


def build(ctx):
    return None
