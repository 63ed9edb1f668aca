# Attribute-set functions.
{ lib }:
let
  b = builtins;
  inherit (b)
    attrNames
    hasAttr
    head
    tail
    length
    isAttrs
    mapAttrs
    listToAttrs
    ;
in
rec {
  inherit (b)
    attrNames
    attrValues
    hasAttr
    getAttr
    isAttrs
    mapAttrs
    listToAttrs
    intersectAttrs
    removeAttrs
    catAttrs
    zipAttrsWith
    ;

  # Paths into nested sets.
  attrByPath =
    path: fallback: set:
    let
      n = length path;
      go =
        i: s:
        if i == n then
          s
        else
          let
            k = b.elemAt path i;
          in
          if isAttrs s && s ? ${k} then go (i + 1) s.${k} else fallback;
    in
    go 0 set;
  hasAttrByPath =
    path: set:
    if path == [ ] then
      true
    else
      let
        k = head path;
      in
      isAttrs set && set ? ${k} && hasAttrByPath (tail path) set.${k};
  longestValidPathPrefix =
    path: set:
    let
      n = length path;
      go = i: s: if i < n && isAttrs s && s ? ${b.elemAt path i} then go (i + 1) s.${b.elemAt path i} else i;
    in
    lib.lists.take (go 0 set) path;
  setAttrByPath =
    path: value: lib.lists.foldr (k: inner: { ${k} = inner; }) value path;
  getAttrFromPath =
    path: set:
    attrByPath path (throw "cannot find attribute '${b.concatStringsSep "." path}'") set;
  attrVals = names: set: map (n: set.${n}) names;
  getAttrs = names: set: listToAttrs (map (n: nameValuePair n set.${n}) names);

  nameValuePair = name: value: { inherit name value; };
  mapAttrs' = f: set: listToAttrs (map (n: f n set.${n}) (attrNames set));
  mapAttrsToList = f: set: map (n: f n set.${n}) (attrNames set);
  attrsToList = mapAttrsToList nameValuePair;
  concatMapAttrs = f: set: b.foldl' (acc: s: acc // s) { } (mapAttrsToList f set);
  mapAttrsRecursive = f: mapAttrsRecursiveCond (_: true) f;
  mapAttrsRecursiveCond =
    cond: f: set:
    let
      go =
        path:
        mapAttrs (
          n: v:
          let
            here = path ++ [ n ];
          in
          if isAttrs v && cond v then go here v else f here v
        );
    in
    go [ ] set;
  mapAttrsToListRecursive = mapAttrsToListRecursiveCond (_: _: true);
  mapAttrsToListRecursiveCond =
    cond: f: set:
    let
      go =
        path: s:
        b.concatMap (
          n:
          let
            v = s.${n};
            here = path ++ [ n ];
          in
          if isAttrs v && cond here v then go here v else [ (f here v) ]
        ) (attrNames s);
    in
    go [ ] set;

  filterAttrs = pred: set: removeAttrs set (b.filter (n: !pred n set.${n}) (attrNames set));
  filterAttrsRecursive =
    pred: set:
    listToAttrs (
      b.concatMap (
        n:
        let
          v = set.${n};
        in
        if pred n v then [ (nameValuePair n (if isAttrs v then filterAttrsRecursive pred v else v)) ] else [ ]
      ) (attrNames set)
    );
  foldlAttrs =
    f: init: set:
    b.foldl' (acc: n: f acc n set.${n}) init (attrNames set);
  foldAttrs =
    op: nul: list:
    lib.lists.foldr (
      set: acc: b.foldl' (a: n: a // { ${n} = op set.${n} (a.${n} or nul); }) acc (attrNames set)
    ) { } list;
  collect =
    pred: v:
    if pred v then
      [ v ]
    else if isAttrs v then
      b.concatMap (collect pred) (b.attrValues v)
    else
      [ ];
  cartesianProduct =
    sets:
    b.foldl' (
      acc: n: b.concatMap (partial: map (x: partial // { ${n} = x; }) sets.${n}) acc
    ) [ { } ] (attrNames sets);
  mapCartesianProduct = f: sets: map f (cartesianProduct sets);

  genAttrs = names: f: listToAttrs (map (n: nameValuePair n (f n)) names);
  genAttrs' = xs: f: listToAttrs (map f xs);
  optionalAttrs = cond: set: if cond then set else { };
  zipAttrsWithNames =
    names: f: sets:
    listToAttrs (map (n: nameValuePair n (f n (b.catAttrs n sets))) names);
  zipAttrs = b.zipAttrsWith (_: values: values);
  mergeAttrsList = b.foldl' (acc: s: acc // s) { };

  # Merge nested sets; the right-hand side wins unless `pred path l r` stops
  # the recursion at that path.
  recursiveUpdateUntil =
    pred: lhs: rhs:
    let
      go =
        path:
        b.zipAttrsWith (
          n: values:
          let
            here = path ++ [ n ];
          in
          if length values == 1 || pred here (b.elemAt values 1) (head values) then
            head values
          else
            go here values
        );
    in
    go [ ] [
      rhs
      lhs
    ];
  recursiveUpdate = recursiveUpdateUntil (
    path: lhs: rhs:
    !(isAttrs lhs && isAttrs rhs)
  );
  matchAttrs =
    pattern: set:
    b.all (
      n:
      let
        p = pattern.${n};
      in
      set ? ${n} && (if isAttrs p then isAttrs set.${n} && matchAttrs p set.${n} else p == set.${n})
    ) (attrNames pattern);
  overrideExisting = old: new: mapAttrs (n: v: new.${n} or v) old;
  unionOfDisjoint =
    x: y:
    let
      common = b.intersectAttrs x y;
    in
    if common == { } then
      x // y
    else
      throw "unionOfDisjoint: collision on ${b.concatStringsSep ", " (attrNames common)}";
  showAttrPath =
    path:
    if path == [ ] then
      "<root attribute path>"
    else
      b.concatStringsSep "." (map lib.strings.escapeNixIdentifier path);

  # Derivations.
  isDerivation = v: v.type or null == "derivation";
  toDerivation =
    path:
    let
      p = b.storePath path;
      drv = {
        type = "derivation";
        name = lib.strings.sanitizeDerivationName (b.substring 33 (-1) (baseNameOf p));
        outPath = p;
        outputs = [ "out" ];
        out = drv;
        outputName = "out";
      };
    in
    drv;
  getOutput =
    output: pkg:
    if !(pkg ? outputSpecified) || !pkg.outputSpecified then pkg.${output} or pkg.out or pkg else pkg;
  getFirstOutput =
    candidates: pkg:
    let
      found = lib.lists.findFirst (o: pkg ? ${o}) null candidates;
    in
    if pkg.outputSpecified or false || found == null then pkg else pkg.${found};
  getBin = getOutput "bin";
  getLib = getOutput "lib";
  getStatic = getFirstOutput [
    "static"
    "lib"
    "out"
  ];
  getDev = getOutput "dev";
  getInclude = getFirstOutput [
    "include"
    "dev"
    "out"
  ];
  getMan = getOutput "man";
  chooseDevOutputs = map getDev;
  recurseIntoAttrs = set: set // { recurseForDerivations = true; };
  dontRecurseIntoAttrs = set: set // { recurseForDerivations = false; };
}
