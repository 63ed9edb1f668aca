#!/bin/bash
# Regenerates the expectations of testdata/cases with real Nix (nix-bin) and
# nixpkgs' lib, so cairn's lib is compared with the real thing.
# Usage: regenerate.sh LIBDIR [NAME...]
#   LIBDIR: the lib folder of a checkout of nix-community/nixpkgs.lib
#   (expectations were made at de42d44212d207476489bce163375d8306a26d59).
# Writes NAME.exp and NAME.json for cases that succeed and, for err-* cases,
# NAME.errexp: the first error line without its "error: " prefix.
set -u
LIB=$(cd "$1" && pwd); shift
cd "$(dirname "$0")/cases"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
names=("$@")
if [ ${#names[@]} -eq 0 ]; then names=($(ls *.nix | sed 's/\.nix$//')); fi
for n in "${names[@]}"; do
  expr="import ./$n.nix (import $LIB)"
  case $n in
    err-*)
      if nix-instantiate --eval --strict -E "$expr" >"$tmp/out" 2>"$tmp/err"; then echo "UNEXPECTED SUCCESS: $n"; continue; fi
      # Positions name the checkout's absolute path: keep the phrase before it.
      grep -m1 '^error: ' "$tmp/err" | sed -e 's/^error: //' -e "s| $PWD/.*| |" -e 's/ $//' >$n.errexp
      echo "ok   $n"
      ;;
    *)
      if nix-instantiate --eval --strict -E "$expr" >"$tmp/out" 2>"$tmp/err"; then
        mv "$tmp/out" $n.exp
        if nix-instantiate --eval --strict --json -E "$expr" >"$tmp/json" 2>/dev/null; then mv "$tmp/json" $n.json; else rm -f $n.json; fi
        echo "ok   $n"
      else
        echo "FAIL $n: $(grep -m1 '^error:' "$tmp/err")"
      fi
      ;;
  esac
done
