package kernels

// ConvShape describes a 2-D convolution over NCHW float32 tensors:
// input N x C x H x W, weights K x C x R x S (PyTorch layout), output
// N x K x OutH() x OutW(). Bias, when given, has K entries.
type ConvShape struct {
	N, C, H, W       int
	K, R, S          int
	StrideH, StrideW int
	PadH, PadW       int
}

// OutH is the output height.
func (s ConvShape) OutH() int { return (s.H+2*s.PadH-s.R)/s.StrideH + 1 }

// OutW is the output width.
func (s ConvShape) OutW() int { return (s.W+2*s.PadW-s.S)/s.StrideW + 1 }

// WeightLen is the number of weights, K*C*R*S.
func (s ConvShape) WeightLen() int { return s.K * s.C * s.R * s.S }

// ConvForward computes y = conv(x, w) + bias. bias may be nil.
func ConvForward(s ConvShape, x, w, bias, y []float32) {
	convForwardRef(s, x, w, bias, y)
}

// ConvBackwardData computes dx = conv_transpose(dy, w), overwriting dx.
func ConvBackwardData(s ConvShape, dy, w, dx []float32) {
	convBackwardDataRef(s, dy, w, dx)
}

// ConvBackwardWeight accumulates the batch-summed weight gradient into dw
// (dw += sum_n ...) and, when db is non-nil, the bias gradient into db.
func ConvBackwardWeight(s ConvShape, x, dy, dw, db []float32) {
	convBackwardWeightRef(s, x, dy, dw, db)
}

// ConvPerSampleWeight writes each example's own weight gradient, without
// summing over the batch: dwPer is N x WeightLen(), row n the gradient of
// example n, overwritten.
func ConvPerSampleWeight(s ConvShape, x, dy, dwPer []float32) {
	convPerSampleWeightRef(s, x, dy, dwPer)
}

func convForwardRef(s ConvShape, x, w, bias, y []float32) {
	oh, ow := s.OutH(), s.OutW()
	for n := 0; n < s.N; n++ {
		for k := 0; k < s.K; k++ {
			var b float32
			if bias != nil {
				b = bias[k]
			}
			for i := 0; i < oh; i++ {
				for j := 0; j < ow; j++ {
					acc := b
					for c := 0; c < s.C; c++ {
						for r := 0; r < s.R; r++ {
							hi := i*s.StrideH - s.PadH + r
							if hi < 0 || hi >= s.H {
								continue
							}
							for q := 0; q < s.S; q++ {
								wi := j*s.StrideW - s.PadW + q
								if wi < 0 || wi >= s.W {
									continue
								}
								acc += x[((n*s.C+c)*s.H+hi)*s.W+wi] * w[((k*s.C+c)*s.R+r)*s.S+q]
							}
						}
					}
					y[((n*s.K+k)*oh+i)*ow+j] = acc
				}
			}
		}
	}
}

func convBackwardDataRef(s ConvShape, dy, w, dx []float32) {
	oh, ow := s.OutH(), s.OutW()
	clear(dx[:s.N*s.C*s.H*s.W])
	for n := 0; n < s.N; n++ {
		for k := 0; k < s.K; k++ {
			for i := 0; i < oh; i++ {
				for j := 0; j < ow; j++ {
					g := dy[((n*s.K+k)*oh+i)*ow+j]
					for c := 0; c < s.C; c++ {
						for r := 0; r < s.R; r++ {
							hi := i*s.StrideH - s.PadH + r
							if hi < 0 || hi >= s.H {
								continue
							}
							for q := 0; q < s.S; q++ {
								wi := j*s.StrideW - s.PadW + q
								if wi < 0 || wi >= s.W {
									continue
								}
								dx[((n*s.C+c)*s.H+hi)*s.W+wi] += g * w[((k*s.C+c)*s.R+r)*s.S+q]
							}
						}
					}
				}
			}
		}
	}
}

func convBackwardWeightRef(s ConvShape, x, dy, dw, db []float32) {
	oh, ow := s.OutH(), s.OutW()
	for n := 0; n < s.N; n++ {
		for k := 0; k < s.K; k++ {
			for i := 0; i < oh; i++ {
				for j := 0; j < ow; j++ {
					g := dy[((n*s.K+k)*oh+i)*ow+j]
					if db != nil {
						db[k] += g
					}
					for c := 0; c < s.C; c++ {
						for r := 0; r < s.R; r++ {
							hi := i*s.StrideH - s.PadH + r
							if hi < 0 || hi >= s.H {
								continue
							}
							for q := 0; q < s.S; q++ {
								wi := j*s.StrideW - s.PadW + q
								if wi < 0 || wi >= s.W {
									continue
								}
								dw[((k*s.C+c)*s.R+r)*s.S+q] += g * x[((n*s.C+c)*s.H+hi)*s.W+wi]
							}
						}
					}
				}
			}
		}
	}
}

func convPerSampleWeightRef(s ConvShape, x, dy, dwPer []float32) {
	wl := s.WeightLen()
	one := s
	one.N = 1
	xl := s.C * s.H * s.W
	yl := s.K * s.OutH() * s.OutW()
	for n := 0; n < s.N; n++ {
		row := dwPer[n*wl : (n+1)*wl]
		clear(row)
		convBackwardWeightRef(one, x[n*xl:(n+1)*xl], dy[n*yl:(n+1)*yl], row, nil)
	}
}
