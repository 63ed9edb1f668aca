# List functions.
{ lib }:
let
  b = builtins;
  inherit (b)
    length
    elemAt
    genList
    filter
    head
    tail
    ;
in
rec {
  inherit (b)
    head
    tail
    length
    elem
    elemAt
    filter
    map
    concatLists
    concatMap
    genList
    isList
    sort
    partition
    any
    all
    foldl'
    groupBy
    ;

  singleton = x: [ x ];
  forEach = xs: f: map f xs;

  # Right fold: op x1 (op x2 (... (op xn nul))).
  foldr =
    op: nul: list:
    let
      n = length list;
      go = i: if i == n then nul else op (elemAt list i) (go (i + 1));
    in
    go 0;
  fold = foldr;

  # Left fold with a lazy accumulator.
  foldl =
    op: nul: list:
    let
      go = i: if i < 0 then nul else op (go (i - 1)) (elemAt list i);
    in
    go (length list - 1);

  imap0 = f: list: genList (i: f i (elemAt list i)) (length list);
  imap1 = f: list: genList (i: f (i + 1) (elemAt list i)) (length list);
  ifilter0 =
    pred: list:
    map (i: elemAt list i) (filter (i: pred i (elemAt list i)) (genList (i: i) (length list)));

  flatten = x: if b.isList x then b.concatMap flatten x else [ x ];
  remove = e: filter (x: x != e);
  count = pred: b.foldl' (n: x: if pred x then n + 1 else n) 0;

  findSingle =
    pred: none: multiple: list:
    let
      found = filter pred list;
    in
    if found == [ ] then
      none
    else if length found > 1 then
      multiple
    else
      head found;
  findFirstIndex =
    pred: none: list:
    let
      n = length list;
      go = i: if i == n then none else if pred (elemAt list i) then i else go (i + 1);
    in
    go 0;
  findFirst =
    pred: none: list:
    let
      i = findFirstIndex pred null list;
    in
    if i == null then none else elemAt list i;

  optional = cond: x: if cond then [ x ] else [ ];
  optionals = cond: xs: if cond then xs else [ ];
  toList = x: if b.isList x then x else [ x ];
  range = first: last: if first > last then [ ] else genList (i: first + i) (last - first + 1);
  replicate = n: x: genList (_: x) n;

  zipListsWith =
    f: xs: ys:
    genList (i: f (elemAt xs i) (elemAt ys i)) (lib.trivial.min (length xs) (length ys));
  zipLists = zipListsWith (fst: snd: { inherit fst snd; });
  reverseList =
    b.__cairnReverseList or (
      xs:
      let
        n = length xs;
      in
      genList (i: elemAt xs (n - i - 1)) n
    );

  # Depth-first search for a minimal element of `list` under `before`.
  listDfs =
    stopOnCycles: before: list:
    let
      visit =
        current: seen: rest:
        let
          loops = filter (x: before x current) seen;
          split = b.partition (x: before x current) rest;
        in
        if stopOnCycles && loops != [ ] then
          {
            visited = seen;
            cycle = current;
            inherit loops rest;
          }
        else if split.right == [ ] then
          {
            minimal = current;
            visited = seen;
            rest = split.wrong;
          }
        else
          visit (head split.right) ([ current ] ++ seen) (tail split.right ++ split.wrong);
    in
    visit (head list) [ ] (tail list);

  # Topological sort: `before a b` means a must come before b.
  toposort =
    before: list:
    if length list < 2 then
      { result = list; }
    else
      let
        step = listDfs true before list;
        others = toposort before (step.visited ++ step.rest);
      in
      if step ? cycle then
        {
          cycle = reverseList ([ step.cycle ] ++ step.visited);
          inherit (step) loops;
        }
      else if others ? cycle then
        others
      else
        { result = [ step.minimal ] ++ others.result; };

  sortOn =
    f: list:
    map (p: p.v) (
      b.sort (x: y: x.k < y.k) (
        map (v: {
          inherit v;
          k = f v;
        }) list
      )
    );

  compareLists =
    cmp: xs: ys:
    if xs == [ ] then
      (if ys == [ ] then 0 else -1)
    else if ys == [ ] then
      1
    else
      let
        r = cmp (head xs) (head ys);
      in
      if r == 0 then compareLists cmp (tail xs) (tail ys) else r;

  naturalSort =
    list:
    let
      chunks = s: map (x: if b.isList x then b.fromJSON (head x) else x) (b.split "([0-9]+)" s);
      cmpChunk =
        x: y:
        if b.isInt x && b.isInt y || b.isString x && b.isString y then
          lib.trivial.compare x y
        else if b.isInt x then
          -1
        else
          1;
      keyed = map (s: {
        inherit s;
        k = chunks s;
      }) list;
    in
    map (x: x.s) (b.sort (x: y: compareLists cmpChunk x.k y.k < 0) keyed);

  sublist =
    start: count: list:
    let
      n = length list;
      from = if start >= n then n else start;
      len = if from + count > n then n - from else count;
    in
    genList (i: elemAt list (from + i)) (if len < 0 then 0 else len);
  take = count: sublist 0 count;
  drop = count: list: sublist count (length list) list;
  takeEnd = n: xs: drop (lib.trivial.max 0 (length xs - n)) xs;
  dropEnd = n: xs: take (lib.trivial.max 0 (length xs - n)) xs;
  last =
    list:
    assert lib.assertMsg (list != [ ]) "lists.last: list must not be empty!";
    elemAt list (length list - 1);
  init =
    list:
    assert lib.assertMsg (list != [ ]) "lists.init: list must not be empty!";
    take (length list - 1) list;
  hasPrefix = prefix: list: take (length prefix) list == prefix;
  removePrefix =
    prefix: list:
    if hasPrefix prefix list then
      drop (length prefix) list
    else
      throw "lists.removePrefix: First argument is not a list prefix of the second argument";
  commonPrefix =
    xs: ys:
    let
      n = lib.trivial.min (length xs) (length ys);
      go = i: if i < n && elemAt xs i == elemAt ys i then go (i + 1) else i;
    in
    take (go 0) xs;

  crossLists = f: foldl (fs: xs: b.concatMap (g: map g xs) fs) [ f ];

  unique = b.foldl' (acc: x: if b.elem x acc then acc else acc ++ [ x ]) [ ];
  uniqueStrings = list: b.attrNames (b.groupBy (x: x) list);
  allUnique = list: length (unique list) == length list;
  intersectLists = e: filter (x: b.elem x e);
  subtractLists = e: filter (x: !b.elem x e);
  mutuallyExclusive = a: c: a == [ ] || !(b.any (x: b.elem x a) c);

  groupBy' =
    op: nul: pred: list:
    b.mapAttrs (_: b.foldl' op nul) (b.groupBy pred list);

  replaceElemAt =
    list: idx: value:
    assert lib.assertMsg (idx >= 0 && idx < length list)
      "'lists.replaceElemAt' called with index ${toString idx} on a list of size ${toString (length list)}";
    genList (i: if i == idx then value else elemAt list i) (length list);

  concatAttrValues = set: b.concatLists (b.attrValues set);
}
