# The module system: evalModules and the properties (mkIf, mkMerge,
# mkOverride, mkOrder) that definitions carry.
#
# An evaluation runs in three stages:
#   1. collect   load every module (calling functions, importing paths),
#                follow `imports`, drop `disabledModules`, keep one module
#                per `key` (breadth first);
#   2. merge     walk the option tree of all declarations together with the
#                definitions (the collected list reversed), pushing mkIf and
#                mkOverride down to the options they apply to;
#   3. value     per option: discharge mkMerge/mkIf, keep the definitions
#                of the highest priority, sort by mkOrder, type-check and
#                merge with the option's type, then `apply`.
# Everything is lazy, so `config` is a fixed point that modules read.
{
  lib,
  # types.checkedByValues (see mergeDefinitions), given by default.nix.
  checkedByValues ? null,
}:
let
  b = builtins;
  inherit (lib.lists)
    filter
    head
    length
    concatMap
    concatLists
    imap1
    reverseList
    last
    init
    take
    optional
    ;
  inherit (lib.attrsets)
    mapAttrs
    attrNames
    optionalAttrs
    setAttrByPath
    getAttrFromPath
    attrByPath
    mapAttrsRecursiveCond
    recursiveUpdate
    ;
  inherit (lib.options)
    isOption
    mkOption
    showOption
    showFiles
    showDefs
    showPositions
    unknownModule
    ;
  inherit (lib.trivial) isFunction functionArgs;
  types = lib.types;

  defaultOverridePriority = 100;
  defaultOrderPriority = 1000;

  # ---------------------------------------------------------------- properties

  mkIf = condition: content: {
    _type = "if";
    inherit condition content;
  };
  mkAssert =
    assertion: message: content:
    mkIf (if assertion then true else throw "\nFailed assertion: ${message}") content;
  mkMerge = contents: {
    _type = "merge";
    inherit contents;
  };
  mkOverride = priority: content: {
    _type = "override";
    inherit priority content;
  };
  mkOrder = priority: content: {
    _type = "order";
    inherit priority content;
  };
  mkDefinition = args@{ file, value, ... }: args // { _type = "definition"; };

  # `x._type or ""` is "" for values that are not attribute sets too.
  kindOf = v: v._type or "";

  # Split a config value into property-free attribute sets: mkMerge is
  # flattened and mkIf/mkOverride move onto each attribute, so that the
  # names a module defines are known without evaluating any condition.
  pushDownProperties = b.__cairnPushDownProperties or pushDownProperties';
  pushDownProperties' =
    cfg:
    let
      k = cfg._type or "";
      wrapEach = wrap: map (s: if b.isAttrs s then mapAttrs (_: wrap) s else s);
    in
    if k == "merge" then
      concatMap pushDownProperties cfg.contents
    else if k == "if" then
      wrapEach (mkIf cfg.condition) (pushDownProperties cfg.content)
    else if k == "override" then
      wrapEach (mkOverride cfg.priority) (pushDownProperties cfg.content)
    else
      [ cfg ];

  # The values a definition contributes once mkMerge and mkIf are resolved.
  dischargeProperties =
    def:
    let
      k = def._type or "";
    in
    if k == "merge" then
      concatMap dischargeProperties def.contents
    else if k == "if" then
      if !b.isBool def.condition then
        throw "‘mkIf’ called with a non-Boolean condition"
      else if def.condition then
        dischargeProperties def.content
      else
        [ ]
    else
      [ def ];

  # Keep the definitions with the strongest (numerically lowest) priority.
  filterOverrides' =
    defs:
    let
      prioOf =
        def:
        let
          v = def.value;
        in
        if v._type or "" == "override" then v.priority else defaultOverridePriority;
      unwrap = def: if def.value._type or "" == "override" then def // { value = def.value.content; } else def;
      # min inlined: this fold runs once per definition of every option.
      highestPrio = b.foldl' (
        p: def:
        let
          q = prioOf def;
        in
        if q < p then q else p
      ) 9999 defs;
    in
    if length defs == 1 then
      {
        highestPrio = prioOf (head defs);
        values = map unwrap defs;
      }
    else
      {
        inherit highestPrio;
        values = map unwrap (filter (def: prioOf def == highestPrio) defs);
      };
  filterOverrides = defs: (filterOverrides' defs).values;

  # Stable sort by mkOrder priority.
  sortProperties =
    defs:
    let
      unwrap =
        def:
        if kindOf def.value == "order" then
          def
          // {
            value = def.value.content;
            inherit (def.value) priority;
          }
        else
          def;
    in
    b.sort (x: y: (x.priority or defaultOrderPriority) < (y.priority or defaultOrderPriority)) (
      map unwrap defs
    );

  # ---------------------------------------------------------------- loading

  setDefaultModuleLocation = file: m: {
    _file = file;
    imports = [ m ];
  };

  # Attributes a module may have next to options/config.
  structuralAttrs = [
    "_class"
    "_file"
    "key"
    "disabledModules"
    "imports"
    "options"
    "config"
    "meta"
    "freeformType"
  ];

  # Bring a module into the form { _file, _class, key, disabledModules,
  # imports, options, config }. cairn's evaluator does the common cases in
  # Go (the same result); unifyModuleSyntax' is the reference, and what
  # real Nix runs.
  unifyModuleSyntax =
    if b ? __cairnUnifyModuleSyntax then
      b.__cairnUnifyModuleSyntax unifyModuleSyntax'
    else
      unifyModuleSyntax';
  unifyModuleSyntax' =
    file: key: m:
    let
      extras =
        cfg:
        let
          withMeta = if m ? meta then mkMerge [ cfg { meta = m.meta; } ] else cfg;
        in
        if m ? freeformType then mkMerge [ withMeta { _module.freeformType = m.freeformType; } ] else withMeta;
      # Most modules have neither `meta` nor `freeformType`.
      plain = !(m ? meta || m ? freeformType);
    in
    if !b.isAttrs m then
      throw "module ${file} (${key}) does not look like a module."
    else if m ? config || m ? options then
      let
        stray = b.removeAttrs m structuralAttrs;
      in
      if stray != { } then
        throw "Module `${key}' has an unsupported attribute `${head (attrNames stray)}'. This is caused by introducing a top-level `config' or `options' attribute. Add configuration attributes immediately on the top level instead, or move all of them (namely: ${toString (attrNames stray)}) into the explicit `config' attribute."
      else
        {
          _file = toString m._file or file;
          _class = m._class or null;
          key = toString m.key or key;
          disabledModules = m.disabledModules or [ ];
          imports = m.imports or [ ];
          options = m.options or { };
          config = if plain then m.config or { } else extras (m.config or { });
        }
    else
      {
        _file = toString m._file or file;
        _class = m._class or null;
        key = toString m.key or key;
        disabledModules = m.disabledModules or [ ];
        imports = m.require or [ ] ++ m.imports or [ ];
        options = { };
        config =
          let
            rest = b.removeAttrs m [
              "_class"
              "_file"
              "key"
              "disabledModules"
              "require"
              "imports"
              "freeformType"
            ];
          in
          if plain then rest else extras rest;
      };

  # Call a module function. Each argument it names comes from the module
  # arguments (lib, config, options, specialArgs...) or else from
  # config._module.args, looked up lazily so that `pkgs` and friends may
  # depend on config.
  applyModuleArgs =
    if b ? __cairnApplyModuleArgs then b.__cairnApplyModuleArgs applyModuleArgs' else applyModuleArgs';
  applyModuleArgs' =
    key: f: args:
    let
      lookup =
        name: _:
        b.addErrorContext "while evaluating the module argument `${name}' in \"${key}\":" (
          args.${name} or args.config._module.args.${name}
        );
    in
    f (args // mapAttrs lookup (functionArgs f));
  applyModuleArgsIfFunction = key: f: args: if isFunction f then applyModuleArgs key f args else f;

  # cairn's evaluator loads functions and plain sets in Go (the same
  # result); loadModule' is the reference and what real Nix runs.
  loadModule =
    if b ? __cairnLoadModule then
      b.__cairnLoadModule {
        load = loadModule';
        apply = applyModuleArgs';
        unify = unifyModuleSyntax';
      }
    else
      loadModule';
  loadModule' =
    args: file: key: m:
    if b.isFunction m || b.isAttrs m && m ? __functor && isFunction m then
      unifyModuleSyntax file key (applyModuleArgs key m args)
    else if b.isAttrs m then
      let
        k = m._type or "module";
      in
      if k == "module" then
        unifyModuleSyntax file key m
      else if k == "if" || k == "override" then
        loadModule args file key { config = m; }
      else
        throw (
          "Expected a module, but found a value of type ${lib.strings.escapeNixString k}"
          + lib.strings.optionalString (file != null && file != unknownModule) ", while trying to load a module into ${toString file}"
          + lib.strings.optionalString (args._prefix or [ ] != [ ]) ", while trying to load a module into ${showOption args._prefix}"
          + ".\nOnly modules (attribute sets, functions returning them, or paths to files holding them) can be imported; check that every element of `imports` and `modules` is one."
        )
    else if b.isList m then
      throw "Module imports can't be nested lists. Perhaps you meant to remove one level of lists? Definitions: ${
        showDefs [
          {
            inherit file;
            value = m;
          }
        ]
      }"
    else
      let
        p = toString m;
      in
      unifyModuleSyntax p p (applyModuleArgsIfFunction p (import m) args);

  collectModules =
    class: modulesPath: roots: args:
    let
      checkClass =
        m:
        if class == null || m._class == null || m._class == class then
          m
        else
          throw "The module `${m._file or m.key}` (class: ${lib.strings.escapeNixString m._class}) cannot be imported into a module evaluation that expects class ${lib.strings.escapeNixString class}.";

      # file: key: raw: checkClass (loadModule args file key raw)
      load = if class == null then loadModule args else file: key: raw: checkClass (loadModule args file key raw);

      # A tree of { key, module, children } in import order.
      walk =
        file: parentKey: ms:
        imap1 (
          n: raw:
          let
            m = load file "${parentKey}:anon-${toString n}" raw;
          in
          {
            inherit (m) key;
            module = m;
            children = walk m._file m.key m.imports;
          }
        ) ms;
      tree = walk unknownModule "" roots;

      # Every disabledModules entry anywhere in the tree, as keys.
      disabledKeyOf =
        file: d:
        if b.isString d then
          (if b.substring 0 1 d == "/" then d else toString modulesPath + "/" + d)
        else if lib.strings.isConvertibleWithToString d then
          (
            if d ? key && d.key != toString d then
              throw "Module `${file}` contains a disabledModules item that is an attribute set that can be converted to a string (${toString d}) but also has a `.key` attribute (${d.key}) with a different value. This makes it ambiguous which module should be disabled."
            else
              toString d
          )
        else if d ? key then
          d.key
        else if b.isAttrs d then
          throw "Module `${file}` contains a disabledModules item that is an attribute set, presumably a module, that does not have a `key` attribute. This means that the module system doesn't have any means to identify the module that should be disabled. Make sure that you've put the correct value in disabledModules: a string path relative to modulesPath, a path value, or an attribute set with a `key` attribute."
        else
          throw "Each disabledModules item must be a path, string, or a attribute set with a key attribute, or a value supported by toString. However, one of the disabledModules items in `${toString file}` is none of that, but is of type ${b.typeOf d}.";
      disabledIn =
        nodes:
        concatMap (
          node: map (disabledKeyOf node.module._file) node.module.disabledModules ++ disabledIn node.children
        ) nodes;
      disabledKeys = disabledIn tree;
      enabled = filter (node: !b.elem node.key disabledKeys);

      graphOf = map (node: {
        disabled = b.elem node.key disabledKeys;
        inherit (node) key;
        file = node.module._file;
        imports = graphOf node.children;
      });
    in
    {
      # cairn's evaluator walks the tree in Go (the same result).
      modules =
        if b ? __cairnCollect then
          b.__cairnCollect {
            inherit load roots;
            disabledKey = disabledKeyOf;
            file = unknownModule;
          }
        else
          map (node: node.module) (
            b.genericClosure {
              startSet = enabled tree;
              operator = node: enabled node.children;
            }
          );
      graph = graphOf (filter (node: node.key != "lib/modules.nix") tree);
    };

  # ---------------------------------------------------------------- merging

  # Walk the declarations (`decls`: [{ _file, options }]) and definitions
  # (`configs`: [{ file, config }]) of one level of the option tree.
  # Returns { matchedOptions, unmatchedDefns }.
  mergeModules' =
    prefix: decls: configs:
    let
      declsByName =
        if b ? __cairnGroupDeclarations then b.__cairnGroupDeclarations badDecl decls else declsByName';
      declsByName' = lib.attrsets.zipAttrs (
        map (
          d:
          mapAttrs (n: o: {
            inherit (d) _file;
            pos = b.unsafeGetAttrPos n d.options;
            options = o;
          }) d.options
        ) checkedDecls
      );
      badDecl =
        d:
        throw ''
          An option declaration for `${b.concatStringsSep "." prefix}' has type
          `${b.typeOf d.options}' rather than an attribute set.
          Did you mean to define this outside of `options'?
        '';
      checkedDecls = map (d: if !b.isAttrs d.options then badDecl d else d) decls;

      badConfig =
        c:
        throw ''
          In module `${c.file}', you're trying to define a value of type `${b.typeOf c.config}'
          rather than an attribute set for the option
          `${b.concatStringsSep "." prefix}'!

          This usually happens if `${b.concatStringsSep "." prefix}' has option
          definitions inside that are not matched. Please check how to properly define
          this option by e.g. referring to `man 5 configuration.nix'!
        '';
      checkedConfigs = map (c: if b.isAttrs c.config then c else badConfig c) configs;

      # name -> raw definitions [{ file, value, pos }] (for options); pos is
      # where the module wrote the attribute, for error messages (null when
      # unknown). evalOptionValue keeps it out of definitionsWithLocations.
      # cairn's evaluator groups both in one pass in Go (the same result).
      grouped = if b ? __cairnGroupConfigs then b.__cairnGroupConfigs badConfig configs else null;
      defsByName = if grouped != null then grouped.defs else defsByName';
      subConfigsByName = if grouped != null then grouped.subs else subConfigsByName';
      defsByName' = lib.attrsets.zipAttrs (
        map (
          c:
          mapAttrs (n: v: {
            inherit (c) file;
            value = v;
            pos = b.unsafeGetAttrPos n c.config;
          }) c.config
        ) checkedConfigs
      );
      # name -> definitions split by pushDownProperties (for nested levels)
      subConfigsByName' = b.zipAttrsWith (_: concatLists) (
        map (
          c:
          mapAttrs (
            _: v:
            map (sub: {
              inherit (c) file;
              config = sub;
            }) (pushDownProperties v)
          ) c.config
        ) checkedConfigs
      );

      asSubmoduleOption =
        decl:
        if isOption decl.options then
          decl
        else
          decl
          // {
            options = mkOption {
              type = types.submoduleWith {
                modules = [ { options = decl.options; } ];
                shorthandOnlyDefinesConfig = null;
              };
            };
          };

      # name -> { matchedOptions; unmatchedDefns; }. Most names have one
      # declaration, an option (cairn's evaluator tells in Go, the same).
      results =
        if b ? __cairnResults then
          b.__cairnResults evalDeclaredOption otherResult mergeModules' prefix declsByName defsByName subConfigsByName
        else
          mapAttrs (
            name: ds:
            if length ds == 1 && (head ds).options._type or null == "option" then
              {
                matchedOptions = evalDeclaredOption (prefix ++ [ name ]) (head ds) (defsByName.${name} or [ ]);
                unmatchedDefns = [ ];
              }
            else
              otherResult name ds
          ) declsByName;
      otherResult =
        name: ds:
        let
          loc = prefix ++ [ name ];
          optionDecls = filter (
            d:
            d.options ? _type
            && (d.options._type == "option" || throwDeclarationTypeError loc d.options._type d._file)
          ) ds;
          asOption = decls': {
            matchedOptions = evalOptionValue loc (fixupOptionType loc (mergeOptionDecls loc decls')) (
              defsByName.${name} or [ ]
            );
            unmatchedDefns = [ ];
          };
        in
        if length optionDecls == length ds then
          asOption ds
        else if optionDecls != [ ] then
          if b.all (d: d.options.type.name or null == "submodule") optionDecls then
            asOption (map asSubmoduleOption ds)
          else
            let
              plain = filter (d: !isOption d.options) ds;
              listing = b.concatStringsSep "\n" (
                b.sort (x: y: x < y) (
                  concatMap (
                    d:
                    map (
                      p: " - option(s) with prefix `${showOption (loc ++ [ p ])}' in module `${d._file}'"
                    ) (attrNames d.options)
                  ) plain
                )
              );
            in
            throw "The option `${showOption loc}' in module `${(head optionDecls)._file}' would be a parent of the following options, but its type `${
              (head optionDecls).options.type.description or "<no description>"
            }' does not support nested options.\n${listing}"
        else
          mergeModules' loc ds (subConfigsByName.${name} or [ ]);

      matchedOptions =
        if b ? __cairnSelectEach then
          b.__cairnSelectEach "matchedOptions" results
        else
          mapAttrs (_: r: r.matchedOptions) results;
      unmatchedByName =
        mapAttrs (_: r: r.unmatchedDefns) results // b.removeAttrs defsByName (attrNames matchedOptions);
    in
    {
      inherit matchedOptions;
      unmatchedDefns =
        if configs == [ ] then
          [ ]
        else if b ? __cairnUnmatched then
          b.__cairnUnmatched results defsByName
        else
          concatLists (
            lib.attrsets.mapAttrsToList (
              name: defs: map (def: def // { prefix = [ name ] ++ (def.prefix or [ ]); }) defs
            ) unmatchedByName
          );
    };

  mergeModules =
    prefix: modules:
    mergeModules' prefix modules (
      if b ? __cairnModuleConfigs then
        b.__cairnModuleConfigs modules
      else
        concatMap (
          m:
          map (c: {
            file = m._file;
            config = c;
          }) (pushDownProperties m.config)
        ) modules
    );

  throwDeclarationTypeError =
    loc: tag: file:
    throw (
      "In module ${file}: expected an option declaration at option path `${showOption loc}` but got an attribute set with type ${tag}"
      + lib.strings.optionalString (tag == "option-type") ''


        When declaring an option, you must wrap the type in a `mkOption` call. It should look somewhat like:
            ${lib.strings.escapeNixIdentifier (last loc)} = lib.mkOption {
              description = ...;
              type = <the type you wrote for ${lib.strings.escapeNixIdentifier (last loc)}>;
              ...
            };
      ''
    );

  # Combine the declarations of one option. Only sub-module options may be
  # declared several times; their types are merged through their functors.
  mergeOptionDecls =
    loc: opts:
    # One declaration (nearly every option): the fold below would give
    # this, without the checks that need two.
    if length opts == 1 then
      let
        opt = head opts;
        subModules = opt.options.type.getSubModules or null;
      in
      opt.options
      // {
        inherit loc;
        declarations = [ opt._file ];
        declarationPositions = [
          (
            if opt.pos or null != null then
              opt.pos
            else
              {
                file = opt._file;
                line = null;
                column = null;
              }
          )
        ];
        options = if subModules != null then map (setDefaultModuleLocation opt._file) subModules else [ ];
      }
    else
    b.foldl' (
      acc: opt:
      let
        o = opt.options;
        both = k: o ? ${k} && acc ? ${k};
        already = "The option `${showOption loc}' in `${opt._file}' is already declared in ${showFiles acc.declarations}.";
        mergedType =
          let
            t = acc.type.typeMerge o.type.functor;
          in
          if t == null then throw already else t;
        subModules = o.type.getSubModules or null;
      in
      if both "default" || both "example" || both "description" || both "apply" then
        throw already
      else
        o
        // acc
        // {
          declarations = acc.declarations ++ [ opt._file ];
          declarationPositions =
            acc.declarationPositions
            ++ [
              (
                if opt.pos or null != null then
                  opt.pos
                else
                  {
                    file = opt._file;
                    line = null;
                    column = null;
                  }
              )
            ];
          options =
            if subModules != null then map (setDefaultModuleLocation opt._file) subModules ++ acc.options else acc.options;
        }
        // optionalAttrs (o ? type && acc ? type) { type = mergedType; }
    ) {
      inherit loc;
      declarations = [ ];
      declarationPositions = [ ];
      options = [ ];
    } opts;

  fixupOptionType =
    loc: opt:
    if opt.type.getSubModules or null == null then
      opt // { type = opt.type or types.unspecified; }
    else
      opt
      // {
        type = opt.type.substSubModules opt.options;
        options = [ ];
      };

  # Resolve the definitions of one value of `type` at `loc`. cairn's
  # evaluator does it in Go (the same semantics, the same errors, thrown
  # by these helpers); mergeDefinitions' is the reference and what real
  # Nix runs.
  mergeDefinitions =
    if b ? __cairnMergeDefinitions then b.__cairnMergeDefinitions mergeHelpers else mergeDefinitions';
  mergeHelpers = {
    inherit checkedByValues;
    inherit (lib.options) mergeEqualOption;
    typeErrorThrow =
      loc: type: err:
      throw "A definition for option `${showOption loc}' is not of type `${type.description}'. TypeError: ${err}";
    checkThrow =
      loc: type: bad:
      throw "A definition for option `${showOption loc}' is not of type `${type.description}'. Definition values:${showDefs bad}";
    undefinedThrow =
      loc: throw "The option `${showOption loc}' was accessed but has no value defined. Try setting the option.";
  };
  mergeDefinitions' = loc: type: defs: rec {
    # cairn's evaluator does this in Go (the same semantics); the Nix code
    # is the reference and what real Nix runs.
    defsFinal' =
      if b ? __cairnDefinitions then
        b.__cairnDefinitions defs
      else
      let
        single = head defs;
        plainSingle =
          length defs == 1
          && b.addErrorContext "while evaluating definitions from `${single.file}':" (
            !(b.isAttrs single.value && single.value ? _type)
          );
        discharged = concatMap (
          def:
          map (
            v:
            if kindOf v == "definition" then
              v
            else
              {
                inherit (def) file;
                value = v;
                pos = def.pos or null;
              }
          ) (
            b.addErrorContext "while evaluating definitions from `${def.file}':" (dischargeProperties def.value)
          )
        ) defs;
        filtered = filterOverrides' discharged;
      in
      # Most options have one definition without properties: nothing to
      # discharge, filter or sort.
      if plainSingle then
        {
          values = defs;
          highestPrio = defaultOverridePriority;
        }
      else
        {
          inherit (filtered) highestPrio;
          values =
            if b.any (def: kindOf def.value == "order") filtered.values then
              sortProperties filtered.values
            else
              filtered.values;
        };
    defsFinal = defsFinal'.values;
    isDefined = defsFinal != [ ];
    mergedValue =
      if isDefined then
        if type ? typeError then
          let
            err = type.typeError type loc defsFinal;
          in
          if err == null then
            type.merge loc defsFinal
          else
            throw "A definition for option `${showOption loc}' is not of type `${type.description}'. TypeError: ${err}"
        else
          let
            bad = filter (def: !type.check def.value) defsFinal;
          in
          if bad == [ ] then
            type.merge loc defsFinal
          else
            throw "A definition for option `${showOption loc}' is not of type `${type.description}'. Definition values:${showDefs bad}"
      else if type.emptyValue ? value then
        type.emptyValue.value
      else
        throw "The option `${showOption loc}' was accessed but has no value defined. Try setting the option.";
    optionalValue = if isDefined then { value = mergedValue; } else { };
    checkedAndMerged = {
      headError = null;
      value = mergedValue;
      valueMeta = { };
    };
  };

  # The final option: the merged declaration plus value and definitions.
  evalOptionValue =
    loc: opt: defs:
    let
      withDefault =
        optional (opt ? default) {
          file = head opt.declarations;
          value = mkOptionDefault opt.default;
          pos = head opt.declarationPositions;
        }
        ++ defs;
      res =
        if opt.readOnly or false && length withDefault > 1 then
          let
            each = map (def: def // { value = (mergeDefinitions loc opt.type [ def ]).mergedValue; }) withDefault;
          in
          throw "The option `${showOption loc}' is read-only, but it's set multiple times. Definition values:${showDefs each}"
        else
          mergeDefinitions loc opt.type withDefault;
      # As mergeDefinitions' error, naming where the option is declared.
      merged =
        if res.isDefined || opt.type.emptyValue ? value then
          res.mergedValue
        else
          throw "The option `${showOption loc}' was accessed but has no value defined. Try setting the option.\nIt is declared in ${showPositions opt.declarationPositions}.";
      value = if opt ? apply then opt.apply merged else merged;
      deprecated =
        if opt.type.deprecationMessage or null != null then
          lib.trivial.warn "The type `types.${opt.type.name}' of option `${showOption loc}' defined in ${showFiles opt.declarations} is deprecated. ${opt.type.deprecationMessage}"
        else
          x: x;
    in
    deprecated opt
    // {
      value = b.addErrorContext "while evaluating the option `${showOption loc}':" value;
      inherit (res.defsFinal') highestPrio;
      definitions = map (def: def.value) res.defsFinal;
      files = map (def: def.file) res.defsFinal;
      definitionsWithLocations = map (def: if def ? pos then b.removeAttrs def [ "pos" ] else def) res.defsFinal;
      # cairn: where each of definitionsWithLocations was written ({ file,
      # line, column } or null), for messages naming file:line.
      definitionPositions = map (def: def.pos or null) res.defsFinal;
      inherit (res) isDefined;
      valueMeta = { };
      __toString = _: showOption loc;
    };

  # evalOptionValue loc (fixupOptionType loc (mergeOptionDecls loc [ decl ]))
  # defs: the option of one declaration, the common case, built with one
  # `//` rather than three. cairn's evaluator builds it in Go (the same
  # attributes, as lazy), with these helpers for the parts that make
  # messages; evalDeclaredOption' is the reference and what real Nix runs.
  evalDeclaredOption =
    if b ? __cairnDeclaredOption then b.__cairnDeclaredOption declaredHelpers else evalDeclaredOption';
  declaredHelpers = {
    inherit mergeDefinitions setDefaultModuleLocation;
    inherit (types) unspecified;
    deprecated =
      loc: type: file: o:
      lib.trivial.warn "The type `types.${type.name}' of option `${showOption loc}' defined in ${showFiles [ file ]} is deprecated. ${type.deprecationMessage}" o;
    readOnlyThrow =
      loc: type: withDefault:
      let
        each = map (def: def // { value = (mergeDefinitions loc type [ def ]).mergedValue; }) withDefault;
      in
      throw "The option `${showOption loc}' is read-only, but it's set multiple times. Definition values:${showDefs each}";
    undefinedThrow =
      loc: declarationPositions:
      throw "The option `${showOption loc}' was accessed but has no value defined. Try setting the option.\nIt is declared in ${showPositions declarationPositions}.";
    valueOf = loc: value: b.addErrorContext "while evaluating the option `${showOption loc}':" value;
    toStringOf = loc: _: showOption loc;
  };
  evalDeclaredOption' =
    loc: decl: defs:
    let
      o = decl.options;
      file = decl._file;
      subModules = o.type.getSubModules or null;
      type =
        if subModules == null then
          o.type or types.unspecified
        else
          o.type.substSubModules (map (setDefaultModuleLocation file) subModules);
      declarations = [ file ];
      declPos =
        if decl.pos or null != null then
          decl.pos
        else
          {
            inherit file;
            line = null;
            column = null;
          };
      declarationPositions = [ declPos ];
      withDefault =
        (
          if o ? default then
            [
              {
                inherit file;
                # mkOptionDefault o.default
                value = {
                  _type = "override";
                  priority = 1500;
                  content = o.default;
                };
                pos = declPos;
              }
            ]
          else
            [ ]
        )
        ++ defs;
      res =
        if o.readOnly or false && length withDefault > 1 then
          let
            each = map (def: def // { value = (mergeDefinitions loc type [ def ]).mergedValue; }) withDefault;
          in
          throw "The option `${showOption loc}' is read-only, but it's set multiple times. Definition values:${showDefs each}"
        else
          mergeDefinitions loc type withDefault;
      merged =
        if res.isDefined || type.emptyValue ? value then
          res.mergedValue
        else
          throw "The option `${showOption loc}' was accessed but has no value defined. Try setting the option.\nIt is declared in ${showPositions declarationPositions}.";
      value = if o ? apply then o.apply merged else merged;
    in
    (
      if type.deprecationMessage or null != null then
        lib.trivial.warn "The type `types.${type.name}' of option `${showOption loc}' defined in ${showFiles declarations} is deprecated. ${type.deprecationMessage}" o
      else
        o
    )
    // {
      inherit
        loc
        declarations
        declarationPositions
        type
        ;
      options = [ ];
      value = b.addErrorContext "while evaluating the option `${showOption loc}':" value;
      inherit (res.defsFinal') highestPrio;
      definitions = map (def: def.value) res.defsFinal;
      files = map (def: def.file) res.defsFinal;
      definitionsWithLocations = map (def: if def ? pos then b.removeAttrs def [ "pos" ] else def) res.defsFinal;
      definitionPositions = map (def: def.pos or null) res.defsFinal;
      inherit (res) isDefined;
      valueMeta = { };
      __toString = _: showOption loc;
    };

  mergeAttrDefinitionsWithPrio =
    opt:
    let
      byAttr = lib.attrsets.zipAttrs (
        concatMap (
          def:
          concatMap (
            s: lib.attrsets.mapAttrsToList (k: v: { ${k} = def // { value = v; }; }) s
          ) (pushDownProperties def.value)
        ) opt.definitionsWithLocations
      );
    in
    assert opt.type.name == "attrsOf" || opt.type.name == "lazyAttrsOf";
    mapAttrs (
      k: ds:
      let
        r = mergeDefinitions (opt.loc ++ [ k ]) opt.type.nestedTypes.elemType ds;
      in
      {
        value = r.mergedValue;
        inherit (r.defsFinal') highestPrio;
      }
    ) byAttr;

  # ---------------------------------------------------------------- evalModules

  # The `_module.*` option declarations of an evaluation (internal for a
  # nested one, with a prefix). They do not depend on the evaluation, so
  # they are made once, not per evaluation (each submodule value is one).
  internalOptions =
    internal: {
      args = mkOption (
        {
          type = types.lazyAttrsOf types.raw;
          description = ''
            Extra arguments for every module function of this evaluation, next
            to the ones always given (`lib`, `config`, `options`, `specialArgs`
            and the attributes of `specialArgs`, which cannot be changed here).
            NixOS passes `pkgs` this way.

            The values are lazy and may depend on `config`, but `imports`
            cannot use them: imports are resolved before any option has a
            value, so arguments needed there belong in `specialArgs`.
            Submodules have their own `_module.args`; they only receive
            `name`, the attribute name they are defined under.
          '';
        }
        // optionalAttrs internal { internal = true; }
      );
      check = mkOption {
        type = types.bool;
        internal = true;
        default = true;
        description = "Whether to check whether all option definitions have matching declarations.";
      };
      freeformType = mkOption {
        type = types.nullOr types.optionType;
        internal = true;
        default = null;
        description = ''
          The type of definitions that match no declared option. When set,
          such definitions are merged with this type and combined with the
          declared options into `config`; when null, they are an error
          (unless `_module.check` is false).
        '';
      };
      specialArgs = mkOption {
        readOnly = true;
        internal = true;
        description = "Externally provided module arguments that can't be modified from within a configuration, but can be used in module imports.";
      };
    };
  internalOptionsTop = internalOptions false;
  internalOptionsNested = internalOptions true;

  evalModules =
    evalArgs@{
      modules,
      prefix ? [ ],
      specialArgs ? { },
      class ? null,
      args ? { },
      check ? true,
    }:
    let
      legacyModules =
        if evalArgs ? args || evalArgs ? check then
          optional (evalArgs ? args) { config._module.args = args; }
          ++ optional (evalArgs ? check) { config._module.check = mkDefault check; }
        else
          [ ];
      regularModules = modules ++ legacyModules;

      # Declares `_module.*`; a fresh copy per evaluation.
      internalModule = {
        _file = "lib/modules.nix";
        key = "lib/modules.nix";
        options._module = if prefix != [ ] then internalOptionsNested else internalOptionsTop;
        config._module = {
          args = {
            inherit extendModules;
            moduleType = type;
          };
          inherit specialArgs;
        };
      };

      moduleArgs = {
        inherit lib options specialArgs;
        _class = class;
        _prefix = prefix;
        config = b.addErrorContext "if you get an infinite recursion here, you probably reference `config` in `imports`. If you are trying to achieve a conditional import behavior dependent on `config`, consider importing unconditionally, and using `mkEnableOption` and `mkIf` to control its effect." config;
      }
      // specialArgs;

      collected = collectModules class (specialArgs.modulesPath or "") (
        regularModules ++ [ internalModule ]
      ) moduleArgs;

      merged = mergeModules prefix (reverseList collected.modules);
      options = merged.matchedOptions;

      declaredConfig =
        if b ? __cairnOptionValues then
          b.__cairnOptionValues options
        else
          mapAttrsRecursiveCond (v: !isOption v) (_: v: v.value) options;
      freeformType = declaredConfig._module.freeformType;
      config =
        if freeformType == null then
          declaredConfig
        else
          let
            defs = map (def: {
              inherit (def) file;
              value = setAttrByPath def.prefix def.value;
            }) merged.unmatchedDefns;
          in
          recursiveUpdate (if defs == [ ] then { } else freeformType.merge prefix defs) declaredConfig;

      checkUnmatched =
        if config._module.check && freeformType == null && merged.unmatchedDefns != [ ] then
          throw (undeclaredMessage prefix options (head merged.unmatchedDefns))
        else
          null;
      checked = b.seq checkUnmatched;

      extendModules =
        extendArgs@{
          modules ? [ ],
          specialArgs ? { },
          prefix ? [ ],
        }:
        evalModules (
          evalArgs
          // {
            modules = regularModules ++ modules;
            specialArgs = evalArgs.specialArgs or { } // specialArgs;
            prefix = extendArgs.prefix or evalArgs.prefix or [ ];
          }
        );

      type = types.submoduleWith { inherit modules specialArgs class; };
      result = {
        _type = "configuration";
        options = checked options;
        config = checked (b.removeAttrs config [ "_module" ]);
        _module = checked config._module;
        inherit (collected) graph;
        inherit extendModules type class;
      };
    in
    # The warnings of lib.trivial.warnIf, without its calls when there is
    # nothing to warn about (every submodule value is an evaluation).
    if evalArgs ? args || evalArgs ? check then
      lib.trivial.warnIf (evalArgs ? args)
        "The args argument to evalModules is deprecated. Please set config._module.args instead."
        (
          lib.trivial.warnIf (evalArgs ? check)
            "The check argument to evalModules is deprecated. Please set config._module.check instead."
            result
        )
    else
      result;

  # "The option `a.b' does not exist", with the closest declared names.
  undeclaredMessage =
    prefix: options: def:
    let
      full = prefix ++ def.prefix;
      name = showOption full;
      parentRel = init def.prefix;
      siblings = attrNames (attrByPath parentRel { } options);
      candidates = if parentRel == [ ] then filter (n: n != "_module") siblings else siblings;
      wrong = last def.prefix;
      ranked = lib.lists.sortOn (lib.strings.levenshtein wrong) (
        if length candidates < 100 then
          candidates
        else
          filter (lib.strings.levenshteinAtMost 2 wrong) candidates
      );
      close = take 3 (filter (c: lib.strings.levenshtein wrong c <= lib.trivial.max 2 (b.stringLength wrong / 2)) ranked);
      quote = s: "`${showOption (init full ++ [ s ])}'";
      suggestion =
        if close == [ ] then
          ""
        else if length close == 1 then
          "\n\nDid you mean ${quote (head close)}?"
        else
          "\n\nDid you mean ${b.concatStringsSep ", " (map quote (init close))} or ${quote (last close)}?";
      base = "The option `${name}' does not exist. Definition values:${showDefs [ def ]}${suggestion}";
    in
    if attrNames options == [ "_module" ] then
      if showOption prefix == "" then
        ''
          ${base}

          It seems as if you're trying to declare an option by placing it into `config' rather than `options'!
        ''
      else
        ''
          ${base}

          However there are no options defined in `${showOption prefix}'. Are you sure you've
          declared your options properly? This can happen if you e.g. declared your options in `types.submodule'
          under `config' rather than `options'.
        ''
    else
      base;

  # ---------------------------------------------------------------- priorities

  mkOptionDefault = mkOverride 1500;
  mkDefault = mkOverride 1000;
  mkImageMediaOverride = mkOverride 60;
  mkForce = mkOverride 50;
  mkVMOverride = mkOverride 10;
  mkBefore = mkOrder 500;
  mkAfter = mkOrder 1500;
  mkFixStrictness = lib.trivial.warn "lib.mkFixStrictness has no effect and will be removed. It returns its argument unmodified, so you can just remove any calls." (
    x: x
  );

  mapDefinitionValue =
    f: def:
    let
      k = kindOf def;
    in
    if k == "merge" then
      def // { contents = map (mapDefinitionValue f) def.contents; }
    else if k == "if" || k == "override" || k == "order" then
      def // { content = mapDefinitionValue f def.content; }
    else if k == "definition" then
      def // { value = mapDefinitionValue f def.value; }
    else
      f def;

  # ---------------------------------------------------------------- aliases

  mkAliasAndWrapDefinitions = wrap: option: mkIf option.isDefined (wrap (mkMerge option.definitions));
  mkAliasDefinitions = mkAliasAndWrapDefinitions (x: x);
  mkAliasAndWrapDefsWithPriority =
    wrap: option:
    let
      prio = option.highestPrio or defaultOverridePriority;
    in
    mkIf option.isDefined (wrap (mkMerge (map (mkOverride prio) option.definitions)));
  mkAliasIfDef = option: mkIf option.isDefined;
  mkDerivedConfig = opt: f: mkOverride (opt.highestPrio or defaultOverridePriority) (f opt.value);

  # An option at `from` that forwards its definitions to `to`.
  doRename =
    {
      from,
      to,
      visible,
      warn,
      use,
      withPriority ? true,
      condition ? true,
    }:
    { config, options, ... }:
    let
      fromOpt = getAttrFromPath from options;
      toValue = attrByPath to (abort "Renaming error: option `${showOption to}' does not exist.");
      toType = (attrByPath to { } options).type or (types.submodule { });
      forward = if withPriority then mkAliasAndWrapDefsWithPriority else mkAliasAndWrapDefinitions;
    in
    {
      options = setAttrByPath from (
        mkOption {
          inherit visible;
          description = "Alias of {option}`${showOption to}`.";
          apply = _: use (toValue config);
        }
        // optionalAttrs (toType != null) { type = toType; }
      );
      config = mkIf condition (mkMerge [
        (optionalAttrs (options ? warnings) {
          warnings = optional (
            warn && fromOpt.isDefined
          ) "The option `${showOption from}' defined in ${showFiles fromOpt.files} has been renamed to `${showOption to}'.";
        })
        (forward (setAttrByPath to) fromOpt)
      ]);
    };

  mkRenamedOptionModule =
    from: to:
    doRename {
      inherit from to;
      visible = false;
      warn = true;
      use = b.trace "Obsolete option `${showOption from}' is used. It was renamed to `${showOption to}'.";
    };

  mkRenamedOptionModuleWith =
    {
      from,
      to,
      sinceRelease,
    }:
    doRename {
      inherit from to;
      visible = false;
      warn = lib.trivial.oldestSupportedReleaseIsAtLeast sinceRelease;
      use = lib.trivial.warnIf (lib.trivial.oldestSupportedReleaseIsAtLeast sinceRelease) "Obsolete option `${showOption from}' is used. It was renamed to `${showOption to}'.";
    };

  mkAliasOptionModule =
    from: to:
    doRename {
      inherit from to;
      visible = true;
      warn = false;
      use = x: x;
    };
  mkAliasOptionModuleMD = mkAliasOptionModule;

  mkRemovedOptionModule =
    optionName: replacementInstructions:
    { options, ... }:
    {
      options = setAttrByPath optionName (mkOption {
        visible = false;
        apply =
          _:
          throw "The option `${showOption optionName}' can no longer be used since it's been removed. ${replacementInstructions}";
      });
      config.assertions =
        let
          opt = getAttrFromPath optionName options;
        in
        [
          {
            assertion = !opt.isDefined;
            message = ''
              The option definition `${showOption optionName}' in ${showFiles opt.files} no longer has any effect; please remove it.
              ${replacementInstructions}
            '';
          }
        ];
    };

  mkMergedOptionModule =
    from: to: mergeFn:
    { config, options, ... }:
    let
      unset = "_mkMergedOptionModule";
    in
    {
      options = b.foldl' recursiveUpdate { } (
        map (
          path:
          setAttrByPath path (mkOption {
            visible = false;
            default = unset;
          })
        ) from
      );
      config = {
        warnings = filter (x: x != "") (
          map (
            f:
            lib.strings.optionalString (getAttrFromPath f config != unset)
              "The option `${showOption f}' defined in ${showFiles (getAttrFromPath f options).files} has been changed to `${showOption to}' that has a different type. Please read `${showOption to}' documentation and update your configuration accordingly."
          ) from
        );
      }
      // setAttrByPath to (
        mkMerge (optional (b.any (f: getAttrFromPath f config != unset) from) (mergeFn config))
      );
    };
  mkChangedOptionModule =
    from: to: changeFn:
    mkMergedOptionModule [ from ] to changeFn;

  importApply = modulePath: staticArg: setDefaultModuleLocation modulePath (import modulePath staticArg);
  importJSON = file: {
    _file = file;
    config = lib.trivial.importJSON file;
  };
  importTOML = file: {
    _file = file;
    config = lib.trivial.importTOML file;
  };
  fixMergeModules =
    modules: args:
    evalModules {
      inherit modules args;
      check = false;
    };
in
{
  inherit
    defaultOrderPriority
    defaultOverridePriority
    doRename
    evalModules
    evalOptionValue
    filterOverrides
    filterOverrides'
    fixMergeModules
    fixupOptionType
    importApply
    importJSON
    importTOML
    mapDefinitionValue
    mergeDefinitions
    mergeAttrDefinitionsWithPrio
    mergeOptionDecls
    mergeModules
    mergeModules'
    pushDownProperties
    dischargeProperties
    unifyModuleSyntax
    applyModuleArgsIfFunction
    mkAfter
    mkAliasAndWrapDefinitions
    mkAliasAndWrapDefsWithPriority
    mkAliasDefinitions
    mkAliasIfDef
    mkAliasOptionModule
    mkAliasOptionModuleMD
    mkAssert
    mkBefore
    mkChangedOptionModule
    mkDefault
    mkDefinition
    mkDerivedConfig
    mkFixStrictness
    mkForce
    mkIf
    mkImageMediaOverride
    mkMerge
    mkMergedOptionModule
    mkOptionDefault
    mkOrder
    mkOverride
    mkRemovedOptionModule
    mkRenamedOptionModule
    mkRenamedOptionModuleWith
    mkVMOverride
    setDefaultModuleLocation
    sortProperties
    ;
  collectModules = collectModules null;
}
