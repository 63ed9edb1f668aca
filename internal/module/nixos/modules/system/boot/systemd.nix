# systemd.services and systemd.timers (NixOS's system/boot/systemd.nix and
# lib/systemd-lib.nix, systemd-unit-options.nix): each enabled unit
# becomes a unit file of the toplevel's units/ folder, written as NixOS
# writes it, with an [Install] section naming wantedBy so that both
# systemd and cairn's supervisor know what starts it.
{ config, lib, pkgs, ... }:
let
  inherit (lib) mkOption types;
  cfg = config.systemd;

  # A systemd setting: lists are concatenated, single values must agree
  # (NixOS's unitOption).
  unitOption = lib.types.mkOptionType {
    name = "systemd option";
    description = "systemd option";
    descriptionClass = "noun";
    merge =
      loc: defs:
      let
        defs' = lib.modules.filterOverrides defs;
      in
      if lib.lists.any (def: builtins.isList def.value) defs' then
        lib.lists.concatMap (def: lib.lists.toList def.value) defs'
      else
        lib.options.mergeEqualOption loc defs';
  };

  toOption =
    x:
    if x == true then
      "true"
    else if x == false then
      "false"
    else
      toString x;

  attrsToSection =
    as:
    lib.strings.concatStrings (
      lib.lists.concatLists (
        lib.attrsets.mapAttrsToList (
          name: value: map (x: "${name}=${toOption x}\n") (if builtins.isList value then value else [ value ])
        ) as
      )
    );

  # Options every unit has (NixOS's commonUnitOptions, the part cairn
  # uses).
  commonUnitOptions =
    { name, config, ... }:
    {
      options = {
        enable = mkOption {
          default = true;
          type = types.bool;
          description = ''
            If set to false, this unit will not be generated.
          '';
        };
        description = mkOption {
          default = "";
          type = types.singleLineStr;
          description = "Description of this unit used in systemd messages and progress indicators.";
        };
        requires = mkOption {
          default = [ ];
          type = types.listOf types.str;
          description = ''
            Start the specified units when this unit is started, and stop
            this unit when the specified units are stopped or fail.
          '';
        };
        wants = mkOption {
          default = [ ];
          type = types.listOf types.str;
          description = ''
            Start the specified units when this unit is started.
          '';
        };
        after = mkOption {
          default = [ ];
          type = types.listOf types.str;
          description = ''
            If the specified units are started at the same time as
            this unit, delay this unit until they have started.
          '';
        };
        before = mkOption {
          default = [ ];
          type = types.listOf types.str;
          description = ''
            If the specified units are started at the same time as
            this unit, delay them until this unit has started.
          '';
        };
        bindsTo = mkOption {
          default = [ ];
          type = types.listOf types.str;
          description = ''
            Like ‘requires’, but in addition, if the specified units
            unexpectedly disappear, this unit will be stopped as well.
          '';
        };
        partOf = mkOption {
          default = [ ];
          type = types.listOf types.str;
          description = ''
            If the specified units are stopped or restarted, then this
            unit is stopped or restarted as well.
          '';
        };
        conflicts = mkOption {
          default = [ ];
          type = types.listOf types.str;
          description = ''
            If the specified units are started, then this unit is stopped
            and vice versa.
          '';
        };
        wantedBy = mkOption {
          default = [ ];
          type = types.listOf types.str;
          description = ''
            Units that want (i.e. depend on) this unit. The standard way
            to make a unit start by default at boot is to set this option
            to `[ "multi-user.target" ]`.
          '';
        };
        requiredBy = mkOption {
          default = [ ];
          type = types.listOf types.str;
          description = ''
            Units that require (i.e. depend on and need to go down with) this unit.
          '';
        };
        unitConfig = mkOption {
          default = { };
          example = {
            RequiresMountsFor = "/data";
          };
          type = types.attrsOf unitOption;
          description = ''
            Each attribute in this set specifies an option in the
            `[Unit]` section of the unit.  See
            {manpage}`systemd.unit(5)` for details.
          '';
        };
        restartTriggers = mkOption {
          default = [ ];
          type = types.listOf types.unspecified;
          description = ''
            An arbitrary list of items such as derivations.  If any item
            in the list changes between reconfigurations, the service will
            be restarted.
          '';
        };
        reloadTriggers = mkOption {
          default = [ ];
          type = types.listOf unitOption;
          description = ''
            An arbitrary list of items such as derivations.  If any item
            in the list changes between reconfigurations, the service will
            be reloaded.  If anything but a reload trigger changes in the
            unit file, the unit will be restarted instead.
          '';
        };
      };
      config.unitConfig =
        lib.attrsets.optionalAttrs (config.requires != [ ]) { Requires = toString config.requires; }
        // lib.attrsets.optionalAttrs (config.wants != [ ]) { Wants = toString config.wants; }
        // lib.attrsets.optionalAttrs (config.after != [ ]) { After = toString config.after; }
        // lib.attrsets.optionalAttrs (config.before != [ ]) { Before = toString config.before; }
        // lib.attrsets.optionalAttrs (config.bindsTo != [ ]) { BindsTo = toString config.bindsTo; }
        // lib.attrsets.optionalAttrs (config.partOf != [ ]) { PartOf = toString config.partOf; }
        // lib.attrsets.optionalAttrs (config.conflicts != [ ]) { Conflicts = toString config.conflicts; }
        // lib.attrsets.optionalAttrs (config.description != "") { Description = config.description; };
    };

  # makeJobScript: a script of the unit, run with `set -e`.
  makeJobScript =
    name: text:
    let
      scriptName = lib.strings.replaceStrings [ "\\" "@" ] [ "-" "_" ] name;
      out = pkgs.writeTextFile {
        name = "unit-script-${scriptName}";
        executable = true;
        destination = "/bin/${scriptName}";
        text = ''
          #!/bin/sh
          set -e
          ${text}
        '';
      };
    in
    "${out}/bin/${scriptName}";

  serviceOptions =
    { name, config, ... }:
    {
      options = {
        environment = mkOption {
          default = { };
          type =
            with types;
            attrsOf (
              nullOr (oneOf [
                str
                path
                package
              ])
            );
          example = {
            PATH = "/foo/bar/bin";
            LANG = "nl_NL.UTF-8";
          };
          description = "Environment variables passed to the service's processes.";
        };
        path = mkOption {
          default = [ ];
          type = with types; listOf (oneOf [ package str ]);
          description = ''
            Packages added to the service's {env}`PATH`
            environment variable.  Both the {file}`bin`
            and {file}`sbin` subdirectories of each
            package are added. The host's usual folders follow them.
          '';
        };
        serviceConfig = mkOption {
          default = { };
          example = {
            RestartSec = 5;
          };
          type = types.attrsOf unitOption;
          description = ''
            Each attribute in this set specifies an option in the
            `[Service]` section of the unit.  See
            {manpage}`systemd.service(5)` for details.
          '';
        };
        script = mkOption {
          type = types.lines;
          default = "";
          description = "Shell commands executed as the service's main process.";
        };
        scriptArgs = mkOption {
          type = types.str;
          default = "";
          example = "%i";
          description = ''
            Arguments passed to the main process script.
            Can contain specifiers (`%` placeholders expanded by systemd, see {manpage}`systemd.unit(5)`).
          '';
        };
        preStart = mkOption {
          type = types.lines;
          default = "";
          description = ''
            Shell commands executed before the service's main process
            is started.
          '';
        };
        postStart = mkOption {
          type = types.lines;
          default = "";
          description = ''
            Shell commands executed after the service's main process
            is started.
          '';
        };
        reload = mkOption {
          type = types.lines;
          default = "";
          description = ''
            Shell commands executed when the service's main process
            is reloaded.
          '';
        };
        preStop = mkOption {
          type = types.lines;
          default = "";
          description = ''
            Shell commands executed to stop the service.
          '';
        };
        postStop = mkOption {
          type = types.lines;
          default = "";
          description = ''
            Shell commands that are executed after the service's main process
            has exited.
          '';
        };
        restartIfChanged = mkOption {
          type = types.bool;
          default = true;
          description = ''
            Whether the service should be restarted during a NixOS
            configuration switch if its definition has changed.
          '';
        };
        reloadIfChanged = mkOption {
          type = types.bool;
          default = false;
          description = ''
            Whether the service should be reloaded during a NixOS
            configuration switch if its definition has changed.  If
            enabled, the value of {option}`restartIfChanged` is
            ignored.

            This option should not be used anymore in favor of
            {option}`reloadTriggers` which allows more granular
            control of when a service is reloaded and when a service
            is restarted.
          '';
        };
        stopIfChanged = mkOption {
          type = types.bool;
          default = true;
          description = ''
            If set, a changed unit is restarted by calling
            {command}`systemctl stop` in the old configuration,
            then {command}`systemctl start` in the new one.
            Otherwise, it is restarted in a single step using
            {command}`systemctl restart` in the new configuration.
            The latter is less correct because it runs the
            `ExecStop` commands from the new
            configuration.
          '';
        };
        startAt = mkOption {
          type = with types; either str (listOf str);
          default = [ ];
          example = "Sun 14:00:00";
          description = ''
            Automatically start this unit at the given date/time, which
            must be in the format described in
            {manpage}`systemd.time(7)`.  This is equivalent
            to adding a corresponding timer unit with
            {option}`OnCalendar` set to the value given here.

            Set to an empty list to avoid starting the unit at
            any time.
          '';
          apply = v: if builtins.isList v then v else [ v ];
        };
      };
      config = lib.mkMerge [
        {
          environment.PATH = lib.strings.concatStringsSep ":" (
            map (p: "${p}/bin") config.path ++ map (p: "${p}/sbin") config.path ++ [ cfg.hostPath ]
          );
        }
        (lib.mkIf (config.preStart != "") {
          serviceConfig.ExecStartPre = [ (makeJobScript "${name}-pre-start" config.preStart) ];
        })
        (lib.mkIf (config.script != "") {
          serviceConfig.ExecStart = makeJobScript "${name}-start" config.script + " " + config.scriptArgs;
        })
        (lib.mkIf (config.postStart != "") {
          serviceConfig.ExecStartPost = [ (makeJobScript "${name}-post-start" config.postStart) ];
        })
        (lib.mkIf (config.reload != "") {
          serviceConfig.ExecReload = makeJobScript "${name}-reload" config.reload;
        })
        (lib.mkIf (config.preStop != "") {
          serviceConfig.ExecStop = makeJobScript "${name}-pre-stop" config.preStop;
        })
        (lib.mkIf (config.postStop != "") {
          serviceConfig.ExecStopPost = makeJobScript "${name}-post-stop" config.postStop;
        })
      ];
    };

  timerOptions = {
    options.timerConfig = mkOption {
      default = { };
      example = {
        OnCalendar = "Sun 14:00:00";
        Unit = "foo.service";
      };
      type = types.attrsOf unitOption;
      description = ''
        Each attribute in this set specifies an option in the
        `[Timer]` section of the unit.  See
        {manpage}`systemd.timer(5)` and
        {manpage}`systemd.time(7)` for details.
      '';
    };
  };

  installText =
    def:
    lib.strings.optionalString (def.wantedBy != [ ] || def.requiredBy != [ ]) (
      "\n[Install]\n"
      + lib.strings.optionalString (def.wantedBy != [ ]) "WantedBy=${toString def.wantedBy}\n"
      + lib.strings.optionalString (def.requiredBy != [ ]) "RequiredBy=${toString def.requiredBy}\n"
    );

  commonUnitText = def: lines: "[Unit]\n${attrsToSection def.unitConfig}\n" + lines + installText def;

  serviceToUnit =
    name: def:
    commonUnitText def (
      "[Service]\n"
      + (
        let
          env = cfg.globalEnvironment // def.environment;
        in
        lib.strings.concatMapStrings (
          n: lib.strings.optionalString (env.${n} != null) "Environment=${builtins.toJSON "${n}=${env.${n}}"}\n"
        ) (builtins.attrNames env)
      )
      + (
        if def.reloadIfChanged then
          "X-ReloadIfChanged=true\n"
        else if !def.restartIfChanged then
          "X-RestartIfChanged=false\n"
        else
          ""
      )
      + lib.strings.optionalString (!def.stopIfChanged) "X-StopIfChanged=false\n"
      + attrsToSection def.serviceConfig
    );

  timerToUnit = name: def: commonUnitText def ("[Timer]\n" + attrsToSection def.timerConfig);

  # What generation.json says of a unit besides its file.
  triggerHash =
    ts:
    if ts == [ ] then
      ""
    else
      builtins.hashString "sha256" (toString (map (x: if builtins.isPath x then "${x}" else x) (lib.lists.flatten ts)));

  enabled = lib.attrsets.filterAttrs (_: u: u.enable);

  services = lib.attrsets.mapAttrs' (name: def: {
    name = "${name}.service";
    value = {
      text = serviceToUnit name def;
      inherit (def)
        wantedBy
        restartIfChanged
        reloadIfChanged
        stopIfChanged
        ;
      triggers = triggerHash def.restartTriggers;
      reloadTriggers = triggerHash def.reloadTriggers;
    };
  }) (enabled cfg.services);

  timers = lib.attrsets.mapAttrs' (name: def: {
    name = "${name}.timer";
    value = {
      text = timerToUnit name def;
      inherit (def) wantedBy;
      restartIfChanged = true;
      reloadIfChanged = false;
      stopIfChanged = false;
      triggers = triggerHash def.restartTriggers;
      reloadTriggers = triggerHash def.reloadTriggers;
    };
  }) (enabled cfg.timers);
in
{
  options.systemd = {
    services = mkOption {
      default = { };
      type = types.attrsOf (
        types.submodule [
          commonUnitOptions
          serviceOptions
        ]
      );
      description = "Definition of systemd service units; see {manpage}`systemd.service(5)`.";
    };
    timers = mkOption {
      default = { };
      type = types.attrsOf (
        types.submodule [
          commonUnitOptions
          timerOptions
        ]
      );
      description = "Definition of systemd timer units; see {manpage}`systemd.timer(5)`.";
    };
    globalEnvironment = mkOption {
      type =
        with types;
        attrsOf (
          nullOr (oneOf [
            str
            path
            package
          ])
        );
      default = { };
      example = {
        TZ = "CET";
      };
      description = ''
        Environment variables passed to *all* systemd units.
      '';
    };
    hostPath = mkOption {
      type = types.str;
      default = "/run/current-system/sw/bin:/run/current-system/sw/sbin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
      description = ''
        The folders that end every service's {env}`PATH`, after those of
        its `path` packages: the system profile, then the host's own
        programs (cairn runs on hosts whose base system is not in the
        store).
      '';
    };
    units = mkOption {
      internal = true;
      readOnly = true;
      description = ''
        The unit files of the system, by unit name: their text, wantedBy
        and the restart settings and trigger hashes of generation.json.
      '';
    };
  };

  config.systemd.timers = lib.attrsets.mapAttrs (name: service: {
    wantedBy = [ "timers.target" ];
    timerConfig.OnCalendar = service.startAt;
  }) (lib.attrsets.filterAttrs (name: service: service.enable && service.startAt != [ ]) cfg.services);

  config.systemd.units = services // timers;
}
