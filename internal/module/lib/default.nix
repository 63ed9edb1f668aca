# cairn's lib: the functions NixOS modules use (attrsets, lists, strings,
# options, types, the module system, generators, ...), compatible with
# nixpkgs' lib. `import <cairn/lib>` gives this attribute set.
#
# Builtins this lib uses (an evaluator running it must provide them; all
# exist in Nix 2.8):
#   abort addErrorContext all any attrNames attrValues baseNameOf bitAnd
#   bitOr bitXor catAttrs ceil compareVersions concatLists concatMap
#   concatStringsSep deepSeq dirOf div elem elemAt filter floor foldl'
#   fromJSON fromTOML functionArgs genList genericClosure getAttr getEnv
#   groupBy hasAttr hasContext head import intersectAttrs isAttrs isBool
#   isFloat isFunction isInt isList isPath isString length lessThan
#   listToAttrs map mapAttrs match parseDrvName partition pathExists
#   readFile removeAttrs replaceStrings seq sort split splitVersion storeDir
#   storePath stringLength sub substring tail throw toJSON toString trace
#   tryEval typeOf unsafeDiscardStringContext unsafeGetAttrPos zipAttrsWith
# Only re-exported (looked up when a user calls them): appendContext
# getContext hashString readDir toFile toXML. `builtins ? currentSystem`
# tells whether evaluation is pure. Used when present (cairn's evaluator):
# the `__cairn*` module primitives, each with the Nix code it replaces as
# the fallback (docs/design/modules.md).
let
  b = builtins;

  # The whole lib as a function of itself, so that `lib.extend` can patch it.
  build =
    self:
    let
      part = file: import file { lib = self; };
      typesFull = part ./types.nix;
      sets = {
        trivial = part ./trivial.nix;
        lists = part ./lists.nix;
        strings = part ./strings.nix;
        attrsets = part ./attrsets.nix;
        versions = part ./versions.nix;
        generators = part ./generators.nix;
        options = part ./options.nix;
        # types.checkedByValues is for modules.nix only.
        types = b.removeAttrs typesFull [ "checkedByValues" ];
        modules = import ./modules.nix {
          lib = self;
          inherit (typesFull) checkedByValues;
        };
        asserts = part ./asserts.nix;
        debug = part ./debug.nix;
        meta = part ./meta.nix;
        stringsWithDeps = part ./deps.nix;
        filesystem = part ./filesystem.nix;
      };
      fixedPoints = {
        inherit (sets.trivial)
          fix
          fix'
          converge
          extends
          composeExtensions
          composeManyExtensions
          makeExtensible
          makeExtensibleWithCustomName
          toExtension
          ;
      };
    in
    sets
    // {
      inherit fixedPoints;
      inherit (b)
        getContext
        hasContext
        hashString
        parseDrvName
        fromJSON
        fromTOML
        toFile
        toJSON
        toString
        toXML
        tryEval
        ;
      inherit (sets.versions) splitVersion compareVersions;
      inherit (sets.types)
        isType
        setType
        defaultTypeMerge
        defaultFunctor
        isOptionType
        mkOptionType
        ;
      inherit (sets.generators) mkLuaInline;
    }
    # The functions lib offers at its top level.
    // b.removeAttrs sets.trivial [
      "release"
      "codeName"
      "versionSuffix"
      "oldestSupportedRelease"
    ]
    // sets.lists
    // sets.strings
    // sets.attrsets
    // sets.asserts
    // sets.debug
    // sets.meta
    // sets.stringsWithDeps
    // sets.filesystem
    // b.removeAttrs sets.options [ "renderOptionValue" ]
    // b.removeAttrs sets.modules [
      "collectModules"
      "importApply"
      "importJSON"
      "importTOML"
    ]
    // {
      # lists and strings both have replicate; lib.replicate is the list one.
      inherit (sets.lists) replicate;
    };

  extensible =
    f:
    let
      self = f self // {
        extend = overlay: extensible (final: let prev = f final; in prev // overlay final prev);
      };
    in
    self;
in
extensible build
