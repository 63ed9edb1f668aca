# pkgs.hello: Debian package hello of channel debian (bookworm amd64), with its Depends/Pre-Depends closure.
{ package, deb }:
package "hello" "2.10-3" "debian" [
  (deb "hello" "2.10-3")
  (deb "libc6" "2.36-9+deb12u4")
  (deb "libgcc-s1" "1:12.2.0-14~x")
]
