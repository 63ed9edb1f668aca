// Package activate moves a root folder from one generation of the system
// to another. It computes a Plan, which is data: the /etc links and copies
// to add, replace and remove, the user and group database to write, the
// tmpfiles rules and activation scripts to run, and the units to stop,
// start, restart and reload under the switch-to-configuration rules of
// NixOS. `cairn dry-activate` prints a plan; `switch`, `test` and
// `rollback` apply it with Apply.
//
// Apply runs the plan as numbered steps behind a journal
// (ROOT/var/lib/cairn/switch-journal) that names the generation it came
// from and the one it goes to. The root's links, /etc, user database and
// boot loader files change in one step, the commit: earlier steps write
// the new entries into staging folders (one per area, on the same file
// system as its targets), and the commit point is the rename of the
// journal that lists the renames putting them in place. A switch killed
// before it leaves the old generation exactly; one killed after it is
// rolled forward by Settle, which runs the listed renames again. The next
// switch then completes the switch and the next rollback undoes it: the
// root's state is exactly that of one of the two generations.
//
// /etc: ROOT/etc/static is a link to the generation's etc folder, swapped
// with one rename; each managed file ROOT/etc/T is a link to /etc/static/T
// or a copy with a mode and owner, listed in ROOT/etc/.cairn-managed so that
// files of older generations are removed. Files cairn did not create are
// never touched: when one is in the way the plan lists a conflict and
// Apply refuses.
//
// Users and groups follow NixOS's update-users-groups: ids are stable and
// never reused (ROOT/var/lib/cairn/uid-map and gid-map remember every
// allocation), system users and groups are allocated from 999 down,
// normal users from 1000 up, and with mutableUsers accounts that were
// never declared are kept.
package activate
