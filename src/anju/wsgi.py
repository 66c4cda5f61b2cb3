import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "anju.settings")
application = get_wsgi_application()

# Everything loaded so far (modules, settings, URL patterns, translations) lives as long as the
# process: move it out of the garbage collector's sight, so that collections during requests
# scan only what requests allocate (and forked workers share these pages instead of copying them).
gc.collect()
gc.freeze()
