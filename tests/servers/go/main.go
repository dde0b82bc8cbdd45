// A Go net/http server for the tests, built with CGO_ENABLED=0 (Go's own
// system calls, epoll and netlink): prints the interfaces net.Interfaces
// finds, serves "/" and "/sum" (the SHA-256 of a POST body), and on SIGINT
// (Ctrl-C on the console) shuts down gracefully and exits 0.
package main

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
)

func main() {
	ifs, err := net.Interfaces()
	if err != nil {
		fmt.Println("net.Interfaces:", err)
		os.Exit(1)
	}
	for _, i := range ifs {
		addrs, _ := i.Addrs()
		fmt.Println("interface", i.Name, i.Flags&net.FlagUp != 0, addrs)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "hello from go")
	})
	mux.HandleFunc("/sum", func(w http.ResponseWriter, r *http.Request) {
		h := sha256.New()
		io.Copy(h, r.Body)
		fmt.Fprintf(w, "%x", h.Sum(nil))
	})
	srv := &http.Server{Addr: ":" + os.Args[1], Handler: mux}
	ln, err := net.Listen("tcp", srv.Addr)
	if err != nil {
		fmt.Println("listen:", err)
		os.Exit(1)
	}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt)
	done := make(chan struct{})
	go func() {
		<-stop
		fmt.Println("interrupted: shutting down")
		srv.Shutdown(context.Background())
		close(done)
	}()
	fmt.Println("ready")
	if err := srv.Serve(ln); err != http.ErrServerClosed {
		fmt.Println("serve:", err)
		os.Exit(1)
	}
	<-done
	fmt.Println("shut down cleanly")
}
