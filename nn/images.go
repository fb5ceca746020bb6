package nn

import "fmt"

// ImagesToNCHW converts n uint8 images of c channels and h x w pixels into
// float32 NCHW in [0,1] (value/255, as torchvision's ToTensor). hwc selects
// the source layout: true for H,W,C (MedMNIST .npz), false for C,H,W.
// Grayscale sources (srcC == 1) are repeated to c channels when c > 1.
func ImagesToNCHW(dst []float32, src []uint8, n, srcC, c, h, w int, hwc bool) error {
	if srcC != c && srcC != 1 {
		return fmt.Errorf("nn: cannot convert %d-channel images to %d channels", srcC, c)
	}
	if len(src) != n*srcC*h*w {
		return fmt.Errorf("nn: %d image bytes for %d images of %dx%dx%d", len(src), n, srcC, h, w)
	}
	if len(dst) != n*c*h*w {
		return fmt.Errorf("nn: destination of %d floats for %d images of %dx%dx%d", len(dst), n, c, h, w)
	}
	hw := h * w
	for i := 0; i < n; i++ {
		s := src[i*srcC*hw : (i+1)*srcC*hw]
		d := dst[i*c*hw : (i+1)*c*hw]
		for ch := 0; ch < c; ch++ {
			sc := ch
			if srcC == 1 {
				sc = 0
			}
			dp := d[ch*hw : (ch+1)*hw]
			if hwc {
				for p := range dp {
					dp[p] = float32(s[p*srcC+sc]) / 255
				}
			} else {
				for p := range dp {
					dp[p] = float32(s[sc*hw+p]) / 255
				}
			}
		}
	}
	return nil
}
