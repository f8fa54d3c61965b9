package views

import (
	"fmt"
	"strings"

	"jrx/tasks"
)

// renderNearest lists the selected latent's nearest rows of the target
// table with cosine bars, then the top-2 margin.
func renderNearest(st *Styles, f *Frame, sel, w, h int, compact bool) []string {
	sn := f.Snap(sel)
	if sn == nil {
		return []string{st.Dim.Render("no step selected")}
	}
	truth := f.Truth(sel)
	tokW := 1
	for _, s := range sn.NearestTarget {
		tokW = max(tokW, width(f.sym(s.Token)))
	}
	var out []string
	if !compact && h >= len(sn.NearestTarget)+3 {
		out = append(out, st.Dim.Render("cosine to the target table Ē"))
	}
	barW := max(1, w-tokW-1-5-2)
	for i, s := range sn.NearestTarget {
		if len(out) >= h-1 && i > 0 {
			break
		}
		tok := fit(f.sym(s.Token), tokW)
		mark := "  "
		if s.Token == truth {
			tok = st.Token.Truth.Render(tok)
			mark = " " + st.Token.Truth.Render("✓")
		}
		out = append(out, fmt.Sprintf("%s %s %4s%s", tok, bar(st, s.Cos, barW), dec(s.Cos), mark))
	}
	out = append(out, fmt.Sprintf("%s %s", st.Dim.Render("margin top1−top2"), dec(sn.Margin)))
	if !compact && len(sn.NearestEmbed) > 0 && len(out) < h {
		var parts []string
		for _, s := range sn.NearestEmbed[:min(3, len(sn.NearestEmbed))] {
			parts = append(parts, f.sym(s.Token)+" "+dec(s.Cos))
		}
		out = append(out, st.Dim.Render("in E: ")+strings.Join(parts, " · "))
	}
	if !compact && len(out) < h {
		out = append(out, st.Dim.Render(fmt.Sprintf("‖h‖ before L2 %.2f", sn.PreNorm)))
	}
	return out
}

// renderMixture shows the selected latent as weighted hypotheses: the
// atoms, the residual and the coefficients on the plane of the correct
// token and its rival (the tree task's sibling plane).
func renderMixture(st *Styles, f *Frame, sel, w, h int, compact bool) []string {
	sn := f.Snap(sel)
	if sn == nil {
		return []string{st.Dim.Render("no step selected")}
	}
	truth := f.Truth(sel)
	mx := sn.Mixture
	tokW := 1
	for _, a := range mx.Atoms {
		tokW = max(tokW, width(f.sym(a.Token)))
	}
	var out []string
	barW := max(1, w-tokW-1-4-1-7)
	tiny := 0
	for _, a := range mx.Atoms {
		if a.Weight < 0.005 {
			tiny++
			continue
		}
		tok := fit(f.sym(a.Token), tokW)
		if a.Token == truth {
			tok = st.Token.Truth.Render(tok)
		}
		out = append(out, fmt.Sprintf("%s %s %s %s", tok, weightStr(a.Weight), bar(st, a.Weight, barW),
			st.Dim.Render(fmt.Sprintf("c %s", dec(a.Coef)))))
	}
	if len(mx.Atoms) == 0 {
		out = append(out, st.Dim.Render("no letter or EOS direction fits"))
	}
	if tiny > 0 {
		out = append(out, st.Dim.Render(fmt.Sprintf("+%d more below .005", tiny)))
	}
	out = append(out, fmt.Sprintf("%s %s  %s %2.0f%%", st.Dim.Render("residual"), dec(mx.Residual),
		st.Dim.Render("explained"), 100*mx.Explained))
	rival, noRival := "rival", func(int) string { return "no rival at this step" }
	if rw, ok := f.Problem.(tasks.RivalWords); ok {
		rival, noRival = rw.RivalName(), rw.NoRival
	}
	if p := sn.Probe; p != nil {
		who := st.Verdict.Correct.Render("✓")
		if !compact {
			who = st.Verdict.Correct.Render("✓ correct leads")
		}
		if p.Alpha <= p.Beta {
			who = st.Verdict.Wrong.Render("✗ " + rival + " leads")
		}
		lead := "plane"
		if !compact {
			lead = rival + " plane"
		}
		out = append(out, fmt.Sprintf("%s %s|%s α %s β %s %s", st.Dim.Render(lead),
			f.sym(p.Correct), f.sym(p.Sibling), dec(p.Alpha), dec(p.Beta), who))
		out = append(out, st.Dim.Render(fmt.Sprintf("dist %s · plane rank top %.1f%%", dec(p.Dist), p.RankPct)))
	} else {
		out = append(out, st.Dim.Render(fmt.Sprintf("%s plane: — (%s)", rival, noRival(sel))))
	}
	return out
}
