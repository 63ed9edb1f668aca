# users.users, users.groups and users.mutableUsers (NixOS's
# config/users-groups.nix). Activation creates the accounts as NixOS's
# update-users-groups.pl does; a configuration that declares neither
# users nor groups leaves the host's accounts alone.
{ config, lib, ... }:
let
  inherit (lib) mkOption mkDefault types;
  cfg = config.users;

  passwdEntry = types.passwdEntry;

  userOpts =
    { name, config, ... }:
    {
      options = {
        name = mkOption {
          type = passwdEntry types.str;
          apply =
            x:
            assert (
              builtins.stringLength x < 32 || abort "Username '${x}' is longer than 31 characters which is not allowed!"
            );
            x;
          description = ''
            The name of the user account. If undefined, the name of the
            attribute set will be used.
          '';
        };
        description = mkOption {
          type = passwdEntry types.str;
          default = "";
          example = "Alice Q. User";
          description = ''
            A short description of the user account, typically the
            user's full name.  This is actually the “GECOS” or “comment”
            field in {file}`/etc/passwd`.
          '';
        };
        uid = mkOption {
          type = with types; nullOr int;
          default = null;
          description = ''
            The account UID. If the UID is null, a free UID is picked on
            activation.
          '';
        };
        isSystemUser = mkOption {
          type = types.bool;
          default = false;
          description = ''
            Indicates if the user is a system user or not. This option
            only has an effect if {option}`uid` is
            {option}`null`, in which case it determines whether
            the user's UID is allocated in the range for system users
            (below 1000) or in the range for normal users (starting at
            1000).
            Exactly one of `isNormalUser` and
            `isSystemUser` must be true.
          '';
        };
        isNormalUser = mkOption {
          type = types.bool;
          default = false;
          description = ''
            Indicates whether this is an account for a “real” user.
            This automatically sets {option}`group` to `users`,
            {option}`createHome` to `true`,
            {option}`home` to {file}`/home/«username»`,
            and {option}`isSystemUser` to `false`.
            Exactly one of `isNormalUser` and `isSystemUser` must be true.
          '';
        };
        group = mkOption {
          type = types.str;
          apply = x: assert (builtins.stringLength x < 32 || abort "Group name '${x}' is longer than 31 characters which is not allowed!"); x;
          default = "";
          description = "The user's primary group.";
        };
        extraGroups = mkOption {
          type = types.listOf types.str;
          default = [ ];
          description = "The user's auxiliary groups.";
        };
        home = mkOption {
          type = passwdEntry types.path;
          default = "/var/empty";
          description = "The user's home directory.";
        };
        createHome = mkOption {
          type = types.bool;
          default = false;
          description = ''
            Whether to create the home directory and ensure ownership as
            well as permissions to match the user.
          '';
        };
        useDefaultShell = mkOption {
          type = types.bool;
          default = false;
          description = ''
            If true, the user's shell will be set to
            {option}`users.defaultUserShell`.
          '';
        };
        shell = mkOption {
          type = types.nullOr (types.either types.shellPackage (passwdEntry types.path));
          default = "/run/current-system/sw/bin/nologin";
          defaultText = lib.options.literalExpression ''"/run/current-system/sw/bin/nologin"'';
          example = "/bin/bash";
          description = ''
            The path to the user's shell. A package gives its
            `shellPath` (default `/bin/sh`) inside it.
          '';
        };
        hashedPassword = mkOption {
          type = with types; nullOr (passwdEntry str);
          default = null;
          description = ''
            Specifies the hashed password for the user, as
            {command}`mkpasswd` prints it. null keeps the current
            password (a new account is locked).
          '';
        };
        openssh.authorizedKeys.keys = mkOption {
          type = types.listOf types.singleLineStr;
          default = [ ];
          description = ''
            A list of verbatim OpenSSH public keys that should be added to the
            user's authorized keys (activation writes them to
            /etc/ssh/authorized_keys.d/NAME).
          '';
        };
      };
      config = lib.mkMerge [
        { name = mkDefault name; }
        (lib.mkIf config.isNormalUser {
          group = mkDefault "users";
          createHome = mkDefault true;
          home = mkDefault "/home/${config.name}";
          useDefaultShell = mkDefault true;
        })
        (lib.mkIf config.useDefaultShell { shell = mkDefault cfg.defaultUserShell; })
      ];
    };

  groupOpts =
    { name, ... }:
    {
      options = {
        name = mkOption {
          type = passwdEntry types.str;
          description = ''
            The name of the group. If undefined, the name of the attribute set
            will be used.
          '';
        };
        gid = mkOption {
          type = with types; nullOr int;
          default = null;
          description = ''
            The group GID. If the GID is null, a free GID is picked on
            activation.
          '';
        };
        members = mkOption {
          type = with types; listOf (passwdEntry str);
          default = [ ];
          description = ''
            The user names of the group members, added to the
            `/etc/group` file.
          '';
        };
      };
      config.name = mkDefault name;
    };

  shellPath =
    s:
    if s == null then
      "/run/current-system/sw/bin/nologin"
    else if lib.attrsets.isDerivation s then
      "${s}${s.shellPath or "/bin/sh"}"
    else
      toString s;
in
{
  options.users = {
    users = mkOption {
      default = { };
      type = with types; attrsOf (submodule userOpts);
      example = {
        alice = {
          uid = 1234;
          description = "Alice Q. User";
          home = "/home/alice";
          createHome = true;
          group = "users";
          extraGroups = [ "wheel" ];
          shell = "/bin/sh";
        };
      };
      description = ''
        Additional user accounts to be created automatically by the system.
        This can also be used to set options for root.
      '';
    };
    groups = mkOption {
      default = { };
      example = {
        students.gid = 1001;
        hackers = { };
      };
      type = with types; attrsOf (submodule groupOpts);
      description = ''
        Additional groups to be created automatically by the system.
      '';
    };
    mutableUsers = mkOption {
      type = types.bool;
      default = true;
      description = ''
        If set to `true`, you are free to add new users and groups to the system
        with the ordinary `useradd` and
        `groupadd` commands. On system activation, the
        existing contents of the `/etc/passwd` and
        `/etc/group` files will be merged with the
        contents generated from the `users.users` and
        `users.groups` options.
        If set to `false`, the contents of the user and
        group files will simply be replaced on system activation.
      '';
    };
    defaultUserShell = mkOption {
      type = types.either types.shellPackage (passwdEntry types.path);
      default = "/bin/sh";
      description = ''
        The shell of normal users that do not set one. cairn's default is
        the host's /bin/sh, which every Linux system has.
      '';
    };
  };

  config = {
    # Normal users default to the group `users`, gid 100 as on NixOS and
    # Debian.
    users.groups.users = lib.mkIf (lib.lists.any (u: u.isNormalUser && u.group == "users") (builtins.attrValues cfg.users)) {
      gid = mkDefault 100;
    };

    assertions = lib.lists.concatMap (
      user:
      [
        {
          assertion = (user.isNormalUser || user.isSystemUser) && !(user.isNormalUser && user.isSystemUser);
          message = "Exactly one of users.users.${user.name}.isSystemUser and users.users.${user.name}.isNormalUser must be set.";
        }
        {
          assertion = user.group != "";
          message = lib.strings.removeSuffix "\n" ''
            users.users.${user.name}.group is unset. This used to default to
            nogroup, but this is unsafe. For example you can create a group
            for this user with:
            users.users.${user.name}.group = "${user.name}";
            users.groups.${user.name} = {};
          '';
        }
      ]
    ) (builtins.attrValues cfg.users);

    system.build.users = {
      users = map (u: {
        inherit (u)
          name
          uid
          isSystemUser
          isNormalUser
          group
          extraGroups
          description
          createHome
          hashedPassword
          ;
        home = toString u.home;
        shell = shellPath u.shell;
        authorizedKeys = u.openssh.authorizedKeys.keys;
      }) (builtins.attrValues cfg.users);
      groups = map (g: {
        inherit (g) name gid;
        members =
          g.members
          ++ map (u: u.name) (builtins.filter (u: builtins.elem g.name u.extraGroups) (builtins.attrValues cfg.users));
      }) (builtins.attrValues cfg.groups);
      inherit (cfg) mutableUsers;
    };
  };
}
