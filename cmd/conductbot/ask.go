package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/conductbot/conductbot/retrieval"
)

func init() {
	register("ask", "answer one question (--json), or one a line from stdin (--jsonl)", runAsk)
}

// maxJSONLLine bounds one question line on stdin; longer lines are answered from their beginning.
const maxJSONLLine = 1 << 20

func runAsk(ctx context.Context, m *Main, args []string) error {
	m.DefaultLogLevel = "warn"
	fs := flag.NewFlagSet("ask", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	asJSON := fs.Bool("json", false, "print the answer as one JSON object")
	jsonl := fs.Bool("jsonl", false, "read one question a line on stdin, write one JSON object a line")
	fs.Usage = func() {
		fmt.Fprintln(m.Stderr, "Usage: conductbot ask [--json] QUESTION\n       conductbot ask --jsonl < questions.txt")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if !*jsonl && fs.NArg() == 0 {
		fs.Usage()
		return fmt.Errorf("%w: no question given", errUsage)
	}
	if err := m.Open(ctx); err != nil {
		return err
	}
	if *jsonl {
		return askLines(ctx, m.Engine, m.Stdin, m.Stdout)
	}
	a, err := m.Engine.Ask(ctx, strings.Join(fs.Args(), " "))
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(m.Stdout).Encode(a)
	}
	_, err = fmt.Fprintln(m.Stdout, a.Answer)
	return err
}

// askLines answers every line of r, writing exactly one JSON object a line to w (an empty line gets an answer
// that asks for a question, so line numbers stay aligned).
func askLines(ctx context.Context, e *retrieval.Engine, r io.Reader, w io.Writer) error {
	br := bufio.NewReaderSize(r, 64*1024)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for {
		line, err := readLine(br)
		if err == io.EOF && line == "" {
			return nil
		}
		if err != nil && err != io.EOF {
			return err
		}
		a, aerr := e.Ask(ctx, strings.TrimRight(line, "\r"))
		if aerr != nil {
			return aerr
		}
		if werr := enc.Encode(a); werr != nil {
			return werr
		}
		if err == io.EOF {
			return nil
		}
	}
}

// readLine reads one line without its newline, keeping at most maxJSONLLine bytes of it.
func readLine(br *bufio.Reader) (string, error) {
	var b strings.Builder
	for {
		chunk, isPrefix, err := br.ReadLine()
		if b.Len() < maxJSONLLine {
			b.Write(chunk[:min(len(chunk), maxJSONLLine-b.Len())])
		}
		if err != nil {
			return b.String(), err
		}
		if !isPrefix {
			return b.String(), nil
		}
	}
}
