# Tracing helpers.
{ lib }:
let
  b = builtins;
in
rec {
  inherit (b) trace addErrorContext unsafeGetAttrPos;
  traceIf = pred: msg: x: if pred then b.trace msg x else x;
  traceValFn = f: x: b.trace (f x) x;
  traceVal = traceValFn (x: x);
  traceSeq = x: y: b.trace (b.deepSeq x x) y;
  traceValSeqFn = f: v: traceValFn f (b.deepSeq v v);
  traceValSeq = traceValSeqFn (x: x);
  traceSeqN =
    depth: x: y:
    b.trace (lib.generators.toPretty { multiline = false; } (
      lib.generators.withRecursion {
        depthLimit = depth;
        throwOnDepthLimit = false;
      } x
    )) y;
  traceValSeqNFn =
    f: depth: v:
    traceSeqN depth (f v) v;
  traceValSeqN = traceValSeqNFn (x: x);
  traceFnSeqN =
    depth: name: f: v:
    let
      res = f v;
    in
    traceSeqN (depth + 1) {
      fn = name;
      "from" = v;
      to = res;
    } res;
  runTests =
    tests:
    b.concatLists (
      lib.attrsets.mapAttrsToList (
        name: t:
        if lib.strings.hasPrefix "test" name && !(t.expr == t.expected) then
          [
            {
              inherit name;
              inherit (t) expected;
              result = t.expr;
            }
          ]
        else
          [ ]
      ) tests
    );
  testAllTrue = expr: {
    inherit expr;
    expected = map (_: true) expr;
  };
}
