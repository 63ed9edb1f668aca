# Assertions with messages.
{ lib }:
{
  assertMsg = pred: msg: pred || throw msg;
  assertOneOf =
    name: val: xs:
    lib.asserts.assertMsg (builtins.elem val xs)
      "${name} must be one of ${lib.generators.toPretty { } xs}, but is: ${lib.generators.toPretty { } val}";
  assertEachOneOf =
    name: vals: xs:
    lib.asserts.assertMsg (builtins.all (v: builtins.elem v xs) vals)
      "each element in ${name} must be one of ${lib.generators.toPretty { } xs}, but is: ${lib.generators.toPretty { } vals}";

  # Throws "Failed assertions" listing the messages of the assertions that
  # do not hold, else prints the warnings and returns val (as NixOS's
  # top-level does).
  checkAssertWarn =
    assertions: warnings: val:
    let
      failedAssertions = map (x: x.message) (builtins.filter (x: !x.assertion) assertions);
    in
    if failedAssertions != [ ] then
      throw "\nFailed assertions:\n${builtins.concatStringsSep "\n" (map (x: "- ${x}") failedAssertions)}"
    else
      lib.trivial.showWarnings warnings val;
  # cairn: checkAssertWarn for an evaluated configuration (the result of
  # evalModules, whose modules declare `assertions` and maybe `warnings`),
  # naming where each failed assertion was defined.
  checkConfigAssertWarn =
    { options, config, ... }:
    val:
    let
      opt = options.assertions;
      where = pos: file: lib.options.showDefLocation { inherit pos file; };
      located = builtins.concatLists (
        lib.lists.zipListsWith (
          def: pos: map (a: a // { where = where pos def.file; }) def.value
        ) opt.definitionsWithLocations opt.definitionPositions
      );
      failed = builtins.filter (x: !x.assertion) located;
    in
    if failed != [ ] then
      throw "\nFailed assertions:\n${
        builtins.concatStringsSep "\n" (map (x: "- ${x.message} (defined in `${x.where}')") failed)
      }"
    else
      lib.trivial.showWarnings (config.warnings or [ ]) val;
}
