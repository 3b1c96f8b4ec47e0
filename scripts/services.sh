#!/usr/bin/env bash
# Make sure what `make test` needs is installed and running on 127.0.0.1:
# PostgreSQL, Redis, Chromium (browser tests), a CJK font and poppler (PDF checks),
# gettext, and the libraries WeasyPrint loads. Installs with apt on a fresh Debian
# machine (as root); starts a service that is installed but stopped. Idempotent.
set -euo pipefail

missing=()
have() { command -v "$1" >/dev/null 2>&1; }
pkg_installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "ok installed"; }

have pg_ctlcluster || missing+=(postgresql)
have redis-server || missing+=(redis-server)
[ -x /usr/bin/chromium ] || missing+=(chromium)
pkg_installed fonts-wqy-microhei || missing+=(fonts-wqy-microhei)
have pdffonts || missing+=(poppler-utils)
have msgfmt || missing+=(gettext)
pkg_installed libpango-1.0-0 || missing+=(libpango-1.0-0 libpangoft2-1.0-0)
have npm || missing+=(npm)

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ] || ! have apt-get; then
    echo "services: missing ${missing[*]}; install them (Debian: apt-get install ${missing[*]})" >&2
    exit 1
  fi
  echo "services: installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if ! pg_isready -q -h 127.0.0.1 -p 5432; then
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  echo "services: starting PostgreSQL $version"
  pg_ctlcluster --skip-systemctl-redirect "$version" main start
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi
# A fresh cluster authenticates TCP clients by password: give `postgres` the one the
# suite's DATABASE_URL uses (a no-op where trust authentication is configured).
if [ "$(id -u)" = 0 ]; then
  su postgres -c "psql -q -c \"ALTER USER postgres PASSWORD 'postgres'\"" >/dev/null 2>&1 || true
fi

if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  echo "services: starting Redis"
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" \
    --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log
  for _ in $(seq 1 30); do redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 && break; sleep 1; done
fi
echo "services: PostgreSQL and Redis are up"
