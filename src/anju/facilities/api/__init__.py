"""REST API of the facilities app (see views.register)."""
