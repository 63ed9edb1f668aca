# builtins.derivation: the user-facing wrapper around derivationStrict.
# The result is the attribute set of the first output; every output's set
# holds the derivation's attributes plus outPath, drvPath, type and
# outputName, and all outputs are reachable from each other by name.
attrs @ { outputs ? [ "out" ], ... }:
let
  paths = derivationStrict attrs;
  shared = attrs // builtins.listToAttrs byName // {
    all = map (o: o.value) byName;
    drvAttrs = attrs;
  };
  forOutput = outputName: {
    name = outputName;
    value = shared // {
      outPath = builtins.getAttr outputName paths;
      drvPath = paths.drvPath;
      type = "derivation";
      inherit outputName;
    };
  };
  byName = map forOutput outputs;
in
(builtins.head byName).value
