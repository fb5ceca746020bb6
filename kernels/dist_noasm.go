//go:build purego || !amd64

package kernels

func distSIMD() bool { return false }

func dotSIMD(x, y []float32) float32                                         { return dotGo(x, y) }
func sqDistSIMD(x, y []float32) float32                                      { return sqDistGo(x, y) }
func dotRowsSIMD(x []float32, d int, ia, ib []int32, out []float32, ldo int) {}
