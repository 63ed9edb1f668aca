# <nix/fetchurl.nix>: fetching over the network is not supported by
# cairn's evaluator yet; the function exists so that code can refer to it.
{ url ? null, urls ? [ ], sha256 ? "", hash ? "", name ? baseNameOf (toString url), ... }:
throw "fetchurl (${toString url}): fetching from the network is not supported by cairn's evaluator"
