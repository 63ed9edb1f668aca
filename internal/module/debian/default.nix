# <cairn/debian> when no cairn.lock pins a channel: no Debian packages.
# With a lock beside the configuration, cairn mounts the channels' packages
# over this folder (docs/design/packages.md).
{
  system ? "x86_64-linux",
}:
{
  channels = { };
  order = [ ];
  packages = { };
}
