# Shared set-up of the bench scripts (bash); sourced, not run:
#
#   . "$(dirname "$0")/lib.sh"
#   uh_bench_build PLUGIN "${1:-}" [PREFERRED-DIR...]
#
# `here` is the source tree. uh_bench_build sets `uh` to the absolute path
# of bin/uberhost and exports UBERHOST_PLUGIN_PATH: from the build dir the
# user gave (relative to the current directory), else from the first of
# the preferred dirs, build/ and build-*/ (in the tree) that has
# bin/uberhost and plugins/PLUGIN.so. Absolute, so the scripts may cd into
# their scratch directory afterwards.

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

need() { command -v "$1" >/dev/null 2>&1; }

# install_pkg PKG...: apt-get install, when we are root and have apt-get.
install_pkg() {
  if [[ $(id -u) -eq 0 ]] && need apt-get; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >/dev/null
  fi
}

uh_bench_build() {
  local plugin=$1 build=${2:-} d
  shift 2
  if [[ -z "$build" ]]; then
    for d in "${@/#/$here/}" "$here"/build "$here"/build-*; do
      if [[ -x "$d/bin/uberhost" && -f "$d/plugins/$plugin.so" ]]; then build=$d; break; fi
    done
  fi
  [[ -n "$build" && -x "$build/bin/uberhost" ]] || {
    echo "no uberhost binary with plugins/$plugin.so; pass the build dir" >&2; exit 1; }
  build=$(cd "$build" && pwd)
  uh="$build/bin/uberhost"
  export UBERHOST_PLUGIN_PATH="$build/plugins"
}
