// Package e2e holds black-box tests of the built skiff binary: each test
// starts `skiff server` as a child process and drives it with the real
// kubectl (and, where kubectl cannot be precise enough, plain HTTPS or
// client-go), checking what a user would see. Run it with `make e2e`, which
// sets SKIFF_BIN; without it the suite builds the binary itself.
package e2e
