# What the bench scripts that poll a generated feed farm share. Sourced (from the checkout's
# root, after `set -euo pipefail`), not run. Sets `shared` to ../shared/bench (FEEDD_SHARED
# overrides ../shared).
shared="${FEEDD_SHARED:-$PWD/../shared}/bench"

# use_feedd BUILD_DIR: sets `feedd` to the feedd binary of BUILD_DIR, configured Release and
# built first when it is missing. (Not a command substitution: `set -e` would not stop a
# failed build there.)
use_feedd() {
  local build="$1"
  if [ ! -x "$build/daemon/feedd" ]; then
    cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
    cmake --build "$build" --target feedd -j2 >/dev/null
  fi
  feedd="$build/daemon/feedd"
}

# need_packages COMMAND:PACKAGE ...: installs with apt-get the packages of the commands
# (or absolute paths) that are missing.
need_packages() {
  local want=() spec
  for spec in "$@"; do
    command -v "${spec%%:*}" >/dev/null || want+=("${spec#*:}")
  done
  if [ ${#want[@]} -gt 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${want[@]}" >/dev/null
  fi
}

# farm_workdir NAME: sets `work` to a new temp folder that nginx workers (an unprivileged
# user) can read. At exit the farm's nginx (serve_farm) is stopped and the folder removed.
farm_workdir() {
  work="$(mktemp -d "${TMPDIR:-/tmp}/feedd-$1.XXXXXX")"
  chmod 755 "$work"
  farm_pidfile=""
  trap '[ -z "$farm_pidfile" ] || "$shared/feedfarm/serve.sh" --stop "$farm_pidfile" 2>/dev/null || true; rm -rf "$work"' EXIT
}

# serve_farm DIR PORT: nginx on 127.0.0.1:PORT serving DIR; sets `farm_pidfile`. serve.sh's
# settings (FEEDFARM_ACCESS_LOG=1 …) go before the call.
serve_farm() {
  farm_pidfile="$("$shared/feedfarm/serve.sh" "$1" "$2")"
}

# farm_config FILES PORT CONCURRENCY DB: a feedd config on stdout following every feed that
# FILES (a farm's files.txt) lists, served on PORT, with the database at DB.
farm_config() {
  printf '[storage]\npath = "%s"\n\n[fetch]\nconcurrency = %s\nper_host = %s\n\n' "$4" "$3" "$3"
  while read -r f; do printf '[[feed]]\nurl = "http://127.0.0.1:%s/%s"\n\n' "$2" "$f"; done < "$1"
}
