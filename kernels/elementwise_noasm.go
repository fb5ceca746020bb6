//go:build !amd64 || purego

package kernels

func elemSIMD() bool { return false }

func reluSIMD(dst, x []float32) int                           { return 0 }
func reluBackwardSIMD(dx, dy, y []float32) int                { return 0 }
func addSIMD(dst, a, b []float32) int                         { return 0 }
func scaleSIMD(dst []float32, alpha float32, x []float32) int { return 0 }

func poolReluBackRowSIMD(dy, y []float32, arg []int32, r0, r1 []float32, base, w int32) bool {
	return false
}

func poolReluBackNHWCSIMD(dy, y []float32, arg []int32, r0, r1 []float32, p00, wc int32) bool {
	return false
}

func poolReluBackPlanesSIMD(planes, oh, ow int, dy, y []float32, arg []int32, dx []float32) bool {
	return false
}

func maxPoolRowSIMD(xp []float32, row0, w int, yr []float32, ar []int32) int { return 0 }

func maxPoolPlanesSIMD(planes, h, w int, x, y []float32, arg []int32) bool { return false }

func sumSquaresSIMD(x []float32, acc *[sqLanes]float64) bool { return false }
