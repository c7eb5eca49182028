"""docker-compose.yml cannot be run here (no Docker engine), so it is read against the settings it feeds,
and the image's build context is made from .dockerignore as Docker would make it."""
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
APP_SERVICES = ("web", "worker", "beat", "migrate")
# What .env gives compose itself, not the app's settings.
COMPOSE_SECRETS = {"POSTGRES_PASSWORD", "MINIO_ROOT_USER", "MINIO_ROOT_PASSWORD"}


def interpolated(value) -> str:
    """A value as compose gives it to the container with no .env: ${NAME:-default} is the default, a secret is "pw"."""
    return re.sub(r"\$\{[A-Z_]+\}", "pw", re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", str(value)))


def variable(value) -> str:
    """The .env variable a compose value is made of: ${NAME}, ${NAME:-default} or ${NAME:?message}."""
    return re.fullmatch(r"\$\{([A-Z_]+)(?:[:?-][^}]*)?\}", value).group(1)


def settings_reads():
    """Environment variables config/settings.py reads (plus DATABASE_URL, read by dj-database-url)."""
    source = (ROOT / "config" / "settings.py").read_text()
    names = set(re.findall(r'(?:os\.environ\.get|env_bool|env_list)\(\s*"([A-Z0-9_]+)"', source))
    return names | {"DATABASE_URL"}


def test_compose_has_the_production_parts():
    assert set(SERVICES) >= {"db", "redis", "minio", "bucket", *APP_SERVICES}
    assert SERVICES["db"]["image"].startswith("postgres:15")
    assert SERVICES["redis"]["image"].startswith("redis:")
    assert "celery" in SERVICES["worker"]["command"] and "worker" in SERVICES["worker"]["command"]
    assert "beat" in SERVICES["beat"]["command"]
    assert "gunicorn" in " ".join(SERVICES["web"]["command"])


def test_every_variable_compose_sets_is_one_the_settings_read():
    reads = settings_reads()
    example = [line.split("=", 1)[0] for line in (ROOT / ".env.example").read_text().splitlines() if "=" in line and not line.startswith("#")]
    for service in APP_SERVICES:
        assert set(SERVICES[service]["environment"]) <= reads, service
    assert set(example) - COMPOSE_SECRETS <= reads
    assert {"SECRET_KEY", "ALLOWED_HOSTS"} <= set(example)


def test_the_app_services_point_at_the_compose_database_and_broker():
    db = SERVICES["db"]["environment"]
    for service in APP_SERVICES:
        env = SERVICES[service]["environment"]
        assert re.fullmatch(rf"postgres://{db['POSTGRES_USER']}:\$\{{POSTGRES_PASSWORD\}}@db:5432/{db['POSTGRES_DB']}", env["DATABASE_URL"])
        assert env["CELERY_BROKER_URL"].startswith("redis://redis:6379/")
        assert env["DEBUG"] == "0"


def test_the_settings_under_compose_use_postgresql_and_a_real_broker():
    env = {key: value for key, value in os.environ.items() if key not in {"DATABASE_URL", "CELERY_BROKER_URL"}}
    env.update({key: interpolated(value) for key, value in SERVICES["web"]["environment"].items()})
    env.update({"SECRET_KEY": "x" * 50, "ALLOWED_HOSTS": "ektp.example.go.id", "DJANGO_SETTINGS_MODULE": "config.settings"})
    probe = (
        "import json, django; django.setup(); from django.conf import settings as s; from config.celery import app;"
        "print(json.dumps([s.DATABASES['default']['ENGINE'], s.DATABASES['default']['HOST'], s.CELERY_TASK_ALWAYS_EAGER,"
        " app.conf.broker_url, s.DEBUG, sorted(app.conf.beat_schedule)]))"
    )
    out = subprocess.run([sys.executable, "-c", probe], env=env, cwd=ROOT, capture_output=True, text=True, check=True).stdout
    engine, host, eager, broker, debug, beat = json.loads(out)
    assert (engine, host, eager, debug) == ("django.db.backends.postgresql", "db", False, False)
    assert broker == "redis://redis:6379/0"
    assert beat == ["remove-old-upload-files", "sweep-due-work"]


def compose_settings(service, probe):
    """What `probe` prints with the settings of `service` under compose (no .env: defaults, secrets "pw")."""
    env = {key: value for key, value in os.environ.items() if key not in {"DATABASE_URL", "CELERY_BROKER_URL", "MEDIA_ROOT"}}
    env.update({key: interpolated(value) for key, value in SERVICES[service]["environment"].items()})
    env.update({"SECRET_KEY": "x" * 50, "ALLOWED_HOSTS": "ektp.example.go.id", "DJANGO_SETTINGS_MODULE": "config.settings"})
    code = f"import json, django; django.setup(); from django.conf import settings as s; print(json.dumps({probe}))"
    return json.loads(subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=True).stdout)


def test_web_and_worker_keep_the_uploaded_files_in_the_compose_bucket():
    """The page stores an upload and any worker imports it: one S3 bucket (MinIO), no container's own disk."""
    bucket = SERVICES["bucket"]["environment"]["BUCKET"]
    minio = SERVICES["minio"]["environment"]
    for service in ("web", "worker"):
        storage = compose_settings(service, "s.STORAGES['default']")
        assert storage["BACKEND"] == "storages.backends.s3.S3Storage", service
        options = storage["OPTIONS"]
        assert options["bucket_name"] == interpolated(bucket) == "ektp-uploads"
        assert options["endpoint_url"] == "http://minio:9000" and options["addressing_style"] == "path"
        env = SERVICES[service]["environment"]
        # The bucket's own account, from the same variables of .env.
        assert variable(env["AWS_ACCESS_KEY_ID"]) == variable(minio["MINIO_ROOT_USER"]) == "MINIO_ROOT_USER"
        assert variable(env["AWS_SECRET_ACCESS_KEY"]) == variable(minio["MINIO_ROOT_PASSWORD"]) == "MINIO_ROOT_PASSWORD"
        assert "volumes" not in SERVICES[service], f"{service} keeps files of its own"
    assert "mc mb --ignore-existing" in " ".join(SERVICES["bucket"]["entrypoint"])
    assert {"miniodata:/data"} == set(SERVICES["minio"]["volumes"]) and "miniodata" in COMPOSE["volumes"]


def test_migrations_run_once_before_any_web_or_worker_container_starts():
    migrate = SERVICES["migrate"]
    assert migrate["command"] == ["python", "manage.py", "migrate", "--noinput"]
    assert migrate["restart"] == "no" and migrate["depends_on"]["db"]["condition"] == "service_healthy"
    for service in ("web", "worker"):
        assert "migrate" not in " ".join(SERVICES[service]["command"]), service
        assert SERVICES[service]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}, service
        assert SERVICES[service]["depends_on"]["bucket"] == {"condition": "service_completed_successfully"}, service
    assert "migrate" not in re.search(r"^CMD .*$", (ROOT / "Dockerfile").read_text(), re.M).group(0)


def test_web_and_worker_can_run_many_of_each():
    """`--scale web=N --scale worker=M`: no fixed name or host port, and what one process keeps every other one sees."""
    assert not [name for name, service in SERVICES.items() if "container_name" in service]
    for service in ("web", "worker"):
        assert "ports" not in SERVICES[service] and "volumes" not in SERVICES[service], service
        shared = compose_settings(service, "[s.CACHES['default'], s.SESSION_ENGINE, s.MESSAGE_STORAGE, s.AXES_HANDLER]")
        cache, sessions, messages, axes = shared
        assert (cache["BACKEND"], cache["LOCATION"]) == ("config.cache.ForgivingRedisCache", "redis://redis:6379/0")
        assert sessions == "django.contrib.sessions.backends.db"
        assert messages == "django.contrib.messages.storage.session.SessionStorage"
        assert axes == "axes.handlers.database.AxesDatabaseHandler"
    # The lookup limit's counters are rows of the database, not the cache (public/ratelimit.py).
    assert "LookupCount" in (ROOT / "public" / "ratelimit.py").read_text()
    # The proxy reaches every web container by the service's name (compose's DNS gives all their addresses).
    assert SERVICES["proxy"]["environment"]["UPSTREAM"].split(":")[0] == "web"


def test_the_image_runs_the_python_the_project_needs():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "FROM python:3.11" in dockerfile
    assert 'requires-python = ">=3.11,<3.12"' in (ROOT / "pyproject.toml").read_text()


def test_an_empty_database_url_means_the_embedded_default():
    """`DATABASE_URL=` (set but empty, as an .env template leaves it) is the SQLite file, not a crash."""
    env = {**os.environ, "DATABASE_URL": "", "DJANGO_SETTINGS_MODULE": "config.settings"}
    probe = "from django.conf import settings as s; print(s.DATABASES['default']['ENGINE'], s.DATABASES['default']['NAME'])"
    out = subprocess.run([sys.executable, "-c", probe], env=env, cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert out.strip() == f"django.db.backends.sqlite3 {ROOT / 'db.sqlite3'}"


def docker_context(destination: Path) -> Path:
    """Copy what `docker build .` would send (the project minus .dockerignore's patterns) into destination."""
    patterns = [line.strip().strip("/") for line in (ROOT / ".dockerignore").read_text().splitlines()
                if line.strip() and not line.startswith("#")]
    assert not [p for p in patterns if p.startswith("!")], "negated patterns are not modelled here"

    def regex(pattern):
        parts = re.split(r"(\*\*/|\*\*|\*|\?)", pattern)
        wild = {"**/": "(?:.*/)?", "**": ".*", "*": "[^/]*", "?": "[^/]"}
        return re.compile("".join(wild.get(part, re.escape(part)) for part in parts))

    rules = [regex(p) for p in patterns]

    def ignored(folder, names):
        relative = Path(folder).relative_to(ROOT)
        return {name for name in names if any(rule.fullmatch((relative / name).as_posix()) for rule in rules)}

    return Path(shutil.copytree(ROOT, destination / "context", ignore=ignored, symlinks=True))


PROBE_COMMANDS = (
    "import json, django; django.setup(); from django.conf import settings; from django.core.management import get_commands;"
    "print(json.dumps(['tools' in settings.INSTALLED_APPS, sorted(get_commands())]))"
)


def test_the_image_leaves_the_development_tools_out_and_still_starts(tmp_path):
    context = docker_context(tmp_path)
    assert not (context / "tools").exists()
    for name in (".venv", ".git", "db.sqlite3", "media", "test-output", "tests"):
        assert not (context / name).exists(), name
    # What the Dockerfile copies and compiles must be there, or the build fails.
    dockerfile = (context / "Dockerfile").read_text()
    compiled = re.search(r"compileall -q (.+)", dockerfile).group(1).split()
    for name in ["pyproject.toml", "README.md", "locale", "static", "templates", *compiled]:
        assert (context / name).exists(), name
    assert {init.parent.name for init in context.glob("*/__init__.py")} <= set(compiled)  # every app of the image is compiled

    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "DATABASE_URL": ""}
    image = subprocess.run([sys.executable, "-c", PROBE_COMMANDS], env=env, cwd=context, capture_output=True, text=True)
    assert image.returncode == 0, image.stderr
    tools_installed, commands = json.loads(image.stdout)
    assert not tools_installed
    assert {"check_ledger", "export_queue", "seed_demo"} <= set(commands)
    assert not {"bench", "merge_translations"} & set(commands)

    clone = subprocess.run([sys.executable, "-c", PROBE_COMMANDS], env=env, cwd=ROOT, capture_output=True, text=True, check=True)
    tools_installed, commands = json.loads(clone.stdout)
    assert tools_installed and {"bench", "merge_translations"} <= set(commands)


def test_only_the_tls_proxy_is_published_and_it_mounts_its_configuration_and_certificates():
    proxy = SERVICES["proxy"]
    assert "web" in proxy["depends_on"]
    assert sorted(proxy["ports"]) == ["443:443", "80:80"]
    assert not [service for name, service in SERVICES.items() if name != "proxy" and "ports" in service]
    mounts = dict(entry.split(":")[:2] for entry in proxy["volumes"])
    assert mounts["./deploy/nginx.conf.template"] == "/etc/ektp-proxy/nginx.conf.template"
    assert mounts["./deploy/certs"] == "/etc/ektp-proxy/certs"
    assert (ROOT / "deploy" / "nginx.conf.template").is_file() and (ROOT / "deploy" / "certs").is_dir()
    # The entrypoint's defaults are where compose mounts them, and gunicorn's address is the web service's.
    entrypoint = (ROOT / "deploy" / "proxy-entrypoint.sh").read_text()
    assert "TEMPLATE=${TEMPLATE:-/etc/ektp-proxy/nginx.conf.template}" in entrypoint
    assert "CERT_DIR=${CERT_DIR:-/etc/ektp-proxy/certs}" in entrypoint
    bind = re.search(r"--bind 0\.0\.0\.0:(\d+)", " ".join(SERVICES["web"]["command"])).group(1)
    assert proxy["environment"]["UPSTREAM"] == f"web:{bind}"


def test_the_proxy_refuses_bodies_above_the_apps_upload_limit_and_no_smaller_ones():
    """nginx's client_max_body_size is the app's UPLOAD_MAX_MEGABYTES: one variable, one default."""
    template = (ROOT / "deploy" / "nginx.conf.template").read_text()
    assert re.search(r"^\s*client_max_body_size \$\{UPLOAD_MAX_MEGABYTES\}m;$", template, re.M)
    default = re.search(r'UPLOAD_MAX_MEGABYTES = int\(os\.environ\.get\("UPLOAD_MAX_MEGABYTES", "(\d+)"\)\)',
                        (ROOT / "config" / "settings.py").read_text()).group(1)
    for service in ("proxy", *APP_SERVICES[:1]):
        assert SERVICES[service]["environment"]["UPLOAD_MAX_MEGABYTES"] == f"${{UPLOAD_MAX_MEGABYTES:-{default}}}", service
    from django.conf import settings
    assert str(settings.UPLOAD_MAX_MEGABYTES) == default == "1024"


def test_the_shipped_configuration_trusts_forwarded_addresses_only_from_the_proxy():
    """X-Forwarded-For is read only from proxies named in TRUSTED_PROXIES: outside compose from nobody, under
    compose from its own network, where only the TLS proxy reaches gunicorn (web publishes no port)."""
    example = dict(line.split("=", 1) for line in (ROOT / ".env.example").read_text().splitlines() if "=" in line and not line.startswith("#"))
    assert example.get("TRUSTED_PROXIES", "") == ""
    assert "PUBLIC_TRUSTED_PROXIES" not in (ROOT / ".env.example").read_text()
    for service in APP_SERVICES:
        assert SERVICES[service]["environment"]["TRUSTED_PROXIES"] == "${TRUSTED_PROXIES:-172.16.0.0/12}", service
    assert "ports" not in SERVICES["web"]
    from django.conf import settings
    assert settings.TRUSTED_PROXIES == []
