#!/bin/sh
# Start the TLS proxy: render deploy/nginx.conf.template with this environment, make a self-signed
# certificate on the first start if none is mounted (offices are often offline: no ACME), run nginx.
# docker-compose.yml runs it in the proxy container; tests/test_proxy.py runs it with test values.
set -eu
: "${UPSTREAM:?host:port of gunicorn}"
: "${UPLOAD_MAX_MEGABYTES:?the app's upload limit}"
HTTP_PORT=${HTTP_PORT:-80}
HTTPS_PORT=${HTTPS_PORT:-443}
CERT_DIR=${CERT_DIR:-/etc/ektp-proxy/certs}
TEMPLATE=${TEMPLATE:-/etc/ektp-proxy/nginx.conf.template}
PREFIX=${PREFIX:-/var/lib/ektp-proxy}
# The certificate's name: the first of the app's ALLOWED_HOSTS.
SERVER_NAME=${SERVER_NAME:-localhost}
SERVER_NAME=${SERVER_NAME%%,*}
export UPSTREAM UPLOAD_MAX_MEGABYTES HTTP_PORT HTTPS_PORT CERT_DIR

mkdir -p "$PREFIX/tmp" "$CERT_DIR"
if [ ! -s "$CERT_DIR/server.crt" ] || [ ! -s "$CERT_DIR/server.key" ]; then
  echo "no certificate in $CERT_DIR: making a self-signed one for $SERVER_NAME (replace it with the office's own)" >&2
  openssl req -x509 -newkey rsa:2048 -nodes -days 825 -subj "/CN=$SERVER_NAME" \
    -addext "subjectAltName=DNS:$SERVER_NAME" \
    -keyout "$CERT_DIR/server.key" -out "$CERT_DIR/server.crt" 2>/dev/null
  chmod 600 "$CERT_DIR/server.key"
fi
# Only these names: nginx's own $host, $scheme ... stay as they are.
envsubst '${UPSTREAM} ${UPLOAD_MAX_MEGABYTES} ${HTTP_PORT} ${HTTPS_PORT} ${CERT_DIR}' < "$TEMPLATE" > "$PREFIX/nginx.conf"
exec nginx -p "$PREFIX/" -c "$PREFIX/nginx.conf" -e stderr -g 'daemon off;'
