#!/bin/sh
# Restore a backup made by backup.sh into a fresh, empty database (make it first: createdb). It refuses
# a database that has tables, so a backup is never mixed into live data, and it restores in one
# transaction: a failure leaves the database empty, not half restored.
# Usage: DATABASE_URL=postgres://user:password@host:5432/ektp_restored deploy/restore.sh ektp-2024-05-01.dump
set -eu
: "${DATABASE_URL:?set DATABASE_URL to the fresh database to restore into}"
file=${1:?usage: restore.sh FILE}
tables=$(psql --no-psqlrc --quiet --tuples-only --no-align --command="SELECT count(*) FROM pg_tables WHERE schemaname = 'public'" "$DATABASE_URL")
if [ "$tables" != "0" ]; then
  echo "the database already has $tables tables: restore into a fresh one (createdb)" >&2
  exit 2
fi
# --no-owner: the restored tables belong to whoever restores them (the app's user on the new server).
pg_restore --no-owner --exit-on-error --single-transaction --dbname="$DATABASE_URL" "$file"
echo "restored $file"
