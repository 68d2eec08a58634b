// WebAssembly kernels of the per-pixel ops of src/augment/ops.ts, with exactly its results (the TypeScript loops
// stay as the fallback): table lookups (invert, posterize, solarize, brightness, contrast, autocontrast, equalize)
// and the histograms and ranges that equalize and autocontrast build their tables from, mirroring, gray levels,
// blends (color, contrast, sharpness) and sharpness's smoothing, and the nearest-neighbour affine warp (rotate,
// shear), whose float32 steps are the TypeScript code's, in the same order (built with -ffp-contract=off; round half
// to even is f32.nearest; a lane-wise SIMD128 float operation rounds exactly as the scalar one).
//
// Vector loops read up to 16 bytes past their source and write up to 16 bytes past their output, into bytes a later
// iteration overwrites or into the slack the caller leaves after every buffer (src/augment/wasm.ts, wasmLayout).
#include <stdint.h>
#include <wasm_simd128.h>

typedef uint32_t unaligned_u32 __attribute__((aligned(1)));

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

// invert, solarize and posterize without a table: dst = (x >= t ? 255 - x : x) & keep for every value, t in
// [0, 256] (256: never inverted); 16 values per step.
void invert_mask(const uint8_t* src, int len, int t, int keep, uint8_t* dst) {
  const v128_t vt = wasm_u8x16_splat((uint8_t)(t > 255 ? 255 : t)), vk = wasm_u8x16_splat((uint8_t)keep);
  const v128_t enabled = wasm_i8x16_splat(t > 255 ? 0 : -1);
  int i = 0;
  for (; i + 16 <= len; i += 16) {
    const v128_t x = wasm_v128_load(src + i);
    const v128_t flip = wasm_v128_and(wasm_u8x16_ge(x, vt), enabled);
    wasm_v128_store(dst + i, wasm_v128_and(wasm_v128_xor(x, flip), vk));
  }
  for (; i < len; i++) dst[i] = (uint8_t)((src[i] >= t ? 255 - src[i] : src[i]) & keep);
}

// Per-channel histograms of n pixels of ch channels: hist[256·c + v] (ch·256 int32, cleared here).
void histogram(const uint8_t* src, int n, int ch, int32_t* hist) {
  for (int i = 0; i < 256 * ch; i++) hist[i] = 0;
  if (ch == 1) {
    for (int i = 0; i < n; i++) hist[src[i]]++;
    return;
  }
  int32_t *h0 = hist, *h1 = hist + 256, *h2 = hist + 512;
  for (int i = 0; i < 3 * n; i += 3) {
    h0[src[i]]++;
    h1[src[i + 1]]++;
    h2[src[i + 2]]++;
  }
}

// Smallest and largest value of each channel of n pixels: range[c] = min, range[3 + c] = max.
void channel_range(const uint8_t* src, int n, int ch, uint8_t* range) {
  const int len = n * ch;
  const int block = 16 * ch; // 48 bytes for RGB: lane j of vector m holds channel (16m + j) % 3
  v128_t lo[3] = {wasm_u8x16_splat(255), wasm_u8x16_splat(255), wasm_u8x16_splat(255)};
  v128_t hi[3] = {wasm_u8x16_splat(0), wasm_u8x16_splat(0), wasm_u8x16_splat(0)};
  int i = 0;
  for (; i + block <= len; i += block)
    for (int m = 0; m < ch; m++) {
      const v128_t v = wasm_v128_load(src + i + 16 * m);
      lo[m] = wasm_u8x16_min(lo[m], v);
      hi[m] = wasm_u8x16_max(hi[m], v);
    }
  uint8_t l[48], h[48];
  for (int m = 0; m < ch; m++) {
    wasm_v128_store(l + 16 * m, lo[m]);
    wasm_v128_store(h + 16 * m, hi[m]);
  }
  for (int c = 0; c < ch; c++) {
    range[c] = 255;
    range[3 + c] = 0;
  }
  for (int b = 0; b < block; b++) {
    const int c = b % ch;
    if (l[b] < range[c]) range[c] = l[b];
    if (h[b] > range[3 + c]) range[3 + c] = h[b];
  }
  for (; i < len; i++) {
    const int c = i % ch;
    if (src[i] < range[c]) range[c] = src[i];
    if (src[i] > range[3 + c]) range[3 + c] = src[i];
  }
}

// Inverse-mapped nearest sampling, torchvision's affine_grid + grid_sample(align_corners=False) in float32:
// the source of output (i, j) is round((((x·r00 + y·r10) + r20) + 1)·sw - 0.5) (and y likewise), x and y the pixel
// centres relative to the image centre; outside the image the pixel is `fill` (ch bytes). Four output pixels at a
// time: x = (-w/2 + 1/2) + j is exact in float32, so the lanes compute what the scalar steps do.
void warp_nearest(const uint8_t* src, int h, int w, int ch, float r00, float r10, float r20, float r01, float r11,
                  float r21, float sw, float sh, const uint8_t* fill, uint8_t* dst) {
  const float x0 = (float)(-w * 0.5 + 0.5);
  const v128_t vr00 = wasm_f32x4_splat(r00), vr20 = wasm_f32x4_splat(r20), vr01 = wasm_f32x4_splat(r01),
               vr21 = wasm_f32x4_splat(r21), vsw = wasm_f32x4_splat(sw), vsh = wasm_f32x4_splat(sh);
  const v128_t one = wasm_f32x4_splat(1.0f), half = wasm_f32x4_splat(0.5f), zero = wasm_f32x4_splat(0.0f);
  const v128_t fw = wasm_f32x4_splat((float)w), fh = wasm_f32x4_splat((float)h), iw = wasm_i32x4_splat(w);
  const v128_t steps = wasm_f32x4_make(0.0f, 1.0f, 2.0f, 3.0f);
  int32_t at[4];
  for (int i = 0; i < h; i++) {
    const float y = (float)(-h * 0.5 + 0.5 + i);
    const float yx = y * r10, yy = y * r11;
    const v128_t vyx = wasm_f32x4_splat(yx), vyy = wasm_f32x4_splat(yy);
    uint8_t* o = dst + (int64_t)i * w * ch;
    int j = 0;
    for (; j + 4 <= w; j += 4) {
      const v128_t x = wasm_f32x4_add(wasm_f32x4_splat(x0 + (float)j), steps);
      v128_t fx = wasm_f32x4_add(wasm_f32x4_add(wasm_f32x4_mul(x, vr00), vyx), vr20);
      fx = wasm_f32x4_nearest(wasm_f32x4_sub(wasm_f32x4_mul(wasm_f32x4_add(fx, one), vsw), half));
      v128_t fy = wasm_f32x4_add(wasm_f32x4_add(wasm_f32x4_mul(x, vr01), vyy), vr21);
      fy = wasm_f32x4_nearest(wasm_f32x4_sub(wasm_f32x4_mul(wasm_f32x4_add(fy, one), vsh), half));
      const v128_t inside = wasm_v128_and(wasm_v128_and(wasm_f32x4_ge(fx, zero), wasm_f32x4_lt(fx, fw)),
                                          wasm_v128_and(wasm_f32x4_ge(fy, zero), wasm_f32x4_lt(fy, fh)));
      const v128_t idx = wasm_i32x4_add(wasm_i32x4_mul(wasm_i32x4_trunc_sat_f32x4(fy), iw),
                                        wasm_i32x4_trunc_sat_f32x4(fx));
      wasm_v128_store(at, wasm_v128_bitselect(idx, wasm_i32x4_splat(-1), inside));
      if (ch == 3) {
        for (int l = 0; l < 4; l++) {
          const uint8_t* s = at[l] < 0 ? fill : src + at[l] * 3;
          *(unaligned_u32*)(o + (j + l) * 3) = *(const unaligned_u32*)s; // the 4th byte is the next pixel's, written after
        }
      } else {
        for (int l = 0; l < 4; l++) o[j + l] = at[l] < 0 ? fill[0] : src[at[l]];
      }
    }
    for (; j < w; j++) {
      const float x = (float)(-w * 0.5 + 0.5 + j);
      const float fx = __builtin_nearbyintf((((x * r00 + yx) + r20) + 1.0f) * sw - 0.5f);
      const float fy = __builtin_nearbyintf((((x * r01 + yy) + r21) + 1.0f) * sh - 0.5f);
      const uint8_t* s = fill;
      if (fx >= 0.0f && fx < (float)w && fy >= 0.0f && fy < (float)h) s = src + ((int)fy * w + (int)fx) * ch;
      for (int c = 0; c < ch; c++) o[j * ch + c] = s[c];
    }
  }
}

// Mirror left-right, ch (1 or 3) channels: 16 gray or 5 RGB pixels per shuffle.
void hflip(const uint8_t* src, int h, int w, int ch, uint8_t* dst) {
  for (int y = 0; y < h; y++) {
    const uint8_t* s = src + (int64_t)y * w * ch;
    uint8_t* d = dst + (int64_t)y * w * ch;
    int x = 0;
    if (ch == 3) {
      for (; x + 5 <= w; x += 5) {
        const v128_t v = wasm_v128_load(s + (w - 5 - x) * 3);
        wasm_v128_store(d + x * 3, wasm_i8x16_shuffle(v, v, 12, 13, 14, 9, 10, 11, 6, 7, 8, 3, 4, 5, 0, 1, 2, 15));
      }
    } else {
      for (; x + 16 <= w; x += 16) {
        const v128_t v = wasm_v128_load(s + (w - 16 - x));
        wasm_v128_store(d + x, wasm_i8x16_shuffle(v, v, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0));
      }
    }
    for (; x < w; x++)
      for (int c = 0; c < ch; c++) d[x * ch + c] = s[(w - 1 - x) * ch + c];
  }
}

// Gray level of n RGB pixels: trunc((cr·r + cg·g) + cb·b) in float32 (each product rounded to float32, as the
// TypeScript tables hold them); returns the sum of the gray levels (contrast's mean).
int gray(const uint8_t* src, int n, float cr, float cg, float cb, uint8_t* dst) {
  const v128_t vr = wasm_f32x4_splat(cr), vg = wasm_f32x4_splat(cg), vb = wasm_f32x4_splat(cb);
  const v128_t z = wasm_i64x2_const(0, 0);
  v128_t sum = z;
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    const v128_t px = wasm_v128_load(src + 3 * i);
    const v128_t r = wasm_i8x16_shuffle(px, z, 0, 16, 16, 16, 3, 16, 16, 16, 6, 16, 16, 16, 9, 16, 16, 16);
    const v128_t g = wasm_i8x16_shuffle(px, z, 1, 16, 16, 16, 4, 16, 16, 16, 7, 16, 16, 16, 10, 16, 16, 16);
    const v128_t b = wasm_i8x16_shuffle(px, z, 2, 16, 16, 16, 5, 16, 16, 16, 8, 16, 16, 16, 11, 16, 16, 16);
    const v128_t v = wasm_f32x4_add(
        wasm_f32x4_add(wasm_f32x4_mul(wasm_f32x4_convert_i32x4(r), vr), wasm_f32x4_mul(wasm_f32x4_convert_i32x4(g), vg)),
        wasm_f32x4_mul(wasm_f32x4_convert_i32x4(b), vb));
    const v128_t q = wasm_i32x4_trunc_sat_f32x4(v);
    sum = wasm_i32x4_add(sum, q);
    const v128_t q16 = wasm_i16x8_narrow_i32x4(q, q);
    wasm_v128_store32_lane(dst + i, wasm_u8x16_narrow_i16x8(q16, q16), 0);
  }
  int total = wasm_i32x4_extract_lane(sum, 0) + wasm_i32x4_extract_lane(sum, 1) + wasm_i32x4_extract_lane(sum, 2) +
              wasm_i32x4_extract_lane(sum, 3);
  for (; i < n; i++) {
    const uint8_t g = (uint8_t)(int)(((float)src[3 * i] * cr + (float)src[3 * i + 1] * cg) + (float)src[3 * i + 2] * cb);
    dst[i] = g;
    total += g;
  }
  return total;
}

static inline uint8_t clamp_trunc(float v) { return v <= 0.0f ? 0 : v >= 255.0f ? 255 : (uint8_t)(int)v; }

// Lanes 0 <= u < 2^23 as exact floats: the bits of 2^23 + u, minus 2^23. (clang turns convert(extend(u8)) into a
// scalar conversion per lane, which this form avoids.)
static inline v128_t small_u32_to_f32(v128_t u) {
  return wasm_f32x4_sub(wasm_v128_or(u, wasm_i32x4_splat(0x4B000000)), wasm_f32x4_splat(8388608.0f));
}

// clamp_trunc(a·x + b·o) for 4 lanes of 32-bit x and o: trunc_sat then the saturating narrowings clamp to [0, 255].
static inline v128_t blend4(v128_t x, v128_t o, v128_t a, v128_t b) {
  return wasm_i32x4_trunc_sat_f32x4(
      wasm_f32x4_add(wasm_f32x4_mul(small_u32_to_f32(x), a), wasm_f32x4_mul(small_u32_to_f32(o), b)));
}
static inline v128_t blend16(v128_t x, v128_t o, v128_t a, v128_t b) {
  const v128_t xl = wasm_u16x8_extend_low_u8x16(x), xh = wasm_u16x8_extend_high_u8x16(x);
  const v128_t ol = wasm_u16x8_extend_low_u8x16(o), oh = wasm_u16x8_extend_high_u8x16(o);
  const v128_t q0 = blend4(wasm_u32x4_extend_low_u16x8(xl), wasm_u32x4_extend_low_u16x8(ol), a, b);
  const v128_t q1 = blend4(wasm_u32x4_extend_high_u16x8(xl), wasm_u32x4_extend_high_u16x8(ol), a, b);
  const v128_t q2 = blend4(wasm_u32x4_extend_low_u16x8(xh), wasm_u32x4_extend_low_u16x8(oh), a, b);
  const v128_t q3 = blend4(wasm_u32x4_extend_high_u16x8(xh), wasm_u32x4_extend_high_u16x8(oh), a, b);
  return wasm_u8x16_narrow_i16x8(wasm_i16x8_narrow_i32x4(q0, q1), wasm_i16x8_narrow_i32x4(q2, q3));
}

// blend(img, other, ratio) = clamp_trunc(ra·x + rb·o) in float32 (ra = ratio, rb = 1 − ratio, each product rounded to
// float32 as the TypeScript tables hold them): `other` has one value per element, or with per_pixel one per RGB
// pixel shared by its three channels.
void blend(const uint8_t* src, int len, int per_pixel, const uint8_t* other, float ra, float rb, uint8_t* dst) {
  const v128_t a = wasm_f32x4_splat(ra), b = wasm_f32x4_splat(rb);
  int i = 0;
  if (per_pixel) {
    int p = 0;
    for (; i + 12 <= len; i += 12, p += 4) { // 4 pixels; lanes 12–15 are overwritten by the next iteration
      const v128_t o = wasm_i8x16_shuffle(wasm_v128_load32_zero(other + p), wasm_i64x2_const(0, 0), 0, 0, 0, 1, 1, 1,
                                          2, 2, 2, 3, 3, 3, 16, 16, 16, 16);
      wasm_v128_store(dst + i, blend16(wasm_v128_load(src + i), o, a, b));
    }
    for (; i < len; i += 3, p++)
      for (int c = 0; c < 3; c++) dst[i + c] = clamp_trunc((float)src[i + c] * ra + (float)other[p] * rb);
    return;
  }
  for (; i + 16 <= len; i += 16)
    wasm_v128_store(dst + i, blend16(wasm_v128_load(src + i), wasm_v128_load(other + i), a, b));
  for (; i < len; i++) dst[i] = clamp_trunc((float)src[i] * ra + (float)other[i] * rb);
}

// Sharpness's smoothing: the interior of dst = round(([[1,1,1],[1,5,1],[1,1,1]] ⊛ src) / 13), the border copied
// (h, w >= 3). s/13 is never a tie, so the rounding is (s + 6) / 13.
void sharpen_blur(const uint8_t* src, int h, int w, int ch, uint8_t* dst) {
  const int row = w * ch;
  for (int i = 0; i < row; i++) {
    dst[i] = src[i];
    dst[(h - 1) * row + i] = src[(h - 1) * row + i];
  }
  for (int y = 1; y < h - 1; y++) {
    const uint8_t *up = src + (y - 1) * row, *mid = src + y * row, *dn = src + (y + 1) * row;
    uint8_t* d = dst + y * row;
    for (int c = 0; c < ch; c++) {
      d[c] = mid[c];
      d[row - ch + c] = mid[row - ch + c];
    }
    for (int i = ch; i < row - ch; i++) {
      const int s = up[i - ch] + up[i] + up[i + ch] + mid[i - ch] + 5 * mid[i] + mid[i + ch] + dn[i - ch] + dn[i] +
                    dn[i + ch];
      d[i] = (uint8_t)((s + 6) / 13);
    }
  }
}
