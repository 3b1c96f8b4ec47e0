"""The demo world: ``manage.py load_demo`` (a realistic 2026-2027 school year in
Baihe), with the thread and the evaluation cycles it plays through the services.
The top layer: it may use every app, and none uses it."""
