package module

// Modules returns the paths, under MountPoint, of the modules cairn
// itself declares options in; `cairn option` evaluates them with the
// user's configuration and `cairn options` documents them. It is empty
// until the system modules exist; each new module is added here.
func Modules() []string {
	return nil
}
