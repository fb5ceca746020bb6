// Package framework is the method of Henn et al. (MICCAI 2021 workshop):
// Phase I finds failure types and scores them by Learnability, Independence
// and Compatibility; Phase II repairs the model and checks that what worked
// still works. One file per stage, in the order data flows: failures,
// embeddings, types, splits, scoring, repair, report. Each stage maps plain
// structs to plain structs so it can be tested alone and resumed from what the
// previous stage wrote.
package framework
