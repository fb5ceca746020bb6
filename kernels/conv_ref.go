package kernels

// Naive direct-loop references (float32 accumulation, the original
// definitions). The tests check the fast paths against a float64 version.

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
