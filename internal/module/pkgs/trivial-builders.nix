# The trivial builders of nixpkgs (pkgs/build-support/trivial-builders),
# with the same names and arguments, for a sandbox that has /bin/sh and
# nothing else.
{ lib, system }:
let
  inherit (builtins) toJSON isString isPath;

  # A derivation built by cairn's builtin builder `builtin:cairn-files`:
  # `entries` is the list of files, folders, links and unions that make
  # the output, in the order they are made (docs/design/toplevel.md).
  files =
    {
      name,
      entries,
      passthru ? { },
    }:
    derivation {
      inherit name;
      system = "builtin";
      builder = "builtin:cairn-files";
      entries = toJSON entries;
    }
    // passthru;

  pathString = p: if isPath p then "${p}" else toString p;

  writeTextFile =
    {
      name,
      text,
      executable ? false,
      destination ? "",
      checkPhase ? "",
      meta ? { },
      passthru ? { },
      allowSubstitutes ? false,
      preferLocalBuild ? true,
      derivationArgs ? { },
    }:
    assert lib.asserts.assertMsg (destination != "" -> (lib.strings.hasPrefix "/" destination && destination != "/")) ''
      destination must be an absolute path, relative to the derivation's out path,
      got '${destination}' instead.

      Ensure that the path starts with a / and specifies at least the filename.
    '';
    assert lib.asserts.assertMsg (checkPhase == "")
      "writeTextFile ${name}: checkPhase is not supported (the build sandbox has no shell tools)";
    assert lib.asserts.assertMsg (derivationArgs == { })
      "writeTextFile ${name}: derivationArgs is not supported";
    files {
      inherit name;
      entries = [
        {
          type = "file";
          path = lib.strings.removePrefix "/" destination;
          inherit text executable;
        }
      ];
      passthru = passthru // {
        meta = meta;
      };
    };

  writeShellScript =
    name: text:
    writeTextFile {
      inherit name;
      executable = true;
      text = ''
        #!/bin/sh
        ${text}
      '';
    };

  writeShellScriptBin =
    name: text:
    writeTextFile {
      inherit name;
      executable = true;
      destination = "/bin/${name}";
      text = ''
        #!/bin/sh
        ${text}
      '';
      meta.mainProgram = name;
    };

  # A union of folders: every file and link of each source is linked from
  # the same place in the output, folders are made; the first source
  # wins a collision unless collisions are errors.
  union =
    {
      name,
      paths,
      pathsToLink ? [ "/" ],
      collisions,
      postBuild ? "",
      passthru ? { },
      meta ? { },
    }:
    assert lib.asserts.assertMsg (postBuild == "")
      "${name}: postBuild is not supported (the build sandbox has no shell tools)";
    files {
      inherit name;
      entries = [
        {
          type = "union";
          path = "";
          sources = map pathString paths;
          inherit pathsToLink collisions;
        }
      ];
      passthru = passthru // {
        inherit meta paths;
      };
    };
in
{
  inherit writeTextFile writeShellScript writeShellScriptBin;

  # The builtin builder itself: `cairnFiles { name; entries; }`.
  cairnFiles = files;

  writeText =
    name: text:
    writeTextFile {
      inherit name text;
    };

  writeScript =
    name: text:
    writeTextFile {
      inherit name text;
      executable = true;
    };

  writeScriptBin =
    name: text:
    writeTextFile {
      inherit name text;
      executable = true;
      destination = "/bin/${name}";
    };

  # runCommand NAME ENV SCRIPT: SCRIPT runs with `/bin/sh -e` in the
  # sandbox; ENV becomes the derivation's variables. PATH is made of the
  # bin folders of nativeBuildInputs and buildInputs (else Nix's
  # /path-not-set): the sandbox has no other program.
  runCommand =
    name: env: buildCommand:
    let
      inputs = (env.nativeBuildInputs or [ ]) ++ (env.buildInputs or [ ]);
      drvEnv = removeAttrs env [
        "passthru"
        "meta"
      ];
    in
    derivation (
      drvEnv
      // {
        inherit name system buildCommand;
        builder = "/bin/sh";
        args = [
          "-e"
          "-c"
          ''eval "$buildCommand"''
        ];
      }
      // lib.attrsets.optionalAttrs (inputs != [ ]) { PATH = lib.strings.makeBinPath inputs; }
    )
    // (env.passthru or { });

  symlinkJoin =
    args:
    union (
      removeAttrs args [ "ignoreCollisions" ]
      // {
        collisions = "first";
      }
    );

  buildEnv =
    {
      name,
      paths,
      pathsToLink ? [ "/" ],
      ignoreCollisions ? false,
      postBuild ? "",
      extraOutputsToInstall ? [ ],
      passthru ? { },
      meta ? { },
    }:
    union {
      inherit
        name
        paths
        pathsToLink
        postBuild
        passthru
        meta
        ;
      collisions = if ignoreCollisions then "first" else "error";
    };
}
