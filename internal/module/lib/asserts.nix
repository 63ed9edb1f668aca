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
}
