import time
import pytest
pytestmark = pytest.mark.django_db

def test_build():
    import sys; sys.path.insert(0, "/work/wt/tenancy/tests")
    from walk_world import build
    from django.apps import apps
    t = time.time()
    build()
    print("BUILD", time.time() - t)
    for m in apps.get_models():
        if m.__module__.startswith("anju"):
            print(m.__name__, m.objects.count() if hasattr(m.objects, "count") else "")
