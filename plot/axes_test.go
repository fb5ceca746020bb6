package plot

import (
	"math"
	"testing"
)

func TestNiceTicks(t *testing.T) {
	for _, c := range []struct {
		lo, hi float64
		step   float64
	}{{0, 1, 0.2}, {0, 10, 2}, {-7.3, 6.1, 2.5}, {0.31, 0.62, 0.05}, {0, 300, 50}, {3, 10, 2}} {
		s := newSpan(c.lo, c.hi, false, false, false)
		if len(s.ticks) < 2 {
			t.Fatalf("%v: ticks %v", c, s.ticks)
		}
		step := s.ticks[1] - s.ticks[0]
		if math.Abs(step-c.step) > 1e-9 {
			t.Errorf("[%v,%v]: step %v, want %v", c.lo, c.hi, step, c.step)
		}
		for _, v := range s.ticks {
			if v < s.lo-1e-9 || v > s.hi+1e-9 {
				t.Errorf("tick %v outside [%v,%v]", v, s.lo, s.hi)
			}
		}
	}
	s := newSpan(0.13, 0.87, false, true, false)
	if s.lo != 0 || math.Abs(s.hi-1) > 1e-12 {
		t.Errorf("snapped span [%v,%v]", s.lo, s.hi)
	}
	if s := newSpan(3, 10, true, false, true); s.ticks[1]-s.ticks[0] != 1 {
		t.Errorf("integer ticks %v", s.ticks)
	}
	if s := newSpan(5, 5, false, false, false); !(s.hi > s.lo) {
		t.Error("degenerate span not widened")
	}
}

func TestFormatTick(t *testing.T) {
	s := newSpan(-0.5, 0.5, false, false, false)
	got := s.labels()
	want := []string{"-0.4", "-0.2", "0.0", "0.2", "0.4"}
	if len(got) != len(want) {
		t.Fatalf("labels %v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("labels %v, want %v", got, want)
			break
		}
	}
	if formatTick(2e-13, 14) != "2e-13" || formatTick(3e7, 0) != "3e+07" {
		t.Error("scientific tick labels")
	}
	if formatTick(-1e-17, 2) != "0.00" {
		t.Error("negative zero printed")
	}
}

func TestIntegerTicksAreWhole(t *testing.T) {
	for _, hi := range []float64{4, 10, 17, 40, 300} {
		for _, v := range newSpan(3, hi, true, false, true).ticks {
			if v != math.Round(v) {
				t.Errorf("[3,%v]: tick %v", hi, v)
			}
		}
	}
}
