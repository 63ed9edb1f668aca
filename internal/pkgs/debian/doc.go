// Package debian reads Debian's archive as a cairn package channel: the
// signed Release/InRelease file of a suite, its Packages indexes, Debian
// version ordering and relation fields, and a deterministic resolver for
// the Depends/Pre-Depends closure of a package. A Client fetches and
// caches these files from a mirror, checking every file against the
// hashes of a verified InRelease. Unpacking .deb files is not done here.
package debian
