# cairn's system modules, all of them (the list module.Modules gives).
{
  imports = [
    ./config/system-path.nix
    ./config/timezone.nix
    ./config/users-groups.nix
    ./misc/assertions.nix
    ./misc/nixpkgs.nix
    ./misc/version.nix
    ./system/activation/activation-script.nix
    ./system/activation/top-level.nix
    ./system/boot/systemd.nix
    ./system/boot/systemd/confinement.nix
    ./system/boot/systemd/tmpfiles.nix
    ./system/etc/etc.nix
    ./tasks/network-interfaces.nix
  ];
}
