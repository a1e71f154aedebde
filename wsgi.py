"""Entry point for a WSGI server: ``gunicorn wsgi:app``."""
from webapp import create_app

app = create_app()
