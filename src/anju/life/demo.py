"""The community-life part of ``anju demo`` (filled below)."""


def build(ctx):
    return None
