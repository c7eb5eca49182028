#!/bin/sh
# Back up the app's PostgreSQL database into one file: pg_dump's custom format (compressed, read by
# restore.sh). It holds everything check_ledger needs, the movement triggers included.
# Usage: DATABASE_URL=postgres://user:password@host:5432/ektp deploy/backup.sh ektp-2024-05-01.dump
set -eu
: "${DATABASE_URL:?set DATABASE_URL to the database to back up}"
file=${1:?usage: backup.sh FILE}
pg_dump --format=custom --file="$file" "$DATABASE_URL"
echo "backed up to $file"
