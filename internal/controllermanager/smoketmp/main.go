package main

import (
	"context"
	"log/slog"
	"os"
	"os/signal"

	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/skiff/skiff/internal/controllermanager"
	"github.com/skiff/skiff/internal/scheduler"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	rc, err := clientcmd.BuildConfigFromFlags("", os.Args[1])
	if err != nil {
		panic(err)
	}
	rc.QPS, rc.Burst = 2000, 4000
	cs := kubernetes.NewForConfigOrDie(rc)
	go func() {
		s, err := scheduler.New(scheduler.Config{Client: cs, Informers: informers.NewSharedInformerFactory(cs, 0)})
		if err != nil {
			panic(err)
		}
		_ = s.Run(ctx)
	}()
	err = controllermanager.Run(ctx, controllermanager.Config{REST: rc, Logger: slog.Default()})
	slog.Info("manager returned", "err", err)
}
