package framework

import "fmt"

// Case is one evaluated unit of the analysis set: an image for
// classification, an object (a catheter or a false alarm) for detection.
type Case struct {
	Index       int     `json:"index"`                 // position in the analysis set
	Source      string  `json:"source"`                // where it came from in the input: file split
	SourceIndex int     `json:"source_index"`          // and index there
	SourceFile  string  `json:"source_file,omitempty"` // the image's file when the input has files
	Label       int32   `json:"label"`
	Pred        int32   `json:"pred"`
	Confidence  float32 `json:"confidence"`
	Correct     bool    `json:"correct"`
	Meta        []int32 `json:"meta"`    // one value per MetaField
	Planted     int32   `json:"planted"` // true failure type when known (0 = none), else -1
}

// MetaField names one metadata column and its values (e.g. tissue type).
type MetaField struct {
	Name   string   `json:"name"`
	Values []string `json:"values"`
}

// Evaluation is the model's verdict on the analysis set, split into the
// failures F and the correct cases C (indices into Cases).
type Evaluation struct {
	Cases []Case      `json:"cases"`
	Meta  []MetaField `json:"meta_fields"`
	F     []int       `json:"-"`
	C     []int       `json:"-"`
}

// Split fills F and C from the cases' Correct flags and checks the set is
// usable for failure analysis.
func (e *Evaluation) Split() error {
	e.F, e.C = e.F[:0], e.C[:0]
	for i, c := range e.Cases {
		if len(c.Meta) != len(e.Meta) {
			return fmt.Errorf("case %d has %d metadata values, want %d", i, len(c.Meta), len(e.Meta))
		}
		if c.Correct {
			e.C = append(e.C, i)
		} else {
			e.F = append(e.F, i)
		}
	}
	switch {
	case len(e.Cases) == 0:
		return fmt.Errorf("the analysis set is empty")
	case len(e.F) == 0:
		return fmt.Errorf("the model makes no mistakes on the %d analysis cases: there are no failures to analyse", len(e.Cases))
	case len(e.C) == 0:
		return fmt.Errorf("the model gets none of the %d analysis cases right: there are no correct cases to keep", len(e.Cases))
	}
	return nil
}

// Accuracy is the fraction of correct cases.
func (e *Evaluation) Accuracy() float64 {
	if len(e.Cases) == 0 {
		return 0
	}
	return float64(len(e.C)) / float64(len(e.Cases))
}
