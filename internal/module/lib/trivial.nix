# Small general-purpose functions: combinators, booleans, numbers, function
# arguments, warnings, fixed points and extension of attribute sets.
{ lib }:
let
  b = builtins;
in
rec {
  id = x: x;
  const = x: _: x;
  flip =
    f: a: c:
    f c a;
  pipe = value: fns: b.foldl' (acc: f: f acc) value fns;
  concat = x: y: x ++ y;
  "or" = x: y: x || y;
  and = x: y: x && y;
  xor = x: y: (!x) != (!y);
  add = x: y: x + y;
  sub = x: y: x - y;
  mul = x: y: x * y;
  div = x: y: x / y;
  mod = base: int: base - (int * (b.div base int));
  min = x: y: if x < y then x else y;
  max = x: y: if x > y then x else y;
  compare =
    a: c:
    if a < c then
      -1
    else if a > c then
      1
    else
      0;
  splitByAndCompare =
    p: yes: no: a: c:
    if p a then
      (if p c then yes a c else -1)
    else if p c then
      1
    else
      no a c;

  inherit (b)
    bitAnd
    bitOr
    bitXor
    isBool
    isInt
    isFloat
    seq
    deepSeq
    lessThan
    pathExists
    readFile
    genericClosure
    ceil
    floor
    ;
  bitNot = b.sub (-1);

  boolToString = v: if v then "true" else "false";
  boolToYesNo = v: if v then "yes" else "no";
  mergeAttrs = x: y: x // y;
  defaultTo = fallback: v: if v == null then fallback else v;
  mapNullable = f: v: if v == null then null else f v;

  # Functions: attribute sets with __functor count as functions too.
  isFunction = f: b.isFunction f || (f ? __functor && isFunction (f.__functor f));
  functionArgs =
    f: if f ? __functor then f.__functionArgs or (functionArgs (f.__functor f)) else b.functionArgs f;
  setFunctionArgs = f: args: {
    __functor = _: f;
    __functionArgs = args;
  };
  mirrorFunctionArgs =
    f:
    let
      fArgs = functionArgs f;
    in
    g: setFunctionArgs g fArgs;
  toFunction = v: if isFunction v then v else _: v;

  # Warnings go to standard error and never change the value.
  warn = msg: b.trace "evaluation warning: ${msg}";
  warnIf = cond: msg: if cond then warn msg else id;
  warnIfNot = cond: msg: if cond then id else warn msg;
  info = msg: b.trace "INFO: ${msg}";
  showWarnings = warnings: res: lib.lists.foldr (w: x: warn w x) res warnings;
  throwIf = cond: msg: if cond then throw msg else id;
  throwIfNot = cond: msg: if cond then id else throw msg;
  checkListOfEnum =
    msg: valid: given:
    let
      unexpected = lib.lists.subtractLists valid given;
    in
    throwIfNot (unexpected == [ ])
      "${msg}: ${b.concatStringsSep ", " (map b.toString unexpected)} unexpected; valid ones: ${b.concatStringsSep ", " (map b.toString valid)}";

  # Release information of this lib (it follows nixpkgs' numbering so
  # version checks in modules keep working).
  release = "26.11";
  codeName = "cairn";
  version = release;
  versionSuffix = "";
  nixpkgsVersion = version;
  oldestSupportedRelease = 2505;
  isInOldestRelease = oldestSupportedReleaseIsAtLeast;
  oldestSupportedReleaseIsAtLeast = r: r <= oldestSupportedRelease;
  inNixShell = b.getEnv "IN_NIX_SHELL" != "";
  inPureEvalMode = !b ? currentSystem;

  importJSON = path: b.fromJSON (b.readFile path);
  importTOML = path: b.fromTOML (b.readFile path);

  toBaseDigits =
    base: i:
    let
      go = n: if n < base then [ n ] else go (b.div n base) ++ [ (mod n base) ];
    in
    assert base >= 2;
    assert i >= 0;
    go i;
  toHexString =
    i:
    let
      digit =
        d:
        if d < 10 then
          b.toString d
        else
          b.elemAt [ "A" "B" "C" "D" "E" "F" ] (d - 10);
    in
    b.concatStringsSep "" (map digit (toBaseDigits 16 i));
  fromHexString =
    s:
    let
      digits = lib.strings.stringToCharacters (lib.strings.toLower (lib.strings.removePrefix "0x" s));
      value =
        c:
        let
          i = lib.lists.findFirstIndex (x: x == c) null (
            lib.strings.stringToCharacters "0123456789abcdef"
          );
        in
        if i == null then throw "fromHexString: invalid digit ${c} in ${s}" else i;
    in
    b.foldl' (acc: c: acc * 16 + value c) 0 digits;

  # Fixed points and extensions (lib.fixedPoints).
  fix =
    f:
    let
      x = f x;
    in
    x;
  fix' =
    f:
    let
      x = f x // {
        __unfix__ = f;
      };
    in
    x;
  converge =
    f: x:
    let
      next = f x;
    in
    if next == x then x else converge f next;
  extends =
    overlay: f: final:
    let
      prev = f final;
    in
    prev // overlay final prev;
  composeExtensions =
    f: g: final: prev:
    let
      fApplied = f final prev;
      prev' = prev // fApplied;
    in
    fApplied // g final prev';
  composeManyExtensions = lib.lists.foldr composeExtensions (final: prev: { });
  toExtension =
    v:
    if isFunction v then
      final: prev:
      let
        r = v final;
      in
      if isFunction r then r prev else r
    else
      final: prev: v;
  makeExtensible = makeExtensibleWithCustomName "extend";
  makeExtensibleWithCustomName =
    extenderName: rattrs:
    fix' (
      self:
      rattrs self
      // {
        ${extenderName} = f: makeExtensibleWithCustomName extenderName (extends (toExtension f) rattrs);
      }
    );
}
