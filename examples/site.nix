# Real software from Debian's archive, run unmodified from the store: nginx
# serving a page on 127.0.0.1:8080 and PostgreSQL 15 on 127.0.0.1:5432,
# each confined to a root folder made of its package closure (/usr, /lib
# from the store; /etc from the generation; its state folder writable).
# The packages come from the channel pinned in cairn.lock beside this
# file (`cairn channel add bookworm --suite bookworm -c site.nix`).
#
#   cairn switch --root /tmp/demo -c examples/site.nix
#   curl http://127.0.0.1:8080/
#   cairn run --root /tmp/demo postgresql-client-15 -- psql -h 127.0.0.1 -U postgres -c 'select version()'
{ config, pkgs, lib, ... }:
let
  site = pkgs.writeTextFile {
    name = "site";
    destination = "/index.html";
    text = ''
      <h1>Hello from cairn</h1>
      <p>nginx ${pkgs.nginx.version} from Debian ${pkgs.nginx.channel}, unmodified, run from the store.</p>
    '';
  };
  nginxConf = pkgs.writeText "nginx.conf" ''
    daemon off;
    user nginx nginx;
    error_log stderr;
    pid /run/nginx.pid;
    events { }
    http {
      include ${pkgs.nginx}/etc/nginx/mime.types;
      access_log /var/log/nginx/access.log;
      server {
        listen 127.0.0.1:8080;
        root ${site};
      }
    }
  '';
in
{
  networking.hostName = "site";
  system.stateVersion = "26.11";

  users.users.nginx = {
    isSystemUser = true;
    group = "nginx";
  };
  users.groups.nginx = { };
  users.users.postgres = {
    isSystemUser = true;
    group = "postgres";
    home = "/var/lib/postgresql";
  };
  users.groups.postgres = { };

  systemd.services.nginx = {
    description = "nginx, Debian's package";
    wantedBy = [ "multi-user.target" ];
    confinement = {
      enable = true;
      packages = [ pkgs.nginx ];
    };
    serviceConfig = {
      ExecStart = "/usr/sbin/nginx -c ${nginxConf}";
      ExecReload = "/usr/sbin/nginx -c ${nginxConf} -s reload";
      StateDirectory = "nginx";
      LogsDirectory = "nginx";
      Restart = "on-failure";
    };
  };

  systemd.services.postgresql = {
    description = "PostgreSQL ${pkgs.postgresql_15.version}, Debian's package";
    wantedBy = [ "multi-user.target" ];
    confinement = {
      enable = true;
      packages = [ pkgs.postgresql_15 ];
    };
    # initdb on the first start, as NixOS's postgresql module does.
    preStart = ''
      if [ ! -s /var/lib/postgresql/15/PG_VERSION ]; then
        /usr/lib/postgresql/15/bin/initdb -D /var/lib/postgresql/15 -U postgres --auth=trust
      fi
    '';
    serviceConfig = {
      User = "postgres";
      ExecStart = "/usr/lib/postgresql/15/bin/postgres -D /var/lib/postgresql/15 -k /run/postgresql -c listen_addresses=127.0.0.1";
      StateDirectory = "postgresql";
      RuntimeDirectory = "postgresql";
      Restart = "on-failure";
    };
  };
}
