# Text fragments with dependencies (lib.stringsWithDeps), as NixOS
# activation scripts use them: each entry is { text, deps } and a closure
# lists every entry after the entries it depends on, each once.
{ lib }:
let
  b = builtins;
in
rec {
  textClosureList =
    predefined: names:
    let
      # Returns { result = [ text... ]; done = { name = true; ... }; }
      walk =
        done: todo:
        if todo == [ ] then
          {
            result = [ ];
            inherit done;
          }
        else
          let
            entry = b.head todo;
            rest = b.tail todo;
          in
          if b.isAttrs entry then
            let
              before = walk done entry.deps;
              after = walk before.done rest;
            in
            {
              result = before.result ++ [ entry.text ] ++ after.result;
              inherit (after) done;
            }
          else if done ? ${entry} then
            walk done rest
          else
            walk (done // { ${entry} = true; }) ([ predefined.${entry} ] ++ rest);
    in
    (walk { } names).result;
  textClosureMap =
    f: predefined: names:
    lib.strings.concatMapStringsSep "\n" f (textClosureList predefined names);
  noDepEntry = text: {
    inherit text;
    deps = [ ];
  };
  fullDepEntry = text: deps: { inherit text deps; };
  packEntry = deps: {
    inherit deps;
    text = "";
  };
  stringAfter = deps: text: { inherit text deps; };
}
