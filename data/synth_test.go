package data

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"testing"
	"time"
)

func TestSynthDeterministic(t *testing.T) {
	a := SynthTissue(600, 5)
	old := runtime.GOMAXPROCS(1)
	b := SynthTissue(600, 5)
	runtime.GOMAXPROCS(old)
	c := SynthTissue(600, 6)
	for i, s := range []*Set{a.Train, a.Val, a.Test} {
		o := []*Set{b.Train, b.Val, b.Test}[i]
		if err := s.Validate(); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(s.Images, o.Images) || !slices.Equal(s.Meta, o.Meta) || !slices.Equal(s.Planted, o.Planted) {
			t.Fatal("not deterministic across GOMAXPROCS")
		}
	}
	if bytes.Equal(a.Train.Images, c.Train.Images) {
		t.Fatal("seed has no effect")
	}
	if a.Train.N+a.Val.N+a.Test.N != 600 || a.Test.N != 240 || a.Val.N != 30 {
		t.Fatalf("sizes %d %d %d", a.Train.N, a.Val.N, a.Test.N)
	}
	for _, s := range []*Set{a.Train, a.Test} {
		for i := 0; i < s.N; i++ {
			if (s.Meta[i] >= 7) != (s.Labels[i] == 1) {
				t.Fatal("label does not follow class")
			}
			switch s.Planted[i] {
			case PlantGlandular:
				if s.Meta[i] != 8 {
					t.Fatal("glandular tumour on a non-TUM class")
				}
			case PlantWavy:
				if s.Meta[i] != 5 {
					t.Fatal("wavy muscle on a non-MUS class")
				}
			}
		}
	}
}

func TestSynthRates(t *testing.T) {
	sp := SynthTissue(9000, 1)
	d := DefaultSynth
	check := func(s *Set, r SynthRates) {
		n := float64(s.N)
		cnt := Counts(s.Planted)
		for len(cnt) < 5 {
			cnt = append(cnt, 0)
		}
		cls := Counts(s.Meta)
		// Stain and blur are drawn for examples not given a subtype.
		got := []float64{float64(cnt[1]) / n, float64(cnt[2]) / n, float64(cnt[3]) / float64(cls[8]), float64(cnt[4]) / float64(cls[5])}
		want := []float64{r.Stain, r.Blur, r.Glandular, r.Wavy}
		for i := range got {
			tol := 4*sqrt(want[i]*(1-want[i])/n*9) + 0.002
			if got[i] < want[i]*0.85-tol || got[i] > want[i]+tol {
				t.Errorf("%s planted type %d rate %.4f, want about %.4f", s.Source[0].Split, i+1, got[i], want[i])
			}
		}
	}
	check(sp.Train, d.Train)
	check(sp.Test, d.Test)
	pos := float64(Counts(sp.Train.Labels)[1]) / float64(sp.Train.N)
	if pos < 0.2 || pos > 0.25 {
		t.Errorf("malignant share %.3f, want 2/9", pos)
	}
}

func sqrt(x float64) float64 {
	z := x
	if z == 0 {
		return 0
	}
	for i := 0; i < 30; i++ {
		z = (z + x/z) / 2
	}
	return z
}

func TestSynthSpeed(t *testing.T) {
	if os.Getenv("REMEDY_LONG") == "" {
		t.Skip("set REMEDY_LONG=1 to time 20,000 images")
	}
	start := time.Now()
	SynthTissue(20000, 3)
	el := time.Since(start)
	t.Logf("20,000 synthetic tissue images in %v on %d threads", el, runtime.GOMAXPROCS(0))
	if el > 20*time.Second {
		t.Fatalf("too slow: %v", el)
	}
}

// TestSynthPNG writes example grids when REMEDY_PNG_DIR is set.
func TestSynthPNG(t *testing.T) {
	dir := os.Getenv("REMEDY_PNG_DIR")
	if dir == "" {
		t.Skip("set REMEDY_PNG_DIR to write example grids")
	}
	sp := SynthTissue(4000, 9)
	s := sp.Test
	var byClass, byPlant [][][]uint8
	byClass = make([][][]uint8, 9)
	byPlant = make([][][]uint8, 5)
	for i := 0; i < s.N; i++ {
		if s.Planted[i] == 0 && len(byClass[s.Meta[i]]) < 14 {
			byClass[s.Meta[i]] = append(byClass[s.Meta[i]], s.Image(i))
		}
		if p := s.Planted[i]; p > 0 && len(byPlant[p]) < 14 {
			byPlant[p] = append(byPlant[p], s.Image(i))
		}
	}
	writeGrid(t, filepath.Join(dir, "synth_classes.png"), byClass, 3, 28, 28, 4)
	writeGrid(t, filepath.Join(dir, "synth_planted.png"), byPlant[1:], 3, 28, 28, 4)
}

func BenchmarkSynthTissue(b *testing.B) {
	for i := 0; i < b.N; i++ {
		SynthTissue(20000, uint64(i))
	}
	b.ReportMetric(float64(20000*b.N)/b.Elapsed().Seconds(), "images/s")
}
