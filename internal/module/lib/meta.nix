# Derivation metadata helpers (lib.meta): priorities, names, executables.
{ lib }:
let
  b = builtins;
in
rec {
  addMetaAttrs =
    extra: drv:
    if drv ? overrideAttrs then
      drv.overrideAttrs (old: { meta = (old.meta or { }) // extra; })
    else
      drv // { meta = (drv.meta or { }) // extra; };
  dontDistribute = addMetaAttrs { hydraPlatforms = [ ]; };
  setName = name: drv: drv // { inherit name; };
  updateName = f: drv: drv // { name = f drv.name; };
  appendToName =
    suffix:
    updateName (
      name:
      let
        parsed = b.parseDrvName name;
      in
      "${parsed.name}-${suffix}-${parsed.version}"
    );
  mapDerivationAttrset =
    f: set: b.mapAttrs (_: pkg: if lib.attrsets.isDerivation pkg then f pkg else pkg) set;
  setPrio = priority: addMetaAttrs { inherit priority; };
  lowPrio = setPrio 10;
  hiPrio = setPrio (-10);
  lowPrioSet = mapDerivationAttrset lowPrio;
  hiPrioSet = mapDerivationAttrset hiPrio;

  # "${pkg.bin or pkg}/bin/${name}"
  getExe' =
    drv: name:
    assert lib.asserts.assertMsg (lib.attrsets.isDerivation drv)
      "lib.meta.getExe': The first argument is of type ${b.typeOf drv}, but it should be a derivation instead.";
    assert lib.asserts.assertMsg (b.isString name)
      "lib.meta.getExe': The second argument is of type ${b.typeOf name}, but it should be a string instead.";
    assert lib.asserts.assertMsg (b.match ".*/.*" name == null)
      "lib.meta.getExe': The second argument \"${name}\" is a nested path with a \"/\" character, but it should just be the name of the executable instead.";
    "${lib.attrsets.getBin drv}/bin/${name}";
  getExe =
    drv:
    getExe' drv (
      drv.meta.mainProgram or (lib.trivial.warn
        "getExe: Package ${lib.strings.escapeNixIdentifier drv.meta.name or drv.pname or drv.name} does not have the meta.mainProgram attribute; assuming its main program is called ${lib.strings.getName drv}."
        (lib.strings.getName drv)
      )
    );
}
