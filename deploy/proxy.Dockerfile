# The TLS proxy of docker-compose.yml: Debian's nginx, openssl for the first self-signed certificate,
# envsubst to render deploy/nginx.conf.template (mounted, with the certificates).
FROM debian:bookworm-slim
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nginx-light openssl gettext-base \
    && rm -rf /var/lib/apt/lists/*
COPY proxy-entrypoint.sh /usr/local/bin/proxy-entrypoint
EXPOSE 80 443
ENTRYPOINT ["/usr/local/bin/proxy-entrypoint"]
