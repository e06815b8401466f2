#!/usr/bin/env bash
# 校園差勤: restore a custom-format dump (campus-backup.sh) into the database at TARGET_DATABASE_URL.
#
#   TARGET_DATABASE_URL=postgres://campus:…@db.internal:5432/campus_restore \
#       deploy/backup/campus-restore.sh /srv/campus/backups/campus-20250301-023000.dump
#
# The target database must exist and should be empty (the drill restores into a scratch database;
# docs/deploy.md). Objects in the dump replace same-named ones (--clean --if-exists); the whole restore
# is one transaction, so a failure leaves the target as it was.
set -euo pipefail

dump="${1:?usage: campus-restore.sh DUMP_FILE (with TARGET_DATABASE_URL set)}"
: "${TARGET_DATABASE_URL:?TARGET_DATABASE_URL must name the database to restore into}"
[ -r "$dump" ] || { echo "cannot read $dump" >&2; exit 1; }

pg_restore --dbname="$TARGET_DATABASE_URL" --clean --if-exists --no-owner --no-acl --single-transaction \
    --exit-on-error "$dump"
echo "restored $dump"
