// Command ferretdb-embed runs FerretDB v1 as a local MongoDB-wire server, on SQLite (the default) or, with
// -postgresql-url, on a PostgreSQL server.
//
// Why a wrapper: `go install github.com/FerretDB/FerretDB/cmd/ferretdb@v1.24.2` builds a binary that
// panics at start-up because build/version/version.txt is generated and absent from the module zip
// (FerretDB#2982). The version check only runs when FerretDB is the main module, so embedding the
// library from our own main module avoids it.
package main

import (
	"context"
	"flag"
	"log"
	"log/slog"
	"net/http"
	_ "net/http/pprof" // profiles (and metrics) on -pprof-addr only
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	addr := flag.String("listen-addr", "127.0.0.1:27017", "TCP address to listen on")
	sqliteURL := flag.String("sqlite-url", "file:./data/", "SQLite directory URL (existing directory, trailing slash)")
	postgresqlURL := flag.String("postgresql-url", "", "PostgreSQL URL: the postgresql backend instead of SQLite")
	logLevel := flag.String("log-level", "warn", "debug|info|warn|error")
	pprofAddr := flag.String("pprof-addr", "", "serve Go's profiles (/debug/pprof/) and the server's metrics "+
		"(/debug/metrics: requests by command) on this address; off when empty")
	memoryLimit := flag.Int64("memory-limit-mb", 1024, "soft limit of the Go heap in MiB (GOMEMLIMIT wins); 0: none")
	flag.Parse()

	if *pprofAddr != "" {
		go func() {
			log.Printf("pprof listening on %s", *pprofAddr)
			log.Print(http.ListenAndServe(*pprofAddr, nil))
		}()
	}

	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		log.Fatalf("bad -log-level: %v", err)
	}

	handler := "sqlite"
	if *postgresqlURL != "" {
		handler = "postgresql"
	}

	f, err := ferretdb.New(&ferretdb.Config{
		Listener:      ferretdb.ListenerConfig{TCP: *addr},
		Handler:       handler,
		SQLiteURL:     *sqliteURL,
		PostgreSQLURL: *postgresqlURL,
		Logger:        slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level})),
	})
	if err != nil {
		log.Fatal(err)
	}
	http.Handle("/debug/metrics", f.MetricsHandler()) // beside the profiles, on -pprof-addr

	// A scan decodes every stored document into short-lived values; collecting at 5x the live heap instead of
	// 2x cut a 1,000-document scan by a tenth (measured) for a heap of a few tens of MB. GOGC still wins.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	// ... but the heap then grows to five times what the largest scans in flight hold: under a steady stream of
	// filings (make bench-soak, 25/s) FerretDB allocates about 250 MB/s decoding documents, and its RSS rose past
	// 8 GB in seven minutes. A soft limit makes the collector work harder near it instead (GOGC=400 below it).
	if os.Getenv("GOMEMLIMIT") == "" && *memoryLimit > 0 {
		debug.SetMemoryLimit(*memoryLimit << 20)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	log.Printf("ferretdb listening on %s", *addr)
	f.Run(ctx)
}
