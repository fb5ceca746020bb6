package kernels

import "math"

// Pooling and spatial means over channels-last images (n images of
// h x w x c). Winners are recorded as flat indexes within the input image
// (pixel*c + channel), so the backward passes are plain scatters.

// MaxPool2x2NHWC pools n channels-last images of h x w x c into
// floor(h/2) x floor(w/2) x c with stride 2, recording in arg the in-image
// index of each winner: the first maximum in row-major window order, a NaN
// winning (the first NaN), as MaxPool2x2 and PyTorch.
func MaxPool2x2NHWC(n, h, w, c int, x, y []float32, arg []int32) {
	oh, ow := h/2, w/2
	if n == 0 || oh == 0 || ow == 0 || c == 0 {
		return
	}
	hwc, ohwc := h*w*c, oh*ow*c
	_ = x[n*hwc-1]
	_ = y[n*ohwc-1]
	_ = arg[n*ohwc-1]
	for img := 0; img < n; img++ {
		xi := x[img*hwc : (img+1)*hwc]
		for i := 0; i < oh; i++ {
			for j := 0; j < ow; j++ {
				o := img*ohwc + (i*ow+j)*c
				yr, ar := y[o:o+c], arg[o:o+c]
				p00 := (2*i*w + 2*j) * c
				p01, p10 := p00+c, p00+w*c
				p11 := p10 + c
				r00, r01 := xi[p00:p00+c], xi[p01:p01+c]
				r10, r11 := xi[p10:p10+c], xi[p11:p11+c]
				for ch := range yr {
					a, b, cc, d := r00[ch], r01[ch], r10[ch], r11[ch]
					// the tournament of maxPoolRowGo: strict >, so the
					// first maximum wins ties
					v1, v2 := max(a, b), max(cc, d)
					i1 := int32(p00) + b2i(b > a)*int32(c)
					i2 := int32(p10) + b2i(d > cc)*int32(c)
					bi := i1 ^ ((i1 ^ i2) & -b2i(v2 > v1))
					if m := max(v1, v2); m != m {
						switch {
						case a != a:
							bi = int32(p00)
						case b != b:
							bi = int32(p01)
						case cc != cc:
							bi = int32(p10)
						default:
							bi = int32(p11)
						}
					}
					bi += int32(ch)
					yr[ch] = xi[bi]
					ar[ch] = bi
				}
			}
		}
	}
}

// MaxPool2x2NHWCBackward scatters dy to the recorded winners, overwriting dx.
func MaxPool2x2NHWCBackward(n, h, w, c int, dy []float32, arg []int32, dx []float32) {
	hwc, ohwc := h*w*c, (h/2)*(w/2)*c
	clear(dx[:n*hwc])
	for img := 0; img < n; img++ {
		dxi := dx[img*hwc : (img+1)*hwc]
		g := dy[img*ohwc : (img+1)*ohwc]
		for o, a := range arg[img*ohwc : (img+1)*ohwc] {
			dxi[a] = g[o] + 0 // as += on zero, without reading dx
		}
	}
}

// MaxPool2x2NHWCReluBackward is MaxPool2x2NHWCBackward followed by
// ReluBackward, for a pool of a ReLU output (see MaxPool2x2ReluBackward):
// every window writes its four input pixels, so dx is written once.
func MaxPool2x2NHWCReluBackward(n, h, w, c int, dy, y []float32, arg []int32, dx []float32) {
	oh, ow := h/2, w/2
	hwc, ohwc := h*w*c, oh*ow*c
	for img := 0; img < n; img++ {
		dxi := dx[img*hwc : (img+1)*hwc]
		for i := 0; i < oh; i++ {
			for j := 0; j < ow; j++ {
				o := img*ohwc + (i*ow+j)*c
				gr, yr, ar := dy[o:o+c], y[o:o+c], arg[o:o+c]
				p00 := (2*i*w + 2*j) * c
				p10 := p00 + w*c
				r00, r01 := dxi[p00:p00+c], dxi[p00+c:p00+2*c]
				r10, r11 := dxi[p10:p10+c], dxi[p10+c:p10+2*c]
				if poolBackMode != 2 && poolReluBackNHWCSIMD(gr, yr, ar, dxi[p00:p00+2*c], dxi[p10:p10+2*c], int32(p00), int32(w*c)) {
					continue
				}
				for ch := range gr {
					var m uint32
					if yr[ch] > 0 {
						m = 0xFFFFFFFF
					}
					v := math.Float32bits(math.Float32frombits(math.Float32bits(gr[ch])&m) + 0)
					a := ar[ch] - int32(p00+ch) // 0, c, w*c or w*c+c
					r00[ch] = math.Float32frombits(v & -uint32(b2i(a == 0)))
					r01[ch] = math.Float32frombits(v & -uint32(b2i(a == int32(c))))
					r10[ch] = math.Float32frombits(v & -uint32(b2i(a == int32(w*c))))
					r11[ch] = math.Float32frombits(v & -uint32(b2i(a == int32(w*c+c))))
				}
			}
			if w&1 == 1 { // the column no window covers
				clear(dxi[(2*i*w+w-1)*c : (2*i*w+w)*c])
				clear(dxi[((2*i+1)*w+w-1)*c : ((2*i+1)*w+w)*c])
			}
		}
		if h&1 == 1 {
			clear(dxi[(h-1)*w*c:])
		}
	}
}

// SpatialMeanNHWC sets dst[img*c+ch] to the mean over the hw pixels of
// channel ch of channels-last image img, accumulated in float64 in pixel
// order.
func SpatialMeanNHWC(dst, x []float32, n, hw, c int) {
	if n*c == 0 {
		return
	}
	_ = dst[n*c-1]
	_ = x[n*hw*c-1]
	var buf [512]float64
	var acc []float64
	if c <= len(buf) {
		acc = buf[:c]
	} else {
		acc = make([]float64, c)
	}
	for img := 0; img < n; img++ {
		clear(acc)
		xi := x[img*hw*c : (img+1)*hw*c]
		for p := 0; p < hw; p++ {
			for ch, v := range xi[p*c : (p+1)*c] {
				acc[ch] += float64(v)
			}
		}
		for ch, v := range acc {
			dst[img*c+ch] = float32(v / float64(hw))
		}
	}
}

// SpatialMeanNHWCBackward sets every pixel of channel ch of channels-last
// image img of dx to dy[img*c+ch]/hw.
func SpatialMeanNHWCBackward(dx, dy []float32, n, hw, c int) {
	inv := 1 / float32(hw)
	for img := 0; img < n; img++ {
		g := dy[img*c : (img+1)*c]
		for p := 0; p < hw; p++ {
			row := dx[(img*hw+p)*c : (img*hw+p+1)*c]
			for ch, v := range g {
				row[ch] = v * inv
			}
		}
	}
}
