#!/usr/bin/env bash
# 校園差勤: back up the PostgreSQL database in pg_dump's custom format (compressed, restorable table by
# table with pg_restore). Reads DATABASE_URL like the app; writes BACKUP_DIR/campus-YYYYmmdd-HHMMSS.dump
# and deletes dumps older than BACKUP_KEEP_DAYS. docs/deploy.md describes the restore drill.
set -euo pipefail

: "${DATABASE_URL:?DATABASE_URL must be set, as in the app environment file}"
BACKUP_DIR="${BACKUP_DIR:-/srv/campus/backups}"
BACKUP_KEEP_DAYS="${BACKUP_KEEP_DAYS:-30}"

mkdir -p "$BACKUP_DIR"
stamp="$(date +%Y%m%d-%H%M%S)"
target="$BACKUP_DIR/campus-$stamp.dump"
partial="$target.partial"

# --no-owner/--no-acl: the dump restores into a database owned by whoever runs the restore.
pg_dump --dbname="$DATABASE_URL" --format=custom --compress=6 --no-owner --no-acl --file="$partial"
# A dump that pg_restore cannot read is not a backup.
pg_restore --list "$partial" >/dev/null
mv "$partial" "$target"
echo "backup written: $target ($(du -h "$target" | cut -f1))"

find "$BACKUP_DIR" -maxdepth 1 -name 'campus-*.dump' -mtime +"$BACKUP_KEEP_DAYS" -print -delete
