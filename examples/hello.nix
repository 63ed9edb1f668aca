# A small configuration in the shape cairn evaluates: a function that
# builds service definitions, defaults, string interpolation and a
# derived summary. Try:
#   cairn eval --strict examples/hello.nix
#   cairn eval --strict --json examples/hello.nix
#   cairn eval -A services.web.url examples/hello.nix
let
  mkService = name: { port ? 80, enable ? true, extraConfig ? "" }: {
    inherit name port enable;
    url = "http://${name}.internal:${toString port}/";
    config = ''
      listen ${toString port};
      server_name ${name};
      ${extraConfig}
    '';
  };
in rec {
  hostName = "cairn-demo";
  services = {
    web = mkService "web" { extraConfig = "gzip on;"; };
    api = mkService "api" { port = 8080; };
    metrics = mkService "metrics" { port = 9100; enable = false; };
  };
  enabledServices = builtins.filter (name: services.${name}.enable) (builtins.attrNames services);
  motd = "Welcome to ${hostName}: ${builtins.concatStringsSep ", " enabledServices} running.";
}
