# The production image: granian for the web (as docker-compose.yml runs it), the same image for the Celery
# worker and beat.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app

COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

COPY . .
# collectstatic needs settings but no secrets: give it a throwaway key for this step only.
RUN SECRET_KEY=collectstatic-only-placeholder-not-a-secret-0123456789abcdef DEBUG=0 python manage.py collectstatic --noinput \
    && useradd --system --uid 10001 app && mkdir -p /app/var && chown app /app/var
USER app

EXPOSE 8000
CMD ["granian", "--interface", "wsgi", "--host", "0.0.0.0", "--port", "8000", "--workers", "3", \
     "--blocking-threads", "4", "--http", "1", "--no-ws", "--respawn-failed-workers", "config.wsgi:application"]
