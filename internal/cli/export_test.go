package cli

// StartSupervisor is startSupervisor for the external tests (package
// cli_test).
var StartSupervisor = startSupervisor
