// WebAssembly (SIMD128) passes of the fixed-point bilinear resampler of src/augment/resample.ts: the same integer
// arithmetic (taps summing to 2^14, 7 fraction bits between the passes), so the results are identical to the
// TypeScript loops, which stay as the fallback. Built by scripts/build-wasm.sh into src/augment/kernels_wasm.ts.
// No libc: the caller lays out every buffer in linear memory and passes byte offsets.
//
// The intermediate image is int16: a first-pass value is (Σ w·v + 2^6) >> 7 with non-negative taps summing to 2^14
// and v <= 255, so it lies in [0, 32640]. That lets a columns pass multiply two taps of one pixel's three channels
// in one i32x4.dot_i16x8_s. The vector loops read up to 16 bytes past their source rows and write up to 8 bytes past
// their output (into what the next iteration overwrites, or the slack the caller leaves after each buffer); taps
// past the filter's end are multiplied by 0.
#include <stdint.h>
#include <wasm_simd128.h>

#define WEIGHT_BITS 14
#define EXTRA_BITS 7
#define MID_SHIFT (WEIGHT_BITS - EXTRA_BITS)
#define MID_ROUND (1 << (MID_SHIFT - 1))
#define OUT_SHIFT (WEIGHT_BITS + EXTRA_BITS)
#define OUT_ROUND (1 << (OUT_SHIFT - 1))
#define OUT_MAX (255 << OUT_SHIFT)

static inline uint8_t to_u8(int32_t v) { return v <= 0 ? 0 : v >= OUT_MAX ? 255 : (uint8_t)(v >> OUT_SHIFT); }

// Sums are >= 0 and at most 255·2^21 + 2^20, so (v >> 21) saturated to [0, 255] by the narrowing equals to_u8.
static inline v128_t final_u8(v128_t a, v128_t b, v128_t c, v128_t d) {
  const v128_t lo = wasm_i16x8_narrow_i32x4(wasm_i32x4_shr(a, OUT_SHIFT), wasm_i32x4_shr(b, OUT_SHIFT));
  const v128_t hi = wasm_i16x8_narrow_i32x4(wasm_i32x4_shr(c, OUT_SHIFT), wasm_i32x4_shr(d, OUT_SHIFT));
  return wasm_u8x16_narrow_i16x8(lo, hi);
}

// Loads 8 source values as i16x8 (uint8 sources widened).
static inline v128_t load8_u8(const uint8_t* p) { return wasm_u16x8_load8x8(p); }
static inline v128_t load8_i16(const int16_t* p) { return wasm_v128_load(p); }

// Rows pass: dst row y = Σ_k w·src row (start + k), 8 values at a time, the sums in registers.
#define ROWS_BODY(SRC_T, LOAD8, ROUND, SCALAR_STORE, VECTOR_STORE)                           \
  const v128_t round = wasm_i32x4_splat(ROUND);                                               \
  for (int y = 0; y < out_rows; y++) {                                                        \
    const int n = count[y];                                                                   \
    const int32_t* wy = w + y * stride;                                                       \
    const SRC_T* s = src + start[y] * src_stride;                                             \
    DST_T* d = dst + y * row_len;                                                             \
    int i = 0;                                                                                \
    if (n == 2) { /* enlarging: the common case, both taps in registers */                    \
      const v128_t w0 = wasm_i16x8_splat((int16_t)wy[0]), w1 = wasm_i16x8_splat((int16_t)wy[1]); \
      for (; i + 8 <= row_len; i += 8) {                                                      \
        const v128_t x0 = LOAD8(s + i), x1 = LOAD8(s + src_stride + i);                       \
        const v128_t lo = wasm_i32x4_add(wasm_i32x4_add(round, wasm_i32x4_extmul_low_i16x8(x0, w0)), \
                                         wasm_i32x4_extmul_low_i16x8(x1, w1));                \
        const v128_t hi = wasm_i32x4_add(wasm_i32x4_add(round, wasm_i32x4_extmul_high_i16x8(x0, w0)), \
                                         wasm_i32x4_extmul_high_i16x8(x1, w1));               \
        VECTOR_STORE(d + i, lo, hi);                                                          \
      }                                                                                       \
    }                                                                                         \
    for (; i + 8 <= row_len; i += 8) {                                                        \
      v128_t lo = round, hi = round;                                                          \
      for (int k = 0; k < n; k++) {                                                           \
        const v128_t x = LOAD8(s + k * src_stride + i);                                       \
        const v128_t wk = wasm_i16x8_splat((int16_t)wy[k]);                                   \
        lo = wasm_i32x4_add(lo, wasm_i32x4_extmul_low_i16x8(x, wk));                          \
        hi = wasm_i32x4_add(hi, wasm_i32x4_extmul_high_i16x8(x, wk));                         \
      }                                                                                       \
      VECTOR_STORE(d + i, lo, hi);                                                            \
    }                                                                                         \
    for (; i < row_len; i++) {                                                                \
      int32_t a = ROUND;                                                                      \
      for (int k = 0; k < n; k++) a += wy[k] * s[k * src_stride + i];                         \
      d[i] = SCALAR_STORE(a);                                                                 \
    }                                                                                         \
  }

#define MID_STORE(a) ((int16_t)((a) >> MID_SHIFT))
static inline void mid_store8(int16_t* d, v128_t lo, v128_t hi) {
  wasm_v128_store(d, wasm_i16x8_narrow_i32x4(wasm_i32x4_shr(lo, MID_SHIFT), wasm_i32x4_shr(hi, MID_SHIFT)));
}
static inline void out_store8(uint8_t* d, v128_t lo, v128_t hi) {
  wasm_v128_store64_lane(d, final_u8(lo, hi, lo, hi), 0);
}

// uint8 source → intermediate.
void rows_first(const uint8_t* src, int src_stride, int row_len, const int32_t* start, const int32_t* count,
                const int32_t* w, int stride, int out_rows, int16_t* dst) {
  typedef int16_t DST_T;
  ROWS_BODY(uint8_t, load8_u8, MID_ROUND, MID_STORE, mid_store8)
}

// Intermediate → uint8.
void rows_final(const int16_t* src, int src_stride, int row_len, const int32_t* start, const int32_t* count,
                const int32_t* w, int stride, int out_rows, uint8_t* dst) {
  typedef uint8_t DST_T;
  ROWS_BODY(int16_t, load8_i16, OUT_ROUND, to_u8, out_store8)
}

// RGB columns pass: taps k and k + 1 of the three channels of one output pixel as
// [r_k, r_k+1, g_k, g_k+1, b_k, b_k+1, 0, 0] · [w_k, w_k+1, …] in one dot product, giving [r, g, b, 0]. `pairs`
// holds each output's taps packed two by two as int16 (w_k | w_k+1 << 16), zero-padded to an even count.
static inline v128_t cols_rgb_u8(const uint8_t* s, int n, const int32_t* wp, v128_t acc) {
  for (int k = 0; k < n; k += 2, s += 6, wp++) {
    const v128_t px = wasm_v128_load64_zero(s);
    const v128_t x = wasm_i8x16_shuffle(px, wasm_i64x2_const(0, 0), 0, 16, 3, 16, 1, 16, 4, 16, 2, 16, 5, 16, 16, 16,
                                        16, 16);
    acc = wasm_i32x4_add(acc, wasm_i32x4_dot_i16x8(x, wasm_v128_load32_splat(wp)));
  }
  return acc;
}

static inline v128_t cols_rgb_i16(const int16_t* s, int n, const int32_t* wp, v128_t acc) {
  for (int k = 0; k < n; k += 2, s += 6, wp++) {
    const v128_t px = wasm_v128_load(s);
    const v128_t x = wasm_i16x8_shuffle(px, wasm_i64x2_const(0, 0), 0, 3, 1, 4, 2, 5, 8, 8);
    acc = wasm_i32x4_add(acc, wasm_i32x4_dot_i16x8(x, wasm_v128_load32_splat(wp)));
  }
  return acc;
}

// Four pixels' [r, g, b, 0] sums → 12 int16, or one pixel's → 3 (its fourth lane, 0, lands on the next pixel's first
// value, written after).
static inline void mid_store_rgb4(int16_t* o, v128_t a0, v128_t a1, v128_t a2, v128_t a3) {
  const v128_t v0 = wasm_i16x8_narrow_i32x4(wasm_i32x4_shr(a0, MID_SHIFT), wasm_i32x4_shr(a1, MID_SHIFT));
  const v128_t v1 = wasm_i16x8_narrow_i32x4(wasm_i32x4_shr(a2, MID_SHIFT), wasm_i32x4_shr(a3, MID_SHIFT));
  wasm_v128_store(o, wasm_i16x8_shuffle(v0, v1, 0, 1, 2, 4, 5, 6, 8, 9));
  wasm_v128_store64_lane(o + 8, wasm_i16x8_shuffle(v1, v1, 2, 4, 5, 6, 0, 0, 0, 0), 0);
}
static inline void mid_store_rgb(int16_t* o, v128_t a) {
  wasm_v128_store64_lane(o, wasm_i16x8_narrow_i32x4(wasm_i32x4_shr(a, MID_SHIFT), a), 0);
}
// The same to uint8: 12 bytes and 4 more that the next pixels overwrite (or the slack after the buffer).
static inline void out_store_rgb4(uint8_t* o, v128_t a0, v128_t a1, v128_t a2, v128_t a3) {
  wasm_v128_store(o, wasm_i8x16_shuffle(final_u8(a0, a1, a2, a3), wasm_i64x2_const(0, 0), 0, 1, 2, 4, 5, 6, 8, 9, 10,
                                        12, 13, 14, 16, 16, 16, 16));
}
static inline void out_store_rgb(uint8_t* o, v128_t a) { wasm_v128_store32_lane(o, final_u8(a, a, a, a), 0); }

// One row's RGB outputs, four per step; N(x) is output x's tap count.
#define COLS_RGB_ROW(RGB_TAPS, RGB_STORE4, RGB_STORE, N)                                       \
  {                                                                                           \
    int x = 0;                                                                                \
    for (; x + 4 <= out_cols; x += 4) {                                                       \
      const v128_t a0 = RGB_TAPS(r + start[x] * 3, N(x), pairs + x * pair_stride, round);     \
      const v128_t a1 = RGB_TAPS(r + start[x + 1] * 3, N(x + 1), pairs + (x + 1) * pair_stride, round); \
      const v128_t a2 = RGB_TAPS(r + start[x + 2] * 3, N(x + 2), pairs + (x + 2) * pair_stride, round); \
      const v128_t a3 = RGB_TAPS(r + start[x + 3] * 3, N(x + 3), pairs + (x + 3) * pair_stride, round); \
      RGB_STORE4(o + x * 3, a0, a1, a2, a3);                                                  \
    }                                                                                         \
    for (; x < out_cols; x++)                                                                 \
      RGB_STORE(o + x * 3, RGB_TAPS(r + start[x] * 3, N(x), pairs + x * pair_stride, round)); \
  }
#define TAPS_TWO(x) 2
#define TAPS_OF(x) count[x]

// Columns pass over `rows` rows of `ch` interleaved channels (RGB vectorised, gray scalar); `two_taps` says every
// output has exactly two taps (enlarging, see makeTaps), which lets the compiler drop the tap loop.
#define COLS_BODY(SRC_T, DST_T, ROUND, STORE, RGB_TAPS, RGB_STORE4, RGB_STORE)               \
  const int dst_row = out_cols * ch;                                                          \
  const int pair_stride = (stride + 1) / 2;                                                   \
  const v128_t round = wasm_i32x4_splat(ROUND);                                               \
  for (int y = 0; y < rows; y++) {                                                            \
    const SRC_T* r = src + y * src_stride;                                                    \
    DST_T* o = dst + y * dst_row;                                                             \
    if (ch == 3) {                                                                            \
      if (two_taps)                                                                           \
        COLS_RGB_ROW(RGB_TAPS, RGB_STORE4, RGB_STORE, TAPS_TWO)                               \
      else                                                                                    \
        COLS_RGB_ROW(RGB_TAPS, RGB_STORE4, RGB_STORE, TAPS_OF)                                \
      continue;                                                                               \
    }                                                                                         \
    for (int x = 0; x < out_cols; x++) {                                                      \
      const int n = count[x];                                                                 \
      const int32_t* wx = w + x * stride;                                                     \
      const SRC_T* s = r + start[x] * ch;                                                     \
      for (int c = 0; c < ch; c++) {                                                          \
        int32_t a = ROUND;                                                                    \
        for (int k = 0; k < n; k++) a += wx[k] * s[k * ch + c];                                \
        o[x * ch + c] = STORE(a);                                                             \
      }                                                                                       \
    }                                                                                         \
  }

void cols_first(const uint8_t* src, int src_stride, int rows, int ch, const int32_t* start, const int32_t* count,
                const int32_t* w, const int32_t* pairs, int stride, int two_taps, int out_cols, int16_t* dst) {
  COLS_BODY(uint8_t, int16_t, MID_ROUND, MID_STORE, cols_rgb_u8, mid_store_rgb4, mid_store_rgb)
}

void cols_final(const int16_t* src, int src_stride, int rows, int ch, const int32_t* start, const int32_t* count,
                const int32_t* w, const int32_t* pairs, int stride, int two_taps, int out_cols, uint8_t* dst) {
  COLS_BODY(int16_t, uint8_t, OUT_ROUND, to_u8, cols_rgb_i16, out_store_rgb4, out_store_rgb)
}
