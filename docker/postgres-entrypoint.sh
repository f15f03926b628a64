#!/bin/sh
# Entrypoint of the PostgreSQL image (Dockerfile.postgres, compose profile `postgres`).
#
# First start: creates the cluster in $PGDATA (the `postgres-data` volume), a superuser
# `postgres` reachable only through the container's own Unix socket, and the role `scoring`
# (LOGIN, not a superuser) owning the database `scoring`, reachable over TCP with scram-sha-256.
# Every start: sets the role's password, so that a password changed in .env takes effect.
#
# The password: POSTGRES_PASSWORD when set (.env), else the file POSTGRES_PASSWORD_FILE on the
# shared `secrets` volume, generated there once (0600, the API's uid) when missing. It is
# never printed nor put on a command line: it reaches the server through single-user mode's
# standard input.
set -eu

data=${PGDATA:-/var/lib/scoring/postgres/data}
port=${POSTGRES_PORT:-5432}
listen=${POSTGRES_LISTEN:-*}
secret_file=${POSTGRES_PASSWORD_FILE:-/var/lib/scoring/secrets/postgres_password}
password=${POSTGRES_PASSWORD:-}

if [ -z "$password" ]; then
  if [ ! -s "$secret_file" ]; then
    umask 077
    head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$secret_file.tmp"
    mv "$secret_file.tmp" "$secret_file"
    echo "scoring-postgres: generated the password of role scoring into $secret_file"
  fi
  password=$(cat "$secret_file")
fi
quoted=$(printf '%s' "$password" | sed "s/'/''/g")

if [ ! -s "$data/PG_VERSION" ]; then
  echo "scoring-postgres: creating the cluster in $data"
  initdb -D "$data" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
    -E UTF8 --locale=C >/dev/null
  # Other containers connect over the network; every TCP connection needs the password.
  echo "host all all all scram-sha-256" >> "$data/pg_hba.conf"
  printf '%s\n' "CREATE ROLE scoring LOGIN" "CREATE DATABASE scoring OWNER scoring" \
    | postgres --single -D "$data" -c unix_socket_directories=/tmp \
      -c log_min_error_statement=panic postgres >/dev/null
fi
printf '%s\n' "ALTER ROLE scoring PASSWORD '$quoted'" \
  | postgres --single -D "$data" -c unix_socket_directories=/tmp \
      -c log_min_error_statement=panic postgres >/dev/null

echo "scoring-postgres: listening on ${listen}:${port}"
exec postgres -D "$data" -p "$port" -c listen_addresses="$listen" \
  -c unix_socket_directories=/tmp "$@"
