// WebAssembly kernels of the per-pixel ops of src/augment/ops.ts, with exactly its results (the TypeScript loops
// stay as the fallback): table lookups (invert, posterize, solarize, brightness, contrast, autocontrast, equalize),
// mirroring, gray levels, blends (color, contrast, sharpness), and the nearest-neighbour affine warp (rotate, shear), whose float32 steps are the TypeScript code's, in the same
// order (built with -ffp-contract=off; round half to even is f32.nearest).
#include <stdint.h>

// dst[i] = lut_c[src[i]] for n pixels of ch (1 or 3) channels; the tables are 256 bytes each, consecutive.
void lut_map(const uint8_t* src, int n, int ch, const uint8_t* luts, uint8_t* dst) {
  if (ch == 1) {
    for (int i = 0; i < n; i++) dst[i] = luts[src[i]];
    return;
  }
  const uint8_t *l0 = luts, *l1 = luts + 256, *l2 = luts + 512;
  for (int i = 0; i < 3 * n; i += 3) {
    dst[i] = l0[src[i]];
    dst[i + 1] = l1[src[i + 1]];
    dst[i + 2] = l2[src[i + 2]];
  }
}

// Inverse-mapped nearest sampling, torchvision's affine_grid + grid_sample(align_corners=False) in float32:
// the source of output (i, j) is round((((x·r00 + y·r10) + r20) + 1)·sw - 0.5) (and y likewise), x and y the pixel
// centres relative to the image centre; outside the image the pixel is `fill` (ch bytes).
void warp_nearest(const uint8_t* src, int h, int w, int ch, float r00, float r10, float r20, float r01, float r11,
                  float r21, float sw, float sh, const uint8_t* fill, uint8_t* dst) {
  for (int i = 0; i < h; i++) {
    const float y = (float)(-h * 0.5 + 0.5 + i);
    const float yx = y * r10, yy = y * r11;
    uint8_t* o = dst + (int64_t)i * w * ch;
    for (int j = 0; j < w; j++) {
      const float x = (float)(-w * 0.5 + 0.5 + j);
      const float fx = __builtin_nearbyintf((((x * r00 + yx) + r20) + 1.0f) * sw - 0.5f);
      const float fy = __builtin_nearbyintf((((x * r01 + yy) + r21) + 1.0f) * sh - 0.5f);
      const uint8_t* s = fill;
      if (fx >= 0.0f && fx < (float)w && fy >= 0.0f && fy < (float)h) s = src + ((int)fy * w + (int)fx) * ch;
      for (int c = 0; c < ch; c++) o[j * ch + c] = s[c];
    }
  }
}

// Mirror left-right: n pixels per row, ch channels.
void hflip(const uint8_t* src, int h, int w, int ch, uint8_t* dst) {
  for (int y = 0; y < h; y++) {
    const uint8_t* s = src + (int64_t)y * w * ch;
    uint8_t* d = dst + (int64_t)y * w * ch;
    for (int x = 0; x < w; x++)
      for (int c = 0; c < ch; c++) d[x * ch + c] = s[(w - 1 - x) * ch + c];
  }
}

// Gray level of n RGB pixels: trunc((lr[r] + lg[g]) + lb[b]) in float32, the tables holding coef·v.
void gray(const uint8_t* src, int n, const float* lr, const float* lg, const float* lb, uint8_t* dst) {
  for (int i = 0; i < n; i++) dst[i] = (uint8_t)(int)((lr[src[3 * i]] + lg[src[3 * i + 1]]) + lb[src[3 * i + 2]]);
}

static inline uint8_t clamp_trunc(float v) { return v <= 0.0f ? 0 : v >= 255.0f ? 255 : (uint8_t)(int)v; }

// blend(img, other, ratio) = clamp_trunc(ta[x] + tb[o]) in float32 (ta = ratio·v, tb = (1 − ratio)·v): `other` has one
// value per element, or with per_pixel one per RGB pixel shared by its three channels.
void blend(const uint8_t* src, int len, int per_pixel, const uint8_t* other, const float* ta, const float* tb,
           uint8_t* dst) {
  if (per_pixel) {
    for (int i = 0, p = 0; i < len; i += 3, p++) {
      const float b = tb[other[p]];
      dst[i] = clamp_trunc(ta[src[i]] + b);
      dst[i + 1] = clamp_trunc(ta[src[i + 1]] + b);
      dst[i + 2] = clamp_trunc(ta[src[i + 2]] + b);
    }
    return;
  }
  for (int i = 0; i < len; i++) dst[i] = clamp_trunc(ta[src[i]] + tb[other[i]]);
}
