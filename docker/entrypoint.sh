#!/bin/sh
# Entrypoint of every image: fills in the API key(s) from the key file that the one-shot trainer
# job generates on the shared `secrets` volume when none was configured, then runs the command.
#
# Why a file rather than a default key: `docker compose up` must work on a fresh machine without
# a .env, yet no secret may be baked into an image or committed. Configured variables always win.
set -eu

keys_file="${SCORING_API_KEYS_FILE:-/var/lib/scoring/secrets/api_keys}"
if [ -r "$keys_file" ]; then
  if [ -z "${SCORING_API_KEYS:-}" ]; then
    SCORING_API_KEYS=$(cat "$keys_file")
    export SCORING_API_KEYS
  fi
  if [ -z "${SCORING_API_KEY:-}" ]; then
    # The dashboard sends the secret part of the first "name:key" entry.
    SCORING_API_KEY=$(cut -d, -f1 "$keys_file" | cut -d: -f2-)
    export SCORING_API_KEY
    if [ -z "${SCORING_TRUSTED_FRONTENDS:-}" ]; then
      # ...so that key, and only it, may name the signed-in person to the API.
      SCORING_TRUSTED_FRONTENDS=$(cut -d, -f1 "$keys_file" | cut -d: -f1)
      export SCORING_TRUSTED_FRONTENDS
    fi
    if [ -z "${SCORING_API_KEY_SCOPES:-}" ]; then
      # The dashboard's key scores, reads client files, records decisions and exports for
      # the risk role; every other generated key keeps the default scopes.
      SCORING_API_KEY_SCOPES="$(cut -d, -f1 "$keys_file" | cut -d: -f1):score+clients+audit"
      export SCORING_API_KEY_SCOPES
    fi
  fi
fi
exec "$@"
