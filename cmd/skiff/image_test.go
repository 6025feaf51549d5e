package main

import (
	"flag"
	"slices"
	"testing"
)

func TestInterspersed(t *testing.T) {
	cases := []struct {
		args, want []string
	}{
		{[]string{"a.tar"}, []string{"a.tar"}},
		{[]string{"a.tar", "--name", "busybox:1.36"}, []string{"--name", "busybox:1.36", "a.tar"}},
		{[]string{"--name=x", "a.tar"}, []string{"--name=x", "a.tar"}},
		{[]string{"a.tar", "--kubeconfig", "k.yaml", "--name", "x"}, []string{"--kubeconfig", "k.yaml", "--name", "x", "a.tar"}},
		{[]string{"-", "a.tar"}, []string{"-", "a.tar"}},
	}
	for _, c := range cases {
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		fs.String("name", "", "")
		fs.String("kubeconfig", "", "")
		if got := interspersed(fs, c.args); !slices.Equal(got, c.want) {
			t.Errorf("interspersed(%q) = %q, want %q", c.args, got, c.want)
		}
	}
}
