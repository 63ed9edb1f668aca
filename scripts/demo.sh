#!/usr/bin/env bash
# `make demo`: cairn's main job on the configurations in examples/, under a
# local root folder (demo-root/ by default). Nothing outside that folder is
# touched: the store is demo-root/nix/store, the system's /etc is
# demo-root/etc, and the services run under cairn's own supervisor.
# Downloads from Debian's archive are cached in demo-cache/ (kept across
# runs, so only the first one downloads).
set -euo pipefail
cd "$(dirname "$0")/.."
cairn=${CAIRN:-bin/cairn}
root=${CAIRN_DEMO_ROOT:-$PWD/demo-root}
export XDG_CACHE_HOME=${CAIRN_DEMO_CACHE:-$PWD/demo-cache}

step() {
	printf '\n\033[1m$ %s\033[0m\n' "$*"
	"$@"
}
note() { printf '\n# %s\n' "$*"; }

note "1. The language: a configuration-shaped expression, evaluated as nix-instantiate would."
step "$cairn" eval --strict examples/hello.nix
step "$cairn" eval -A motd examples/hello.nix

note "2. The module system: an option of a NixOS-style configuration, with where it was defined."
step "$cairn" option -c examples/web.nix networking.hostName

if [ "$(id -u)" != 0 ]; then
	note "Building runs every derivation in a Linux sandbox (namespaces), which needs root: run 'sudo make demo' for the rest (build, switch, roll back)."
	exit 0
fi

# A fresh root for every run: stop a supervisor left from a previous run.
if [ -S "$root/run/cairn/supervise.sock" ]; then
	"$cairn" supervise --root "$root" shutdown >/dev/null 2>&1 || true
fi
rm -rf "$root"
mkdir -p "$root"

note "3. Build the system of examples/web.nix into the store under $root."
step "$cairn" build --root "$root" -o "$root/result" -c examples/web.nix

note "4. Start cairn's service supervisor for that root; it keeps running after this script."
step "$cairn" supervise --root "$root" --background

note "5. Switch to it: the first generation. /etc, users and services come up."
step "$cairn" switch --root "$root" -c examples/web.nix
sleep 1
step "$cairn" status --root "$root"
step "$cairn" logs --root "$root" -n 2 greeter.service

note "6. A change (examples/web-v2.nix: a new greeting). The plan first, changing nothing:"
step "$cairn" dry-activate --root "$root" -c examples/web-v2.nix

note "7. Then the switch itself: only greeter.service restarts."
step "$cairn" switch --root "$root" -c examples/web-v2.nix
sleep 1
step "$cairn" logs --root "$root" -n 1 greeter.service

note "8. Every generation stays, with the commit it was built from."
step "$cairn" generations --root "$root"

note "9. Roll back: the first generation and its greeting are back."
step "$cairn" rollback --root "$root"
sleep 1
step "$cairn" logs --root "$root" -n 1 greeter.service
step "$cairn" store verify --check-contents --root "$root"
echo "(every store path matches its recorded NAR hash)"

note "10. Real software: examples/site.nix runs nginx and PostgreSQL 15 from Debian's archive, unmodified, from the store. Pin a channel beside it (a signed, hash-checked index), then switch."
mkdir -p "$root/site"
cp examples/site.nix "$root/site/configuration.nix"
step "$cairn" channel add bookworm --suite bookworm -c "$root/site/configuration.nix" --root "$root"
step "$cairn" pkgs show -c "$root/site/configuration.nix" nginx
step "$cairn" switch --root "$root" -c "$root/site/configuration.nix"

# GET / on loopback without needing curl on the host.
http_get() {
	exec 3<>"/dev/tcp/127.0.0.1/$1"
	printf 'GET / HTTP/1.0\r\nHost: localhost\r\n\r\n' >&3
	cat <&3
	exec 3<&-
}
for _ in $(seq 50); do (http_get 8080 >/dev/null 2>&1) && break; sleep 0.2; done
step http_get 8080
for _ in $(seq 50); do
	"$cairn" run --root "$root" -c "$root/site/configuration.nix" postgresql-client-15 -- /usr/lib/postgresql/15/bin/pg_isready -h 127.0.0.1 -q 2>/dev/null && break
	sleep 0.2
done
step "$cairn" run --root "$root" -c "$root/site/configuration.nix" postgresql-client-15 -- /usr/lib/postgresql/15/bin/psql -h 127.0.0.1 -U postgres -c 'select version()'

note "11. Stop the demo's supervisor (its services with it). The root stays in $root for a look around."
step "$cairn" supervise --root "$root" shutdown
