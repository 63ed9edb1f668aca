# String functions.
{ lib }:
let
  b = builtins;
  inherit (b)
    stringLength
    substring
    match
    replaceStrings
    concatStringsSep
    ;
in
rec {
  inherit (b)
    compareVersions
    elem
    elemAt
    filter
    fromJSON
    genList
    head
    tail
    isAttrs
    isInt
    isList
    isPath
    parseDrvName
    readFile
    storeDir
    stringLength
    substring
    isString
    replaceStrings
    concatStringsSep
    match
    split
    toJSON
    typeOf
    unsafeDiscardStringContext
    appendContext
    ;
  join = b.concatStringsSep;

  concatStrings = b.concatStringsSep "";
  concatMapStrings = f: list: concatStrings (map f list);
  concatImapStrings = f: list: concatStrings (lib.lists.imap1 f list);
  concatMapStringsSep =
    sep: f: list:
    concatStringsSep sep (map f list);
  concatImapStringsSep =
    sep: f: list:
    concatStringsSep sep (lib.lists.imap1 f list);
  concatMapAttrsStringSep =
    sep: f: attrs:
    concatStringsSep sep (lib.attrsets.mapAttrsToList f attrs);
  concatLines = lines: if lines == [ ] then "" else concatStringsSep "\n" lines + "\n";
  intersperse =
    sep: list:
    if list == [ ] then
      [ ]
    else
      b.tail (b.concatMap (x: [
        sep
        x
      ]) list);
  replaceString = from: to: replaceStrings [ from ] [ to ];
  replicate = n: s: concatStrings (lib.lists.replicate n s);
  optionalString = cond: s: if cond then s else "";

  hasPrefix = prefix: s: substring 0 (stringLength prefix) s == prefix;
  hasSuffix =
    suffix: s:
    let
      ls = stringLength s;
      lx = stringLength suffix;
    in
    lx <= ls && substring (ls - lx) lx s == suffix;
  hasInfix = infix: s: match ".*${escapeRegex infix}.*" "${s}" != null;
  removePrefix =
    prefix: s:
    let
      n = stringLength prefix;
    in
    if hasPrefix prefix s then substring n (stringLength s - n) s else s;
  removeSuffix =
    suffix: s:
    let
      ls = stringLength s;
      lx = stringLength suffix;
    in
    if hasSuffix suffix s then substring 0 (ls - lx) s else s;

  stringToCharacters = s: b.genList (i: substring i 1 s) (stringLength s);
  stringAsChars = f: s: concatMapStrings f (stringToCharacters s);

  trimWith =
    {
      start ? false,
      end ? false,
    }:
    let
      ws = "[ \t\r\n]*";
      pattern =
        if start && end then
          "${ws}(.*[^ \t\r\n])${ws}"
        else if start then
          "${ws}(.*)"
        else if end then
          "(.*[^ \t\r\n])${ws}"
        else
          "(.*)";
    in
    s:
    let
      m = match pattern s;
    in
    if m == null then "" else b.head m;
  trim = trimWith {
    start = true;
    end = true;
  };

  escape = chars: replaceStrings chars (map (c: "\\${c}") chars);
  # Character codes of printable ASCII and the usual control characters.
  charToInt =
    let
      printable = " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~";
      codes =
        b.listToAttrs (
          b.genList (i: {
            name = substring i 1 printable;
            value = i + 32;
          }) (stringLength printable)
        )
        // {
          "\t" = 9;
          "\n" = 10;
          "\r" = 13;
        };
    in
    c: codes.${c};
  escapeC =
    chars:
    replaceStrings chars (
      map (c: "\\x${fixedWidthString 2 "0" (toLower (lib.trivial.toHexString (charToInt c)))}") chars
    );
  escapeRegex = escape (stringToCharacters "\\[{()^$?*+|.");
  escapeShellArg =
    arg:
    let
      s = toString arg;
    in
    if match "[[:alnum:],._+:@%/-]+" s != null then s else "'${replaceString "'" "'\\''" s}'";
  escapeShellArgs = concatMapStringsSep " " escapeShellArg;
  isValidPosixName = name: match "[a-zA-Z_][a-zA-Z0-9_]*" name != null;
  toShellVar =
    name: value:
    assert lib.assertMsg (isValidPosixName name) "toShellVar: ${name} is not a valid shell variable name";
    if b.isAttrs value && !isStringLike value then
      "declare -A ${name}=(${
        concatStringsSep " " (
          lib.attrsets.mapAttrsToList (n: v: "[${escapeShellArg n}]=${escapeShellArg v}") value
        )
      })"
    else if b.isList value then
      "declare -a ${name}=(${escapeShellArgs value})"
    else
      "${name}=${escapeShellArg value}";
  toShellVars = vars: concatStringsSep "\n" (lib.attrsets.mapAttrsToList toShellVar vars);
  escapeNixString = s: escape [ "$" ] (b.toJSON s);
  escapeNixIdentifier =
    s:
    if
      match "[a-zA-Z_][a-zA-Z0-9_'-]*" s != null
      && !b.elem s [
        "assert"
        "else"
        "if"
        "in"
        "inherit"
        "let"
        "or"
        "rec"
        "then"
        "with"
      ]
    then
      s
    else
      escapeNixString s;
  escapeXML =
    replaceStrings
      [ "\"" "'" "<" ">" "&" ]
      [ "&quot;" "&apos;" "&lt;" "&gt;" "&amp;" ];
  escapeURL =
    let
      unreserved = stringToCharacters "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~";
      hexOf = c: "%" + lib.trivial.toHexString (b.getAttr c asciiCodes);
      asciiCodes = b.listToAttrs (
        b.genList (i: {
          name = b.substring i 1 printable;
          value = i + 32;
        }) (stringLength printable)
      );
      printable = " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~";
      reserved = b.filter (c: !b.elem c unreserved) (stringToCharacters printable);
    in
    replaceStrings reserved (map hexOf reserved);

  lowerChars = stringToCharacters "abcdefghijklmnopqrstuvwxyz";
  upperChars = stringToCharacters "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  toLower = replaceStrings upperChars lowerChars;
  toUpper = replaceStrings lowerChars upperChars;
  toSentenceCase =
    s:
    if s == "" then "" else toUpper (substring 0 1 s) + toLower (substring 1 (stringLength s) s);

  addContextFrom = src: target: substring 0 0 src + target;

  # Split before every character c (preceded by p) where `pred p c` holds;
  # keepSplit keeps that character at the start of the next part.
  splitStringBy =
    pred: keepSplit: s:
    let
      n = stringLength s;
      go =
        i: part: acc:
        if i == n then
          acc ++ [ part ]
        else
          let
            c = substring i 1 s;
            p = if i == 0 then "" else substring (i - 1) 1 s;
          in
          if pred p c then go (i + 1) (if keepSplit then c else "") (acc ++ [ part ]) else go (i + 1) (part + c) acc;
    in
    map (addContextFrom s) (if n == 0 then [ "" ] else go 0 "" [ ]);
  toCamelCase =
    s:
    lib.trivial.throwIfNot (b.isString s) "toCamelCase does only accepts string values, but got ${b.typeOf s}" (
      let
        words = splitStringBy (_: c: b.elem c [ "-" "_" " " ]) false s;
        parts = b.concatMap (splitStringBy (p: c: match "[a-z]" p != null && match "[A-Z]" c != null) true) words;
        first = if parts == [ ] then "" else toLower (b.head parts);
        others = if b.length parts > 1 then map toSentenceCase (b.tail parts) else [ ];
      in
      concatStrings (map (addContextFrom s) ([ first ] ++ others))
    );
  splitString =
    sep: s:
    map (addContextFrom s) (
      b.filter b.isString (b.split (escapeRegex (toString sep)) (toString s))
    );

  versionOlder = v1: v2: b.compareVersions v2 v1 == 1;
  versionAtLeast = v1: v2: !versionOlder v1 v2;
  getName = x: if b.isString x then (b.parseDrvName x).name else x.pname or (b.parseDrvName x.name).name;
  getVersion =
    x: if b.isString x then (b.parseDrvName x).version else x.version or (b.parseDrvName x.name).version;
  nameFromURL =
    url: sep:
    let
      components = splitString "/" url;
      filename = lib.lists.last components;
      name = b.head (splitString sep filename);
    in
    assert name != filename;
    name;

  enableFeature = flag: feature: "--${if flag then "enable" else "disable"}-${feature}";
  enableFeatureAs =
    flag: feature: value:
    enableFeature flag feature + optionalString flag "=${value}";
  withFeature = flag: feature: "--${if flag then "with" else "without"}-${feature}";
  withFeatureAs =
    flag: feature: value:
    withFeature flag feature + optionalString flag "=${value}";
  cmakeOptionType =
    type: feature: value:
    "-D${feature}:${toUpper type}=${value}";
  cmakeBool = condition: flag: cmakeOptionType "bool" condition (toUpper (lib.trivial.boolToString flag));
  cmakeFeature = feature: value: cmakeOptionType "string" feature value;
  mesonOption = feature: value: "-D${feature}=${value}";
  mesonBool = condition: flag: mesonOption condition (lib.trivial.boolToString flag);
  mesonEnable = feature: flag: mesonOption feature (if flag then "enabled" else "disabled");

  fixedWidthString =
    width: filler: s:
    let
      len = stringLength s;
    in
    assert lib.assertMsg (len <= width)
      "fixedWidthString: requested string length (${toString width}) must not be shorter than actual length (${toString len})";
    if len == width then s else filler + fixedWidthString (width - stringLength filler) filler s;
  fixedWidthNumber = width: n: fixedWidthString width "0" (toString n);
  floatToString =
    f:
    let
      s = toString f;
    in
    lib.trivial.warnIf (f != b.fromJSON s) "Imprecise conversion from float to string ${s}" s;

  isStringLike = x: b.isString x || b.isPath x || x ? outPath || x ? __toString;
  isConvertibleWithToString =
    x:
    isStringLike x
    || b.elem (b.typeOf x) [
      "null"
      "int"
      "float"
      "bool"
    ]
    || (b.isList x && b.all isConvertibleWithToString x);
  isStorePath =
    x:
    if isStringLike x then
      let
        s = toString x;
      in
      substring 0 1 s == "/"
      && (b.dirOf s == b.storeDir || match "/[0-9a-z]{52}" s != null)
    else
      false;

  toInt =
    s:
    let
      m = match "[[:space:]]*(-?[[:digit:]]+)[[:space:]]*" s;
      digits = b.head m;
      n = b.fromJSON digits;
    in
    if m == null then
      throw "toInt: Could not convert ${escapeNixString s} to int."
    else if match "0[[:digit:]]+" digits != null then
      throw "toInt: Ambiguity in interpretation of ${escapeNixString s} between octal and zero padded integer."
    else if !b.isInt n then
      throw "toInt: Could not convert ${escapeNixString s} to int."
    else
      n;
  toIntBase10 =
    s:
    let
      m = match "[[:space:]]*0*(-?[[:digit:]]+)[[:space:]]*" s;
      digits = b.head m;
      n = b.fromJSON digits;
    in
    if m == null then
      throw "toIntBase10: Could not convert ${escapeNixString s} to int."
    else if match "0+" digits != null then
      0
    else if !b.isInt n then
      throw "toIntBase10: Could not convert ${escapeNixString s} to int."
    else
      n;

  fileContents = file: removeSuffix "\n" (b.readFile file);

  makeSearchPath =
    subDir: paths: concatStringsSep ":" (map (p: p + "/" + subDir) (b.filter (x: x != null) paths));
  makeSearchPathOutput =
    output: subDir: pkgs:
    makeSearchPath subDir (map (lib.attrsets.getOutput output) pkgs);
  makeLibraryPath = makeSearchPathOutput "lib" "lib";
  makeIncludePath = makeSearchPathOutput "dev" "include";
  makeBinPath = makeSearchPathOutput "bin" "bin";
  normalizePath =
    s:
    b.foldl' (acc: c: if c == "/" && hasSuffix "/" acc then acc else acc + c) "" (stringToCharacters s);

  sanitizeDerivationName =
    s:
    let
      plain = b.unsafeDiscardStringContext s;
      undotted = b.head (match "[.]*(.*)" plain);
      cleaned = concatMapStrings (x: if b.isList x then "-" else x) (b.split "[^[:alnum:]+._?=-]+" undotted);
      len = stringLength cleaned;
      short = if len > 207 then substring (len - 207) 207 cleaned else cleaned;
    in
    if stringLength plain <= 207 && match "[[:alnum:]+_?=-][[:alnum:]+._?=-]*" plain != null then
      plain
    else if short == "" then
      "unknown"
    else
      short;

  # Edit distance between two strings (insertions, deletions, substitutions).
  levenshtein =
    a: c:
    let
      xs = stringToCharacters a;
      ys = stringToCharacters c;
      n = b.length ys;
      firstRow = b.genList (j: j) (n + 1);
      step =
        row: x:
        let
          i = b.head row + 1;
          go =
            j: left: acc:
            if j > n then
              acc
            else
              let
                cost = if b.elemAt ys (j - 1) == x then 0 else 1;
                v = lib.trivial.min (lib.trivial.min (b.elemAt row j + 1) (left + 1)) (b.elemAt row (j - 1) + cost);
              in
              go (j + 1) v (acc ++ [ v ]);
        in
        go 1 i [ i ];
    in
    lib.lists.last (b.foldl' step firstRow xs);
  levenshteinAtMost = k: a: c: levenshtein a c <= k;
  commonPrefixLength =
    a: c:
    let
      n = lib.trivial.min (stringLength a) (stringLength c);
      go = i: if i < n && substring i 1 a == substring i 1 c then go (i + 1) else i;
    in
    go 0;
  commonSuffixLength =
    a: c:
    let
      la = stringLength a;
      lc = stringLength c;
      n = lib.trivial.min la lc;
      go = i: if i < n && substring (la - i - 1) 1 a == substring (lc - i - 1) 1 c then go (i + 1) else i;
    in
    go 0;
}
