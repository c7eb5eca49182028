# The production image: the same code serves the web pages (gunicorn), the Celery worker and beat.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml README.md ./
RUN pip install --no-cache-dir .
COPY . .
# Compiled once here: with PYTHONDONTWRITEBYTECODE every command would otherwise compile the app at start.
RUN python -m compileall -q config common people registry inventory printing backlog desks public manage.py
RUN DEBUG=1 python manage.py collectstatic --noinput
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
