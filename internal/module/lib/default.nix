# cairn's lib: the functions NixOS modules use (attrsets, lists, strings,
# options, types, the module system, generators, ...), compatible with
# nixpkgs' lib. `import <cairn/lib>` gives this attribute set.
#
# Builtins this lib uses (an evaluator running it must provide them, all of
# them exist in Nix 2.8):
#   abort addErrorContext all any attrNames attrValues baseNameOf bitAnd
#   bitOr bitXor catAttrs ceil compareVersions concatLists concatMap
#   concatStringsSep currentSystem deepSeq dirOf div elem elemAt filter
#   floor foldl' fromJSON fromTOML functionArgs genList genericClosure
#   getAttr getEnv groupBy hasAttr hasContext head import intersectAttrs
#   isAttrs isBool isFloat isFunction isInt isList isPath isString length
#   lessThan listToAttrs map mapAttrs match parseDrvName partition
#   pathExists readFile removeAttrs replaceStrings seq sort split
#   splitVersion storeDir storePath stringLength sub substring tail throw
#   toJSON toString trace tryEval typeOf unsafeDiscardStringContext
#   unsafeGetAttrPos zipAttrsWith
#   (appendContext, getContext and hashString are only re-exported.)
let
  b = builtins;

  lib =
    let
      part = file: import file { inherit lib; };
      sets = {
        trivial = part ./trivial.nix;
        lists = part ./lists.nix;
        strings = part ./strings.nix;
        attrsets = part ./attrsets.nix;
        versions = part ./versions.nix;
        generators = part ./generators.nix;
        options = part ./options.nix;
        types = part ./types.nix;
        modules = part ./modules.nix;
        asserts = part ./asserts.nix;
        debug = part ./debug.nix;
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
        isPath
        baseNameOf
        dirOf
        readDir
        ;
      inherit (sets.versions) splitVersion;
      compareVersions = b.compareVersions;
      inherit (sets.types)
        isType
        setType
        defaultTypeMerge
        defaultFunctor
        isOptionType
        mkOptionType
        ;
    }
    # The functions lib offers at its top level.
    // b.removeAttrs sets.trivial [
      "release"
      "codeName"
      "versionSuffix"
      "oldestSupportedRelease"
      "fromHexString"
    ]
    // sets.lists
    // sets.strings
    // sets.attrsets
    // sets.asserts
    // sets.debug
    // b.removeAttrs sets.options [ "renderOptionValue" ]
    // b.removeAttrs sets.modules [ "collectModules" ]
    // {
      inherit (sets.trivial) fromHexString;
      # lists and strings both have replicate; lib.replicate is the list one.
      inherit (sets.lists) replicate;
    };
in
lib
