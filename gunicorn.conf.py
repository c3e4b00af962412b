"""Gunicorn settings read from the project folder (README, "Running it for real").

The command line still says how many workers and where to listen; this only
adds what every worker should do once the app is loaded.
"""

import gc


def post_worker_init(worker):
    # The app's modules, templates and translations live as long as the worker: keep them out of
    # the garbage collector's full passes, which a page over thousands of families triggers.
    gc.freeze()
    # A page over thousands of families allocates some 50 000 rows and objects, nearly all freed by
    # reference counting when it is answered; at the default threshold (700) the collector ran ~200
    # times a page, a few of them full passes over every summary the worker keeps (bench/README.md).
    gc.set_threshold(20_000, 20, 10)
