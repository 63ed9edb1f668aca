# Option types: each is an attribute set with `check` (a shallow test of one
# definition), `merge` (loc: defs: value), a `description` used in messages
# and the manual, and the hooks the module system needs for nested modules
# (getSubOptions, getSubModules, substSubModules) and for merging the types
# of an option declared in several modules (functor, typeMerge).
{ lib }:
let
  b = builtins;
  inherit (lib.lists) filter head tail last elemAt imap1 concatLists;
  inherit (lib.attrsets) mapAttrs filterAttrs optionalAttrs isDerivation;
  inherit (lib.options)
    mergeDefaultOption
    mergeEqualOption
    mergeOneOption
    mergeUniqueOption
    showOption
    showFiles
    getFiles
    getValues
    ;
  inherit (lib.strings) concatStringsSep concatMapStringsSep isStringLike;
  inherit (lib.modules) mergeDefinitions;

  # The functor of a type that wraps one element type.
  wrapperFunctor = name: payload: {
    inherit name payload;
    type = p: lib.types.${name} p.elemType;
    binOp =
      l: r:
      let
        merged = l.elemType.typeMerge r.elemType.functor;
      in
      if merged == null then null else { elemType = merged; };
  };

  # "noun", "conjunction", "composite", "nonRestrictiveClause": how a
  # description reads inside another one.
  phrase = fits: t: if fits (t.descriptionClass or null) then t.description else "(${t.description})";
  isNoun = c: c == "noun";
  isNounOrComposite = c: c == "noun" || c == "composite";
  isNounOrConjunction = c: c == "noun" || c == "conjunction";

  # One definition per attribute of each definition.
  perAttribute = map (
    def:
    mapAttrs (_: v: {
      inherit (def) file;
      value = v;
      pos = def.pos or null;
    }) def.value
  );

  # Type errors. Container types (and those built on them) carry a
  # `typeError` function, self: loc: defs: null or a message, that the
  # module system reports as "... is not of type `T'. TypeError: <message>";
  # for the others it applies `check` to each definition.
  valuesError =
    check: defs:
    let
      bad = filter (d: !check d.value) defs;
    in
    if bad == [ ] then null else "Definition values: ${lib.options.showDefs bad}";
  typeErrorOf = t: loc: defs: if t ? typeError then t.typeError t loc defs else valuesError t.check defs;
  checkedByValues = self: _: valuesError self.check;
in
rec {
  # For modules.nix (mergeDefinitions), which recognises it; default.nix
  # keeps it out of lib.types.
  inherit checkedByValues;

  isType = type: x: (x._type or "") == type;
  setType = typeName: value: value // { _type = typeName; };
  isOptionType = isType "option-type";

  defaultFunctor = name: {
    inherit name;
    type = lib.types.${name} or null;
    payload = null;
    binOp = _: _: null;
  };

  defaultTypeMerge =
    f: f':
    if f.name != f'.name then
      null
    else if f.payload == null then
      f.type
    else
      let
        payload = f.binOp f.payload f'.payload;
      in
      if payload == null then null else f.type payload;

  mkOptionType =
    {
      name,
      description ? null,
      descriptionClass ? null,
      check ? (_: true),
      merge ? mergeDefaultOption,
      emptyValue ? { },
      getSubOptions ? _: { },
      getSubModules ? null,
      substSubModules ? _: null,
      typeMerge ? defaultTypeMerge functor,
      functor ? defaultFunctor name,
      deprecationMessage ? null,
      nestedTypes ? { },
      typeError ? null,
    }:
    # One set either way (rather than `optionalAttrs ... // { ... }`):
    # types are made for every submodule value.
    let
      description' = if description == null then name else description;
    in
    if typeError == null then
      {
        _type = "option-type";
        inherit
          name
          check
          merge
          emptyValue
          getSubOptions
          getSubModules
          substSubModules
          typeMerge
          deprecationMessage
          nestedTypes
          descriptionClass
          functor
          ;
        description = description';
      }
    else
      {
        _type = "option-type";
        inherit
          name
          check
          merge
          emptyValue
          getSubOptions
          getSubModules
          substSubModules
          typeMerge
          deprecationMessage
          nestedTypes
          descriptionClass
          functor
          typeError
          ;
        description = description';
      };

  optionDescriptionPhrase = phrase;

  mergeTypes =
    a: c:
    assert isOptionType a && isOptionType c;
    let
      merged = a.typeMerge c.functor;
    in
    if merged == null then setType "merge-error" { error = "Cannot merge types"; } else merged;

  addCheck =
    t: extra:
    t
    // {
      check = x: t.check x && extra x;
    }
    // optionalAttrs (t ? typeError) {
      typeError =
        _: loc: defs:
        let
          inner = t.typeError t loc defs;
        in
        if inner != null then inner else valuesError extra defs;
    };

  inherit typeErrorOf;

  noCheckForDocsModule = {
    _file = "<built-in module that disables checks for the purpose of documentation generation>";
    config._module.check = lib.modules.mkForce false;
  };

  # Scalars.
  raw = mkOptionType {
    name = "raw";
    description = "raw value";
    descriptionClass = "noun";
    merge = mergeOneOption;
  };

  unspecified = mkOptionType {
    name = "unspecified";
    description = "unspecified value";
    descriptionClass = "noun";
  };

  anything = mkOptionType {
    name = "anything";
    description = "anything";
    descriptionClass = "noun";
    merge =
      loc: defs:
      let
        kind = v: if b.isAttrs v && isStringLike v then "stringCoercibleSet" else b.typeOf v;
        first = kind (head defs).value;
        common =
          if b.all (d: kind d.value == first) defs then
            first
          else
            throw "The option `${showOption loc}' has conflicting option types in ${showFiles (getFiles defs)}";
      in
      if common == "set" then
        (attrsOf anything).merge loc defs
      else if common == "stringCoercibleSet" then
        mergeOneOption loc defs
      else if common == "lambda" then
        arg:
        anything.merge (loc ++ [ "<function body>" ]) (
          map (d: {
            inherit (d) file;
            value = d.value arg;
          }) defs
        )
      else
        mergeEqualOption loc defs;
  };

  bool = mkOptionType {
    name = "bool";
    description = "boolean";
    descriptionClass = "noun";
    check = b.isBool;
    merge = mergeEqualOption;
  };

  boolByOr = mkOptionType {
    name = "boolByOr";
    description = "boolean (merged using or)";
    descriptionClass = "noun";
    check = b.isBool;
    merge = _: defs: b.any (d: d.value) defs;
  };

  int = mkOptionType {
    name = "int";
    description = "signed integer";
    descriptionClass = "noun";
    check = b.isInt;
    merge = mergeEqualOption;
  };

  ints =
    let
      range = lo: hi: "${toString lo} and ${toString hi} (both inclusive)";
      between =
        lo: hi:
        assert lib.assertMsg (lo <= hi) "ints.between: lowest must be smaller than highest";
        addCheck int (x: x >= lo && x <= hi)
        // {
          name = "intBetween";
          description = "integer between ${range lo hi}";
        };
      sized =
        lo: hi: name: what:
        between lo hi
        // {
          inherit name;
          description = "${what}; between ${range lo hi}";
        };
      unsigned' = bits: sized 0 (pow2 bits - 1) "unsignedInt${toString bits}" "${toString bits} bit unsigned integer";
      signed' =
        bits:
        sized (0 - pow2 (bits - 1)) (pow2 (bits - 1) - 1) "signedInt${toString bits}"
          "${toString bits} bit signed integer";
      pow2 = n: if n == 0 then 1 else 2 * pow2 (n - 1);
    in
    {
      inherit between;
      unsigned = addCheck int (x: x >= 0) // {
        name = "unsignedInt";
        description = "unsigned integer, meaning >=0";
        descriptionClass = "nonRestrictiveClause";
      };
      positive = addCheck int (x: x > 0) // {
        name = "positiveInt";
        description = "positive integer, meaning >0";
        descriptionClass = "nonRestrictiveClause";
      };
      u8 = unsigned' 8;
      u16 = unsigned' 16;
      u32 = unsigned' 32;
      s8 = signed' 8;
      s16 = signed' 16;
      s32 = signed' 32;
    };

  port = ints.u16;

  float = mkOptionType {
    name = "float";
    description = "floating point number";
    descriptionClass = "noun";
    check = b.isFloat;
    merge = mergeEqualOption;
  };

  number = either int float;

  numbers =
    let
      range = lo: hi: "${b.toJSON lo} and ${b.toJSON hi} (both inclusive)";
    in
    {
      between =
        lo: hi:
        assert lib.assertMsg (lo <= hi) "numbers.between: lowest must be smaller than highest";
        addCheck number (x: x >= lo && x <= hi)
        // {
          name = "numberBetween";
          description = "integer or floating point number between ${range lo hi}";
        };
      nonnegative = addCheck number (x: x >= 0) // {
        name = "numberNonnegative";
        description = "nonnegative integer or floating point number, meaning >=0";
        descriptionClass = "nonRestrictiveClause";
      };
      positive = addCheck number (x: x > 0) // {
        name = "numberPositive";
        description = "positive integer or floating point number, meaning >0";
        descriptionClass = "nonRestrictiveClause";
      };
    };

  # Strings.
  str = mkOptionType {
    name = "str";
    description = "string";
    descriptionClass = "noun";
    check = b.isString;
    merge = mergeEqualOption;
  };

  nonEmptyStr = mkOptionType {
    name = "nonEmptyStr";
    description = "non-empty string";
    descriptionClass = "noun";
    check = x: b.isString x && b.match "[ \t\n]*" x == null;
    merge = mergeEqualOption;
  };

  strMatching =
    pattern:
    mkOptionType {
      name = "strMatching ${lib.strings.escapeNixString pattern}";
      description = "string matching the pattern ${pattern}";
      descriptionClass = "noun";
      check = x: b.isString x && b.match pattern x != null;
      merge = mergeEqualOption;
      functor = defaultFunctor "strMatching" // {
        type = payload: strMatching payload.pattern;
        payload = { inherit pattern; };
        binOp = l: r: if l == r then l else null;
      };
    };

  singleLineStr =
    let
      base = strMatching "[^\n\r]*\n?";
    in
    mkOptionType {
      name = "singleLineStr";
      description = "(optionally newline-terminated) single-line string";
      descriptionClass = "noun";
      inherit (base) check;
      merge = loc: defs: lib.strings.removeSuffix "\n" (base.merge loc defs);
    };

  separatedString =
    sep:
    mkOptionType {
      name = "separatedString";
      description = "strings concatenated with ${b.toJSON sep}";
      descriptionClass = "noun";
      check = b.isString;
      merge = _: defs: concatStringsSep sep (getValues defs);
      functor = defaultFunctor "separatedString" // {
        type = payload: separatedString payload.sep;
        payload = { inherit sep; };
        binOp = l: r: if l.sep == r.sep then { inherit (l) sep; } else null;
      };
    };
  lines = separatedString "\n";
  commas = separatedString ",";
  envVar = separatedString ":";

  passwdEntry =
    entryType:
    addCheck entryType (s: !(lib.strings.hasInfix ":" s || lib.strings.hasInfix "\n" s))
    // {
      name = "passwdEntry ${entryType.name}";
      description = "${phrase isNoun entryType}, not containing newlines or colons";
      descriptionClass = "nonRestrictiveClause";
    };

  attrs = mkOptionType {
    name = "attrs";
    description = "attribute set";
    check = b.isAttrs;
    merge = _: b.foldl' (acc: def: acc // def.value) { };
    emptyValue.value = { };
  };

  package = mkOptionType {
    name = "package";
    descriptionClass = "noun";
    check = x: isDerivation x || lib.strings.isStorePath x;
    merge =
      loc: defs:
      let
        v = mergeOneOption loc defs;
      in
      if b.isPath v || (b.isString v && !b.hasContext v) then lib.attrsets.toDerivation v else v;
  };
  shellPackage = package // {
    check = x: isDerivation x && x ? shellPath;
  };

  pathWith =
    {
      inStore ? null,
      absolute ? null,
    }:
    lib.trivial.throwIf (inStore != null && absolute != null && inStore && !absolute)
      "In pathWith, inStore means the path must be absolute"
      mkOptionType
      {
        name = "path";
        description =
          (if absolute == null then "" else if absolute then "absolute " else "relative ")
          + "path"
          + (if inStore == null then "" else if inStore then " in the Nix store" else " not in the Nix store");
        descriptionClass = "noun";
        merge = mergeEqualOption;
        functor = defaultFunctor "path" // {
          type = pathWith;
          payload = { inherit inStore absolute; };
          binOp = l: r: if l == r then l else null;
        };
        check =
          x:
          let
            s = toString x;
            underStore =
              lib.strings.hasPrefix "${b.storeDir}/" s
              && b.match "[0-9a-z]{32}-.+" (lib.strings.removePrefix "${b.storeDir}/" s) != null;
            kindOk = if inStore == null || inStore then isStringLike x else b.isString x;
          in
          kindOk
          && (absolute == null || absolute == (b.substring 0 1 s == "/"))
          && (inStore == null || inStore == underStore);
      };
  path = pathWith { absolute = true; };
  pathInStore = pathWith { inStore = true; };
  externalPath = pathWith {
    absolute = true;
    inStore = false;
  };

  # Containers.
  listOf =
    elemType:
    mkOptionType {
      name = "listOf";
      description = "list of ${phrase isNounOrComposite elemType}";
      descriptionClass = "composite";
      check = b.isList;
      typeError = checkedByValues;
      merge =
        if b ? __cairnMergeList then
          b.__cairnMergeList mergeDefinitions elemType
        else
          loc: defs:
          map (r: r.mergedValue) (
            filter (r: r.isDefined) (
              concatLists (
                imap1 (
                  n: def:
                  imap1 (
                    m: v:
                    mergeDefinitions (loc ++ [ "[definition ${toString n}-entry ${toString m}]" ]) elemType [
                      {
                        inherit (def) file;
                        value = v;
                        pos = def.pos or null;
                      }
                    ]
                  ) def.value
                ) defs
              )
            )
          );
      emptyValue.value = [ ];
      getSubOptions = prefix: elemType.getSubOptions (prefix ++ [ "*" ]);
      getSubModules = elemType.getSubModules;
      substSubModules = m: listOf (elemType.substSubModules m);
      functor = wrapperFunctor "listOf" { inherit elemType; };
      nestedTypes.elemType = elemType;
    };

  nonEmptyListOf =
    elemType:
    let
      list = addCheck (listOf elemType) (l: l != [ ]);
    in
    list
    // {
      description = "non-empty ${phrase isNoun list}";
      emptyValue = { };
      substSubModules = m: nonEmptyListOf (elemType.substSubModules m);
    };

  attrsWith =
    {
      elemType,
      lazy ? false,
      placeholder ? "name",
    }:
    mkOptionType {
      name = if lazy then "lazyAttrsOf" else "attrsOf";
      description =
        (if lazy then "lazy attribute set" else "attribute set") + " of ${phrase isNounOrComposite elemType}";
      descriptionClass = "composite";
      check = b.isAttrs;
      typeError = checkedByValues;
      merge =
        if b ? __cairnMergeAttrs then
          b.__cairnMergeAttrs mergeDefinitions elemType lazy
        else
          loc: defs:
          let
            results = b.zipAttrsWith (n: ds: mergeDefinitions (loc ++ [ n ]) elemType ds) (perAttribute defs);
          in
          if lazy then
            mapAttrs (_: r: if r.isDefined then r.mergedValue else elemType.emptyValue.value or r.mergedValue) results
          else
            mapAttrs (_: r: r.mergedValue) (filterAttrs (_: r: r.isDefined) results);
      emptyValue.value = { };
      getSubOptions = prefix: elemType.getSubOptions (prefix ++ [ "<${placeholder}>" ]);
      getSubModules = elemType.getSubModules;
      substSubModules =
        m:
        attrsWith {
          elemType = elemType.substSubModules m;
          inherit lazy placeholder;
        };
      functor = wrapperFunctor "attrsWith" { inherit elemType lazy placeholder; } // {
        type = attrsWith;
        binOp =
          l: r:
          let
            elemType = l.elemType.typeMerge r.elemType.functor;
            lazy = if l.lazy == r.lazy then l.lazy else null;
            placeholder =
              if l.placeholder == r.placeholder then
                l.placeholder
              else if l.placeholder == "name" then
                r.placeholder
              else if r.placeholder == "name" then
                l.placeholder
              else
                null;
          in
          if elemType == null || lazy == null || placeholder == null then
            null
          else
            { inherit elemType lazy placeholder; };
      };
      nestedTypes.elemType = elemType;
    };
  attrsOf = elemType: attrsWith { inherit elemType; };
  lazyAttrsOf =
    elemType:
    attrsWith {
      inherit elemType;
      lazy = true;
    };

  unique =
    { message }:
    type:
    mkOptionType {
      name = "unique";
      inherit (type) description descriptionClass check;
      merge = mergeUniqueOption {
        inherit message;
        inherit (type) merge;
      };
      inherit (type) emptyValue getSubOptions getSubModules;
      substSubModules = m: uniq (type.substSubModules m);
      functor = wrapperFunctor "unique" { elemType = type; } // {
        type = payload: unique { inherit message; } payload.elemType;
      };
      nestedTypes.elemType = type;
    };
  uniq = unique { message = ""; };

  nullOr =
    elemType:
    mkOptionType {
      name = "nullOr";
      description = "null or ${phrase isNounOrConjunction elemType}";
      descriptionClass = "conjunction";
      check = x: x == null || elemType.check x;
      merge =
        loc: defs:
        let
          nulls = b.length (filter (d: d.value == null) defs);
        in
        if nulls == 0 then
          elemType.merge loc defs
        else if nulls == b.length defs then
          null
        else
          throw "The option `${showOption loc}` is defined both null and not null, in ${showFiles (getFiles defs)}.";
      emptyValue.value = null;
      inherit (elemType) getSubOptions getSubModules;
      substSubModules = m: nullOr (elemType.substSubModules m);
      functor = wrapperFunctor "nullOr" { inherit elemType; };
      nestedTypes.elemType = elemType;
    };

  functionTo =
    elemType:
    mkOptionType {
      name = "functionTo";
      description = "function that evaluates to a(n) ${phrase isNounOrComposite elemType}";
      descriptionClass = "composite";
      check = lib.trivial.isFunction;
      merge = loc: defs: {
        __functionArgs = b.zipAttrsWith (_: b.all (x: x)) (map (d: lib.trivial.functionArgs d.value) defs);
        __functor =
          _: args:
          (mergeDefinitions (loc ++ [ "<function body>" ]) elemType (
            map (d: {
              inherit (d) file;
              value = d.value args;
            }) defs
          )).mergedValue;
      };
      getSubOptions = prefix: elemType.getSubOptions (prefix ++ [ "<function body>" ]);
      getSubModules = elemType.getSubModules;
      substSubModules = m: functionTo (elemType.substSubModules m);
      functor = wrapperFunctor "functionTo" { inherit elemType; };
      nestedTypes.elemType = elemType;
    };

  enum =
    values:
    let
      show =
        v:
        if b.isString v then
          "\"${v}\""
        else if b.isInt v then
          toString v
        else if b.isBool v then
          lib.trivial.boolToString v
        else
          "<${b.typeOf v}>";
    in
    mkOptionType {
      name = "enum";
      description =
        if values == [ ] then
          "impossible (empty enum)"
        else if b.length values == 1 then
          "value ${show (head values)} (singular enum)"
        else
          "one of ${concatMapStringsSep ", " show values}";
      descriptionClass = if b.length values < 2 then "noun" else "conjunction";
      check = x: b.elem x values;
      merge = mergeEqualOption;
      functor = defaultFunctor "enum" // {
        type = payload: enum payload.values;
        payload = { inherit values; };
        binOp = l: r: { values = lib.lists.unique (l.values ++ r.values); };
      };
    };

  either =
    t1: t2:
    mkOptionType {
      name = "either";
      description =
        if t1.descriptionClass or null == "nonRestrictiveClause" then
          "${t1.description}, or ${phrase isNounOrConjunction t2}"
        else
          "${phrase isNounOrConjunction t1} or ${
            phrase (c: c == "noun" || c == "conjunction" || c == "composite") t2
          }";
      descriptionClass = "conjunction";
      check = x: t1.check x || t2.check x;
      typeError =
        _: loc: defs:
        if typeErrorOf t1 loc defs == null || typeErrorOf t2 loc defs == null then
          null
        else
          "The option `${showOption loc}` is neither a value of type `${t1.description}` nor `${t2.description}`, Definition values: ${lib.options.showDefs defs}";
      merge =
        loc: defs:
        if typeErrorOf t1 loc defs == null then
          t1.merge loc defs
        else if typeErrorOf t2 loc defs == null then
          t2.merge loc defs
        else
          lib.trivial.warn "One or more definitions of `${showOption loc}' did not pass the type-check of the 'either' type; use `attrsOf (either t1 t2)' as a freeformType." (
            mergeOneOption loc defs
          );
      typeMerge =
        f':
        let
          m1 = t1.typeMerge (head f'.payload.elemType).functor;
          m2 = t2.typeMerge (elemAt f'.payload.elemType 1).functor;
        in
        if f'.name == "either" && m1 != null && m2 != null then either m1 m2 else null;
      functor = wrapperFunctor "either" {
        elemType = [
          t1
          t2
        ];
      };
      nestedTypes.left = t1;
      nestedTypes.right = t2;
    };

  oneOf =
    ts:
    if ts == [ ] then
      throw "types.oneOf needs to get at least one type in its argument"
    else
      b.foldl' either (head ts) (tail ts);

  coercedTo =
    coercedType: coerceFunc: finalType:
    assert lib.assertMsg (coercedType.getSubModules == null)
      "coercedTo: coercedType must not have submodules (it’s a ${coercedType.description})";
    let
      coerce =
        loc:
        map (d: if typeErrorOf coercedType loc [ d ] == null then d // { value = coerceFunc d.value; } else d);
    in
    mkOptionType {
      name = "coercedTo";
      description = "${phrase isNoun finalType} or ${phrase isNoun coercedType} convertible to it";
      check = x: (coercedType.check x && finalType.check (coerceFunc x)) || finalType.check x;
      typeError =
        self: loc: defs:
        if finalType ? typeError then
          finalType.typeError finalType loc (coerce loc defs)
        else
          valuesError self.check defs;
      merge = loc: defs: finalType.merge loc (coerce loc defs);
      inherit (finalType) emptyValue getSubOptions getSubModules;
      substSubModules = m: coercedTo coercedType coerceFunc (finalType.substSubModules m);
      typeMerge = _: null;
      functor = defaultFunctor "coercedTo";
      nestedTypes.coercedType = coercedType;
      nestedTypes.finalType = finalType;
    };

  # Modules as values.
  optionDeclaration = mkOptionType {
    name = "optionDeclaration";
    description = "option declaration";
    descriptionClass = "noun";
    check = x: isType "option" x && !(x ? value);
  };

  optionType = mkOptionType {
    name = "optionType";
    description = "optionType";
    descriptionClass = "noun";
    check = isType "option-type";
    merge =
      loc: defs:
      if b.length defs == 1 then
        (head defs).value
      else
        (lib.modules.fixupOptionType loc (
          lib.modules.mergeOptionDecls loc (
            map (d: {
              _file = d.file;
              options = lib.options.mkOption { type = d.value; };
            }) defs
          )
        )).type;
  };

  deferredModule = deferredModuleWith { };
  deferredModuleWith =
    attrs@{
      staticModules ? [ ],
    }:
    mkOptionType {
      name = "deferredModule";
      description = "module";
      descriptionClass = "noun";
      check = x: b.isAttrs x || lib.trivial.isFunction x || path.check x;
      merge = loc: defs: {
        imports =
          staticModules
          ++ map (
            d: lib.modules.setDefaultModuleLocation "${d.file}, via option ${showOption loc}" d.value
          ) defs;
      };
      inherit (submoduleWith { modules = staticModules; }) getSubOptions getSubModules;
      substSubModules = m: deferredModuleWith (attrs // { staticModules = m; });
      functor = defaultFunctor "deferredModuleWith" // {
        type = deferredModuleWith;
        payload = { inherit staticModules; };
        binOp = l: r: { staticModules = l.staticModules ++ r.staticModules; };
      };
    };

  submodule =
    modules:
    submoduleWith {
      shorthandOnlyDefinesConfig = true;
      modules = lib.lists.toList modules;
    };

  # A configuration nested in an option: every value is the `config` of its
  # own evalModules run, whose modules are the type's modules, the attribute
  # name as `name`, and the definitions.
  submoduleWith =
    attrs@{
      modules,
      specialArgs ? { },
      shorthandOnlyDefinesConfig ? false,
      description ? null,
      class ? null,
    }:
    let
      nameDefault = {
        _module.args.name = lib.modules.mkOptionDefault "‹name›";
      };
      run =
        extra: prefix:
        lib.modules.evalModules {
          inherit class specialArgs prefix;
          modules = [ nameDefault ] ++ modules ++ extra;
        };
      base = run [ ] [ ];
      docs = run [ noCheckForDocsModule ] [ ];
      asModule =
        d:
        if b.isAttrs d.value && shorthandOnlyDefinesConfig then
          {
            _file = d.file;
            config = d.value;
          }
        else
          {
            _file = d.file;
            imports = [ d.value ];
          };
      freeformType = base._module.freeformType;
    in
    mkOptionType {
      name = "submodule";
      description =
        if description != null then
          description
        else if docs._module.freeformType ? description then
          "open submodule of ${phrase isNounOrComposite docs._module.freeformType}"
        else
          "submodule";
      check = x: b.isAttrs x || lib.trivial.isFunction x || path.check x;
      typeError = checkedByValues;
      merge =
        loc: defs:
        (run ([ { _module.args.name = last loc; } ] ++ map asModule defs) loc).config;
      emptyValue.value = base.config;
      getSubOptions =
        prefix:
        let
          e = run [ noCheckForDocsModule ] prefix;
          ff = e._module.freeformType;
        in
        e.options // optionalAttrs (ff != null) { _freeformOptions = ff.getSubOptions prefix; };
      getSubModules = modules;
      substSubModules = m: submoduleWith (attrs // { modules = m; });
      nestedTypes = optionalAttrs (freeformType != null) { inherit freeformType; };
      functor = defaultFunctor "submodule" // {
        type = submoduleWith;
        payload = {
          inherit
            modules
            class
            specialArgs
            shorthandOnlyDefinesConfig
            description
            ;
        };
        binOp =
          l: r:
          let
            pick =
              what: x: y:
              if x == null then
                y
              else if y == null then
                x
              else if x == y then
                x
              else
                throw "A submoduleWith option is declared multiple times with conflicting ${what}";
            shared = b.intersectAttrs l.specialArgs r.specialArgs;
          in
          {
            class = pick "class values" (l.class or null) (r.class or null);
            modules = l.modules ++ r.modules;
            specialArgs =
              if shared == { } then
                l.specialArgs // r.specialArgs
              else
                throw "A submoduleWith option is declared multiple times with the same specialArgs \"${toString (b.attrNames shared)}\"";
            shorthandOnlyDefinesConfig = pick "shorthandOnlyDefinesConfig values" l.shorthandOnlyDefinesConfig r.shorthandOnlyDefinesConfig;
            description = pick "descriptions" l.description r.description;
          };
      };
    };

  # A Nixpkgs package set, defined once.
  pkgs = addCheck (
    unique { message = "A Nixpkgs pkgs set can not be merged with another pkgs set."; } attrs
    // {
      name = "pkgs";
      descriptionClass = "noun";
      description = "Nixpkgs package set";
    }
  ) (x: x._type or null == "pkgs");

  # Lua code made with lib.generators.mkLuaInline.
  luaInline = mkOptionType {
    name = "luaInline";
    description = "inline lua";
    descriptionClass = "noun";
    check = x: x._type or null == "lua-inline";
    merge = mergeEqualOption;
  };

  # Values for serialisation formats.
  serializableValueWith =
    {
      typeName,
      nullable ? true,
    }:
    let
      base = oneOf [
        bool
        int
        float
        str
        path
        (attrsOf valueType)
        (listOf valueType)
      ];
      valueType = (if nullable then nullOr base else base) // {
        description = "${typeName} value";
      };
    in
    valueType;
  json = serializableValueWith { typeName = "JSON"; };
  toml = serializableValueWith {
    typeName = "TOML";
    nullable = false;
  };

  types = lib.types;
}
