package cli

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"cairn.dev/cairn/internal/service/supervise"
)

// startSupervisor runs a supervisor in this process until the test ends.
func startSupervisor(t *testing.T, cfg supervise.Config) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	d, err := supervise.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ready, done := make(chan struct{}), make(chan error, 1)
	go func() { done <- d.Run(ctx, func() { close(ready) }) }()
	select {
	case <-ready:
	case err := <-done:
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		<-done
	})
}

// freePort returns a loopback TCP port nothing listens on.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// servicesConfig is a configuration with nginx (the package given) serving
// a page and PostgreSQL 15, both Debian packages run unmodified in
// confined roots.
func servicesConfig(nginx string, httpPort, pgPort int) string {
	return fmt.Sprintf(`{ config, pkgs, lib, ... }:
let
  nginx = %s;
  site = pkgs.writeTextFile {
    name = "site";
    destination = "/index.html";
    text = "<h1>Hello from cairn</h1>\n";
  };
  conf = pkgs.writeText "nginx.conf" ''
    daemon off;
    user nginx nginx;
    error_log stderr;
    pid /run/nginx.pid;
    events { }
    http {
      include ${nginx}/etc/nginx/mime.types;
      access_log /var/log/nginx/access.log;
      server {
        listen 127.0.0.1:%d;
        root ${site};
      }
    }
  '';
in
{
  system.stateVersion = "26.11";
  users.users.nginx = { isSystemUser = true; group = "nginx"; };
  users.groups.nginx = { };
  users.users.postgres = { isSystemUser = true; group = "postgres"; home = "/var/lib/postgresql"; };
  users.groups.postgres = { };
  systemd.services.nginx = {
    wantedBy = [ "multi-user.target" ];
    confinement = { enable = true; packages = [ nginx ]; };
    serviceConfig = {
      ExecStart = "/usr/sbin/nginx -c ${conf}";
      StateDirectory = "nginx";
      LogsDirectory = "nginx";
    };
  };
  systemd.services.postgresql = {
    wantedBy = [ "multi-user.target" ];
    confinement = { enable = true; packages = [ pkgs.postgresql_15 ]; };
    preStart = ''
      if [ ! -s /var/lib/postgresql/15/PG_VERSION ]; then
        /usr/lib/postgresql/15/bin/initdb -D /var/lib/postgresql/15 -U postgres --auth=trust
      fi
    '';
    serviceConfig = {
      User = "postgres";
      ExecStart = "/usr/lib/postgresql/15/bin/postgres -D /var/lib/postgresql/15 -k /run/postgresql -c listen_addresses=127.0.0.1 -p %d";
      StateDirectory = "postgresql";
      RuntimeDirectory = "postgresql";
    };
  };
}
`, nginx, httpPort, pgPort)
}

// serverHeader polls http://127.0.0.1:port/ until it answers and returns
// its Server header and body.
func serverHeader(t *testing.T, port int) (string, string) {
	t.Helper()
	var last error
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/", port))
		if err != nil {
			last = err
			continue
		}
		var b strings.Builder
		buf := make([]byte, 4096)
		for {
			n, err := resp.Body.Read(buf)
			b.Write(buf[:n])
			if err != nil {
				break
			}
		}
		resp.Body.Close()
		return resp.Header.Get("Server"), b.String()
	}
	t.Fatalf("nothing answers on 127.0.0.1:%d: %v", port, last)
	return "", ""
}

// TestServicesFromDebianPackages is the packages issue end to end, under
// cairn's supervisor: a configuration whose services are nginx and
// PostgreSQL 15 from the pinned bookworm channel builds, switches, serves
// a page on 127.0.0.1 and answers a query through psql; the next
// generation takes nginx from the trixie channel, and a rollback brings
// back the version that ran before.
func TestServicesFromDebianPackages(t *testing.T) {
	cache := needMirror(t, true)
	dir, root := t.TempDir(), t.TempDir()
	for _, suite := range []string{"bookworm", "trixie"} {
		if code, _, stderr := runCairn(t, dir, cache, "channel", "add", suite, "--suite", suite, "--arch", "amd64"); code != 0 {
			t.Fatalf("channel add %s: exit %d: %s", suite, code, stderr)
		}
	}
	self, err := exec.LookPath("cairn") // this test binary, as testscript links it
	if err != nil {
		t.Fatal(err)
	}
	startSupervisor(t, supervise.Config{Root: root, Confine: self})

	httpPort, pgPort := freePort(t), freePort(t)
	config := filepath.Join(dir, "configuration.nix")
	switchTo := func(nginx string) {
		t.Helper()
		if err := os.WriteFile(config, []byte(servicesConfig(nginx, httpPort, pgPort)), 0o644); err != nil {
			t.Fatal(err)
		}
		if code, out, stderr := runCairn(t, dir, cache, "switch", "--root", root, "--manager", "supervise", "-c", config); code != 0 {
			t.Fatalf("switch (nginx = %s): exit %d\n%s%s", nginx, code, out, stderr)
		}
	}

	switchTo("pkgs.nginx")
	server, body := serverHeader(t, httpPort)
	if server != "nginx/1.22.1" || body != "<h1>Hello from cairn</h1>\n" {
		t.Fatalf("generation 1 serves Server %q, body %q; want nginx/1.22.1 and the page", server, body)
	}

	// psql from the store, through TCP on loopback; the server may still
	// be starting.
	var out, stderr string
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(300 * time.Millisecond) {
		var code int
		code, out, stderr = runCairn(t, dir, cache, "run", "--root", root, "postgresql-client-15", "--",
			"/usr/lib/postgresql/15/bin/psql", "-h", "127.0.0.1", "-p", fmt.Sprint(pgPort), "-U", "postgres", "-tAc", "select 6 * 7, current_user, version()")
		if code == 0 {
			break
		}
	}
	if !strings.HasPrefix(out, "42|postgres|PostgreSQL 15.") {
		t.Fatalf("psql: %q\n%s", out, stderr)
	}

	switchTo("pkgs.channels.trixie.nginx")
	if server, _ = serverHeader(t, httpPort); !strings.HasPrefix(server, "nginx/1.26.") {
		t.Fatalf("generation 2 serves Server %q, want trixie's nginx/1.26", server)
	}

	if code, out, stderr := runCairn(t, dir, cache, "rollback", "--root", root, "--manager", "supervise"); code != 0 {
		t.Fatalf("rollback: exit %d\n%s%s", code, out, stderr)
	}
	if server, _ = serverHeader(t, httpPort); server != "nginx/1.22.1" {
		t.Fatalf("after the rollback the server is %q, want nginx/1.22.1", server)
	}
}
