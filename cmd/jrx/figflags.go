package main

import (
	"flag"
	"fmt"

	"jrx/internal/figures"
	"jrx/internal/termsafe"
)

// figFlags are --svg FILE and --png FILE.
type figFlags struct{ svg, png *string }

func declareFigFlags(fs *flag.FlagSet) figFlags {
	return figFlags{
		svg: fs.String("svg", "", "also draw the figure as SVG into this file"),
		png: fs.String("png", "", "also draw the figure as PNG into this file"),
	}
}

// any reports whether a figure was asked for.
func (f figFlags) any() bool { return *f.svg != "" || *f.png != "" }

// write draws fig into the files asked for and says so on stderr.
func (f figFlags) write(env *cliEnv, fig func() figures.Figure) error {
	if !f.any() {
		return nil
	}
	g := fig()
	for _, out := range []struct {
		path   string
		format figures.Format
	}{{*f.svg, figures.SVG}, {*f.png, figures.PNG}} {
		if out.path == "" {
			continue
		}
		if err := g.Write(out.path, out.format); err != nil {
			return err
		}
		fmt.Fprintf(env.stderr, "figure written to %s\n", termsafe.Line(out.path))
	}
	return nil
}
