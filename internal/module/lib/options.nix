# Option declarations, the standard merge functions and how options,
# files and definitions are shown in messages.
{ lib }:
let
  b = builtins;
  inherit (lib.strings) concatStringsSep;
  inherit (lib.lists) last toList;
  inherit (lib.attrsets) attrByPath optionalAttrs showAttrPath;

  priorityHint = ''
    Use `lib.mkForce value` or `lib.mkDefault value` to change the priority on any of these definitions.
  '';
in
rec {
  unknownModule = "<unknown-file>";

  isOption = lib.types.isType "option";

  # Only the attributes given are kept, so `opt ? default` tells whether the
  # option has a default.
  mkOption =
    {
      default ? null,
      defaultText ? null,
      example ? null,
      description ? null,
      relatedPackages ? null,
      type ? null,
      apply ? null,
      internal ? null,
      visible ? null,
      readOnly ? null,
    }@attrs:
    attrs // { _type = "option"; };

  mkEnableOption =
    name:
    mkOption {
      default = false;
      example = true;
      description = "Whether to enable ${name}.";
      type = lib.types.bool;
    };

  mkPackageOption =
    pkgs: name:
    {
      nullable ? false,
      default ? name,
      example ? null,
      extraDescription ? "",
      pkgsText ? "pkgs",
    }:
    let
      shownName = if b.isList name then last name else name;
      path = toList default;
      pathText = showAttrPath path;
      defaults =
        if default != null then
          {
            default = attrByPath path (throw "${pathText} cannot be found in ${pkgsText}") pkgs;
            defaultText = literalExpression "${pkgsText}.${pathText}";
          }
        else
          optionalAttrs nullable { default = null; };
    in
    mkOption (
      defaults
      // {
        description =
          "The ${shownName} package to use." + (if extraDescription == "" then "" else " ") + extraDescription;
        type = if nullable then lib.types.nullOr lib.types.package else lib.types.package;
      }
      // optionalAttrs (example != null) {
        example = literalExpression (
          if b.isList example then "${pkgsText}.${showAttrPath example}" else example
        );
      }
    );
  mkPackageOptionMD = mkPackageOption;

  mkSinkUndeclaredOptions =
    attrs:
    mkOption (
      {
        internal = true;
        visible = false;
        default = false;
        description = "Sink for option definitions.";
        type = lib.types.mkOptionType {
          name = "sink";
          check = _: true;
          merge = _: _: false;
        };
        apply = _: throw "Option value is not readable because the option is not declared.";
      }
      // attrs
    );

  # Merge functions: loc is the option path, defs a list of { file, value }.
  mergeDefaultOption =
    loc: defs:
    let
      values = getValues defs;
      every = p: b.all p values;
    in
    if b.length values == 1 then
      b.head values
    else if every lib.trivial.isFunction then
      x: mergeDefaultOption loc (map (f: f x) values)
    else if every b.isList then
      b.concatLists values
    else if every b.isAttrs then
      b.foldl' (acc: v: acc // v) { } values
    else if every b.isBool then
      b.any (x: x) values
    else if every b.isString then
      lib.strings.concatStrings values
    else if every b.isInt && every (x: x == b.head values) then
      b.head values
    else
      throw "Cannot merge definitions of `${showOption loc}'. Definition values:${showDefs defs}";

  mergeUniqueOption =
    {
      message,
      merge ? loc: defs: (b.head defs).value,
    }:
    loc: defs:
    if b.length defs == 1 then
      merge loc defs
    else
      throw "The option `${showOption loc}' is defined multiple times while it's expected to be unique.\n${message}\nDefinition values:${showDefs defs}\n${priorityHint}";
  mergeOneOption = mergeUniqueOption { message = ""; };

  mergeEqualOption =
    loc: defs:
    if defs == [ ] then
      abort "This case should never happen."
    else if b.length defs == 1 then
      (b.head defs).value
    else
      let
        first = b.head defs;
        conflict = lib.lists.findFirst (d: d.value != first.value) null (b.tail defs);
      in
      if conflict == null then
        first.value
      else
        throw "The option `${showOption loc}' has conflicting definition values:${
          showDefs [
            first
            conflict
          ]
        }\n${priorityHint}";

  getValues = map (x: x.value);
  getFiles = map (x: x.file);

  # Documentation.
  optionAttrSetToDocList = optionAttrSetToDocList' [ ];
  optionAttrSetToDocList' =
    _: options:
    b.concatMap (
      opt:
      let
        name = showOption opt.loc;
        visible = opt.visible or true;
        type = opt.type or { };
        hasDefault =
          opt ? defaultText || opt ? default || (type.emptyValue or { }) ? value && type.getSubModules or null == null;
        doc = {
          loc = opt.loc;
          inherit name;
          description = opt.description or null;
          declarations = b.filter (x: x != unknownModule) opt.declarations;
          internal = opt.internal or false;
          visible = if b.isBool visible then visible else visible == "shallow";
          readOnly = opt.readOnly or false;
          type = type.description or "unspecified";
        }
        // optionalAttrs (opt ? example) { example = renderOptionValue opt.example; }
        // optionalAttrs hasDefault {
          default = renderOptionValue (opt.defaultText or opt.default or type.emptyValue.value);
        }
        // optionalAttrs (opt ? relatedPackages && opt.relatedPackages != null) {
          inherit (opt) relatedPackages;
        };
        sub = opt.type.getSubOptions opt.loc;
        subVisible = if b.isBool visible then visible else visible == "transparent";
      in
      [ doc ] ++ lib.lists.optionals (subVisible && sub != { }) (optionAttrSetToDocList' opt.loc sub)
    ) (lib.attrsets.collect isOption options);

  scrubOptionValue =
    x:
    if lib.attrsets.isDerivation x then
      {
        type = "derivation";
        drvPath = x.name;
        outPath = x.name;
        name = x.name;
      }
    else if b.isList x then
      map scrubOptionValue x
    else if b.isAttrs x then
      b.mapAttrs (_: scrubOptionValue) (b.removeAttrs x [ "_args" ])
    else
      x;

  renderOptionValue =
    v:
    if v ? _type && v ? text then
      v
    else
      literalExpression (
        lib.generators.toPretty {
          multiline = true;
          allowPrettyValues = true;
        } v
      );

  literalExpression =
    text:
    if !b.isString text then
      throw "literalExpression expects a string."
    else
      {
        _type = "literalExpression";
        inherit text;
      };
  literalMD =
    text:
    if !b.isString text then
      throw "literalMD expects a string."
    else
      {
        _type = "literalMD";
        inherit text;
      };
  literalCode = lang: text: literalMD "```${lang}\n${text}\n```\n";
  # Option descriptions are Markdown already; kept so older modules evaluate.
  mdDoc = text: text;

  # "a.b.\"c.d\"": option paths as users write them; placeholders such as
  # `*` and `<name>` stay unquoted.
  showOption =
    parts:
    concatStringsSep "." (
      map (
        p: if p == "*" || b.match "<(.*)>" p != null then p else lib.strings.escapeNixIdentifier p
      ) parts
    );
  showFiles = files: concatStringsSep " and " (map (f: "`${f}'") files);
  showDefs =
    defs:
    lib.strings.concatMapStrings (
      def:
      let
        pretty = b.tryEval (
          lib.generators.toPretty { } (
            lib.generators.withRecursion {
              depthLimit = 10;
              throwOnDepthLimit = false;
            } def.value
          )
        );
        lines = b.filter (x: !b.isList x) (b.split "\n" pretty.value);
        shown = concatStringsSep "\n    " (
          lib.lists.take 5 lines ++ lib.lists.optional (b.length lines > 5) "..."
        );
        suffix =
          if !pretty.success then
            ""
          else if b.length lines > 1 then
            ":\n    " + shown
          else
            ": " + shown;
      in
      "\n- In `${showDefLocation def}'${suffix}"
    ) defs;
  # cairn: "file:line:column" of a definition when its position is known
  # (the pos field the module system adds), else its file.
  showDefLocation =
    def:
    let
      p = def.pos or null;
    in
    if p == null || p.line or null == null then
      toString def.file
    else if toString p.file == toString def.file then
      showPosition p
    else
      "${toString def.file}' at `${showPosition p}";
  # cairn: "file:line:column" of a position from builtins.unsafeGetAttrPos.
  showPosition =
    p: if p.line or null == null then toString p.file else "${toString p.file}:${toString p.line}:${toString p.column}";
  # cairn: positions as showFiles shows files.
  showPositions = ps: concatStringsSep " and " (map (p: "`${showPosition p}'") ps);
  showOptionWithDefLocs = opt: ''
    ${showOption opt.loc}, with values defined in:
    ${lib.strings.concatMapStringsSep "\n" (f: "  - ${f}") opt.files}
  '';
}
