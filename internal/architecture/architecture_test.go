// Package architecture holds the test that keeps the layers of docs/architecture.md: which package may import
// which. It reads the import graph with `go list`, so it sees what the compiler sees.
package architecture

import (
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/conductbot/conductbot/"

// testSupport are packages that exist for tests: no production package imports them.
var testSupport = []string{"internal/testkit", "internal/golden", "storetest"}

// allowed lists, for each package, the project packages it may import (production imports, not its tests').
// A package missing here may import nothing of the project. See docs/architecture.md for why.
var allowed = map[string][]string{
	// Foundations: workday, rules, config, internal/migrations import nothing of the project.
	"retrieval": {"rules"},
	// The bot framework: middleware, routing, forms, users and roles; no capability's domain.
	"bot":          {},
	"bot/telegram": {"bot"},
	"bot/console":  {"bot"},
	// Capabilities: on the framework and the foundations; supervision reviews spot-check reports.
	"qa":        {"bot", "retrieval", "rules"},
	"inspect":   {"bot", "qa", "retrieval", "rules", "workday"},
	"remind":    {"bot", "qa", "rules", "workday"},
	"supervise": {"bot", "inspect", "qa", "rules", "workday"},
	// Stores implement the capabilities' store interfaces: the queries once in sqlstore, over database/sql; the
	// engines' packages open the database, migrate it, and say how their SQL differs (a sqlstore.Dialect).
	"sqlstore": {"bot", "inspect", "qa", "remind", "retrieval", "rules", "supervise", "workday"},
	"sqlite":   {"bot", "inspect", "internal/migrations", "remind", "retrieval", "rules", "sqlstore", "supervise", "workday"},
	"postgres": {"bot", "inspect", "internal/migrations", "remind", "retrieval", "rules", "sqlstore", "supervise", "workday"},
	// The program wires everything.
	"cmd/conductbot": {"bot", "bot/console", "bot/telegram", "config", "inspect", "postgres", "qa", "remind", "retrieval", "rules", "sqlite", "supervise", "workday"},
	// Test support.
	"internal/testkit": {"bot", "bot/telegram", "qa", "retrieval", "rules", "sqlite"},
	"storetest":        {"bot", "inspect", "qa", "remind", "retrieval", "rules", "supervise", "workday"},
}

type pkg struct {
	ImportPath string
	Imports    []string
}

func TestImportsFollowTheLayers(t *testing.T) {
	cmd := exec.Command("go", "list", "-json", "./...")
	cmd.Dir = "../.."
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("go list: %v\n%s", err, ee.Stderr)
		}
		t.Fatalf("go list: %v", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	seen := 0
	for {
		var p pkg
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		name := strings.TrimPrefix(p.ImportPath, module)
		if name == p.ImportPath || strings.HasPrefix(name, "internal/architecture") {
			continue
		}
		seen++
		for _, imp := range p.Imports {
			dep, ok := strings.CutPrefix(imp, module)
			if !ok {
				continue
			}
			if slices.Contains(testSupport, dep) && !slices.Contains(testSupport, name) {
				t.Errorf("%s imports the test support package %s", name, dep)
				continue
			}
			if !slices.Contains(allowed[name], dep) {
				t.Errorf("%s imports %s: not allowed by docs/architecture.md (allowed: %v)", name, dep, allowed[name])
			}
		}
	}
	if seen < 15 {
		t.Fatalf("go list found %d packages of the project", seen)
	}
}
