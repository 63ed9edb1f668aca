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
// from and the one it goes to. Every step is idempotent and derived from
// the actual state of the root, so an interrupted switch (a crash, a
// SIGKILL at any step) is completed by the next switch (Recover with
// forward) or undone by the next rollback (Recover backward): afterwards
// the root's links, /etc and user database are exactly those of one of the
// two generations.
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
