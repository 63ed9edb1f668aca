# Generators of configuration-file formats from Nix values. Each takes an
# attribute set of settings first and the data second.
{ lib }:
let
  b = builtins;
  inherit (lib.strings) escape concatStringsSep escapeNixIdentifier;
  inherit (lib.attrsets) mapAttrsToList isDerivation;
  inherit (lib.trivial) isFunction functionArgs;
in
rec {
  # How a scalar is written in key=value formats.
  mkValueStringDefault =
    { }:
    v:
    let
      unsupported = what: abort "generators.mkValueStringDefault: ${what} not supported: ${toPretty { } v}";
    in
    if b.isInt v then
      toString v
    else if isDerivation v then
      toString v
    else if b.isString v then
      v
    else if v == true then
      "true"
    else if v == false then
      "false"
    else if v == null then
      "null"
    else if b.isList v then
      unsupported "lists"
    else if b.isAttrs v then
      unsupported "attrsets"
    else if isFunction v then
      unsupported "functions"
    else if b.isFloat v then
      lib.strings.floatToString v
    else
      abort "generators.mkValueStringDefault: this value is not supported: ${toString v}";

  mkKeyValueDefault =
    {
      mkValueString ? mkValueStringDefault { },
    }:
    sep: k: v:
    "${escape [ sep ] k}${sep}${mkValueString v}";

  toKeyValue =
    {
      mkKeyValue ? mkKeyValueDefault { } "=",
      listsAsDuplicateKeys ? false,
      indent ? "",
    }:
    attrs:
    let
      line = k: v: indent + mkKeyValue k v + "\n";
      linesOf = k: v: if listsAsDuplicateKeys && b.isList v then map (line k) v else [ (line k v) ];
    in
    concatStringsSep "" (b.concatLists (mapAttrsToList linesOf attrs));

  toINI =
    {
      mkSectionName ? (name: escape [ "[" "]" ] name),
      mkKeyValue ? mkKeyValueDefault { } "=",
      listsAsDuplicateKeys ? false,
    }:
    sections:
    concatStringsSep "\n" (
      mapAttrsToList (
        name: values:
        "[${mkSectionName name}]\n" + toKeyValue { inherit mkKeyValue listsAsDuplicateKeys; } values
      ) sections
    );

  toINIWithGlobalSection =
    {
      mkSectionName ? (name: escape [ "[" "]" ] name),
      mkKeyValue ? mkKeyValueDefault { } "=",
      listsAsDuplicateKeys ? false,
    }:
    {
      globalSection,
      sections ? { },
    }:
    (
      if globalSection == { } then
        ""
      else
        toKeyValue { inherit mkKeyValue listsAsDuplicateKeys; } globalSection + "\n"
    )
    + toINI { inherit mkSectionName mkKeyValue listsAsDuplicateKeys; } sections;

  toJSON = { }: b.toJSON;
  # YAML is a superset of JSON.
  toYAML = { }: b.toJSON;

  # Limit how deep a value is evaluated (for printing possibly infinite data).
  withRecursion =
    {
      depthLimit,
      throwOnDepthLimit ? true,
    }:
    assert b.isInt depthLimit;
    let
      special = [
        "__functor"
        "__functionArgs"
        "__toString"
        "__pretty"
      ];
      limit =
        depth: v:
        if depth > depthLimit then
          (
            if throwOnDepthLimit then
              throw "Exceeded maximum eval-depth limit of ${toString depthLimit} while trying to evaluate with `generators.withRecursion'!"
            else
              "<unevaluated>"
          )
        else
          v;
      walk =
        depth: v:
        let
          next = x: walk (depth + 1) (limit (depth + 1) x);
        in
        if b.isAttrs v then
          b.mapAttrs (n: x: if b.elem n special then x else next x) v
        else if b.isList v then
          map next v
        else
          limit (depth + 1) v;
    in
    walk 0;

  # Nix-like rendering of any value.
  toPretty =
    {
      allowPrettyValues ? false,
      multiline ? true,
      indent ? "",
    }:
    let
      render =
        ind: v:
        let
          open = if multiline then "\n${ind}  " else " ";
          close = if multiline then "\n${ind}" else " ";
        in
        if b.isInt v then
          toString v
        else if b.isFloat v then
          b.toJSON v
        else if b.isString v then
          let
            lines = b.filter (x: !b.isList x) (b.split "\n" v);
            single =
              "\""
              + concatStringsSep "\\n" (
                map (escape [
                  "\\"
                  "\""
                  "\${"
                ]) lines
              )
              + "\"";
            escaped = map (b.replaceStrings [ "\${" "''" ] [ "''\${" "'''" ]) lines;
            lastLine = lib.lists.last escaped;
            multi =
              "''"
              + open
              + concatStringsSep open (lib.lists.init escaped)
              + (if lastLine == "" then close else open + lastLine)
              + "''";
          in
          if multiline && b.length lines > 1 then multi else single
        else if v == true then
          "true"
        else if v == false then
          "false"
        else if v == null then
          "null"
        else if b.isPath v then
          toString v
        else if b.isList v then
          if v == [ ] then "[ ]" else "[" + open + concatStringsSep open (map (render (ind + "  ")) v) + close + "]"
        else if isFunction v then
          let
            args = functionArgs v;
            shown = concatStringsSep ", " (mapAttrsToList (n: hasDefault: if hasDefault then n + "?" else n) args);
          in
          if args == { } then "<function>" else "<function, args: {${shown}}>"
        else if b.isAttrs v then
          if allowPrettyValues && v ? __pretty && v ? val then
            v.__pretty v.val
          else if v == { } then
            "{ }"
          else if v ? type && v.type == "derivation" then
            "<derivation ${v.name or "???"}>"
          else
            "{"
            + open
            + concatStringsSep open (
              mapAttrsToList (
                n: x:
                "${escapeNixIdentifier n} = ${b.addErrorContext "while evaluating an attribute `${n}`" (render (ind + "  ") x)};"
              ) v
            )
            + close
            + "}"
        else
          abort "generators.toPretty: unexpected value";
    in
    render indent;

  # git-config(1) syntax: "a.b" sections become [a "b"], nested sets are
  # flattened into dotted sections, strings are quoted.
  toGitINI =
    let
      sectionName =
        name:
        let
          parts = lib.strings.splitString "." name;
        in
        if lib.strings.hasInfix "\"" name || b.length parts == 1 then
          name
        else
          "${b.head parts} \"${concatStringsSep "." (b.tail parts)}\"";
      quote = b.replaceStrings [ "\n" "\t" "\"" "\\" ] [ "\\n" "\\t" "\\\"" "\\\\" ];
      valueString = v: mkValueStringDefault { } (if b.isString v then "\"${quote v}\"" else v);
      keyValue =
        let
          kv = mkKeyValueDefault { mkValueString = valueString; } " = ";
          line = k: v: "\t" + kv k v;
        in
        k: v: if b.isList v then concatStringsSep "\n" (map (line k) v) else line k v;
      isSection = v: b.isAttrs v && !isDerivation v;
      flatten =
        attrs:
        let
          nested = b.filter (n: b.isAttrs attrs.${n} && b.any isSection (b.attrValues attrs.${n})) (
            b.attrNames attrs
          );
          leaves =
            path: v:
            if isSection v then
              b.concatMap (n: leaves ([ n ] ++ path) v.${n}) (b.attrNames v)
            else if b.length path > 1 then
              [
                {
                  ${concatStringsSep "." (lib.lists.reverseList (b.tail path))}.${b.head path} = v;
                }
              ]
            else
              [ { ${b.head path} = v; } ];
        in
        b.removeAttrs attrs nested
        // lib.lists.foldl lib.attrsets.recursiveUpdate { } (leaves [ ] (lib.attrsets.genAttrs nested (n: attrs.${n})));
    in
    attrs:
    toINI {
      mkKeyValue = keyValue;
      mkSectionName = sectionName;
    } (flatten attrs);

  # Lua values; `mkLuaInline "expr"` inserts Lua code as it is.
  mkLuaInline = expr: {
    _type = "lua-inline";
    inherit expr;
  };
  toLua =
    {
      multiline ? true,
      indent ? "",
      asBindings ? false,
    }@args:
    v:
    let
      inner = indent + "  ";
      open = if multiline then "\n${inner}" else " ";
      close = if multiline then "\n${indent}" else " ";
      innerArgs = args // {
        indent = if asBindings then indent else inner;
        asBindings = false;
      };
      items = concatStringsSep ",${open}";
      badNames = b.filter (
        n: b.match "[[:alpha:]_][[:alnum:]_]*(\\.[[:alpha:]_][[:alnum:]_]*)*" n == null
      ) (b.attrNames v);
    in
    if asBindings then
      assert lib.asserts.assertMsg (badNames == [ ]) "Bad Lua var names: ${toPretty { } badNames}";
      concatStringsSep "" (mapAttrsToList (k: x: "${indent}${k} = ${toLua innerArgs x}\n") v)
    else if v == null then
      "nil"
    else if b.isInt v || b.isFloat v || b.isString v || b.isBool v then
      b.toJSON v
    else if b.isPath v || isDerivation v then
      b.toJSON "${v}"
    else if b.isList v then
      if v == [ ] then "{}" else "{${open}${items (map (toLua innerArgs) v)}${close}}"
    else if b.isAttrs v then
      if v._type or null == "lua-inline" then
        "(${v.expr})"
      else if v == { } then
        "{}"
      else
        "{${open}${items (mapAttrsToList (k: x: "[${b.toJSON k}] = ${toLua innerArgs x}") v)}${close}}"
    else
      abort "generators.toLua: type ${b.typeOf v} is unsupported";
}
