# Writes the numpy-made fixtures of data/npy and data tests (run with
# Debian's /usr/bin/python3 and python3-numpy 1.24 from this directory).
import numpy as np
np.save('f4_2x3.npy', np.arange(6, dtype='<f4').reshape(2,3)*0.5)
np.save('f8_4.npy', np.array([1.5, -2.25, 1e300, 0], dtype='<f8'))
np.save('i8_3.npy', np.array([-1, 2**40, 7], dtype='<i8'))
np.save('u2_2x2.npy', np.array([[1, 65535],[256, 0]], dtype='<u2'))
np.save('bool_3.npy', np.array([True, False, True]))
np.save('fortran.npy', np.asfortranarray(np.arange(6, dtype='<f4').reshape(2,3)))
np.save('bigendian.npy', np.arange(3, dtype='>i4'))
imgs = (np.arange(5*4*4*3) % 251).astype(np.uint8).reshape(5,4,4,3)
np.savez_compressed('tiny_compressed.npz', train_images=imgs, train_labels=np.array([[0],[7],[8],[3],[5]], dtype=np.uint8),
    test_images=imgs[:2], test_labels=np.array([1, 8], dtype=np.int64))
