// WebAssembly (SIMD128) passes of the fixed-point bilinear resampler of src/augment/resample.ts: the same integer
// arithmetic (taps summing to 2^14, 7 fraction bits between the passes), so the results are identical to the
// TypeScript loops, which stay as the fallback. Built by scripts/build-wasm.sh into src/augment/kernels_wasm.ts.
// No libc: the caller lays out every buffer in linear memory and passes byte offsets.
#include <stdint.h>

#define WEIGHT_BITS 14
#define EXTRA_BITS 7
#define MID_SHIFT (WEIGHT_BITS - EXTRA_BITS)
#define MID_ROUND (1 << (MID_SHIFT - 1))
#define OUT_SHIFT (WEIGHT_BITS + EXTRA_BITS)
#define OUT_ROUND (1 << (OUT_SHIFT - 1))
#define OUT_MAX (255 << OUT_SHIFT)

static inline uint8_t to_u8(int32_t v) { return v <= 0 ? 0 : v >= OUT_MAX ? 255 : (uint8_t)(v >> OUT_SHIFT); }

// Rows pass: dst row y = Σ_k w·src row (start + k); `acc` holds one row of sums for filters of more than two taps.
#define ROWS_BODY(SRC_T, DST_T, ROUND, STORE)                                           \
  for (int y = 0; y < out_rows; y++) {                                                  \
    const int n = count[y];                                                             \
    const int32_t* wy = w + y * stride;                                                 \
    const SRC_T* s = src + start[y] * src_stride;                                       \
    DST_T* d = dst + y * row_len;                                                       \
    if (n == 2) {                                                                       \
      const int32_t w0 = wy[0], w1 = wy[1];                                             \
      const SRC_T* s1 = s + src_stride;                                                 \
      for (int i = 0; i < row_len; i++) d[i] = STORE(w0 * s[i] + w1 * s1[i] + ROUND);   \
      continue;                                                                         \
    }                                                                                   \
    for (int i = 0; i < row_len; i++) acc[i] = ROUND;                                   \
    for (int k = 0; k < n; k++) {                                                       \
      const int32_t wk = wy[k];                                                         \
      const SRC_T* sk = s + k * src_stride;                                             \
      for (int i = 0; i < row_len; i++) acc[i] += wk * sk[i];                           \
    }                                                                                   \
    for (int i = 0; i < row_len; i++) d[i] = STORE(acc[i]);                             \
  }

#define MID_STORE(a) ((a) >> MID_SHIFT)

// uint8 source → intermediate.
void rows_first(const uint8_t* src, int src_stride, int row_len, const int32_t* start, const int32_t* count,
                const int32_t* w, int stride, int out_rows, int32_t* dst, int32_t* acc) {
  ROWS_BODY(uint8_t, int32_t, MID_ROUND, MID_STORE)
}

// Intermediate → uint8.
void rows_final(const int32_t* src, int src_stride, int row_len, const int32_t* start, const int32_t* count,
                const int32_t* w, int stride, int out_rows, uint8_t* dst, int32_t* acc) {
  ROWS_BODY(int32_t, uint8_t, OUT_ROUND, to_u8)
}

// Columns pass over `rows` rows of `ch` interleaved channels; `final` selects the output form.
#define COLS_BODY(SRC_T, DST_T, ROUND, STORE)                                          \
  const int dst_row = out_cols * ch;                                                    \
  for (int y = 0; y < rows; y++) {                                                      \
    const SRC_T* r = src + y * src_stride;                                              \
    DST_T* o = dst + y * dst_row;                                                       \
    for (int x = 0; x < out_cols; x++) {                                                \
      const int n = count[x];                                                           \
      const int32_t* wx = w + x * stride;                                               \
      const SRC_T* s = r + start[x] * ch;                                               \
      if (ch == 3 && n == 2) { /* enlarging RGB: the common case, unrolled */           \
        const int32_t w0 = wx[0], w1 = wx[1];                                           \
        o[x * 3] = STORE(ROUND + w0 * s[0] + w1 * s[3]);                                \
        o[x * 3 + 1] = STORE(ROUND + w0 * s[1] + w1 * s[4]);                            \
        o[x * 3 + 2] = STORE(ROUND + w0 * s[2] + w1 * s[5]);                            \
        continue;                                                                       \
      }                                                                                 \
      if (ch == 3) {                                                                    \
        int32_t a0 = ROUND, a1 = ROUND, a2 = ROUND;                                     \
        for (int k = 0; k < n; k++, s += 3) {                                           \
          a0 += wx[k] * s[0];                                                           \
          a1 += wx[k] * s[1];                                                           \
          a2 += wx[k] * s[2];                                                           \
        }                                                                               \
        o[x * 3] = STORE(a0);                                                           \
        o[x * 3 + 1] = STORE(a1);                                                       \
        o[x * 3 + 2] = STORE(a2);                                                       \
        continue;                                                                       \
      }                                                                                 \
      for (int c = 0; c < ch; c++) {                                                    \
        int32_t a = ROUND;                                                              \
        for (int k = 0; k < n; k++) a += wx[k] * s[k * ch + c];                          \
        o[x * ch + c] = STORE(a);                                                       \
      }                                                                                 \
    }                                                                                   \
  }

void cols_first(const uint8_t* src, int src_stride, int rows, int ch, const int32_t* start, const int32_t* count,
                const int32_t* w, int stride, int out_cols, int32_t* dst) {
  COLS_BODY(uint8_t, int32_t, MID_ROUND, MID_STORE)
}

void cols_final(const int32_t* src, int src_stride, int rows, int ch, const int32_t* start, const int32_t* count,
                const int32_t* w, int stride, int out_cols, uint8_t* dst) {
  COLS_BODY(int32_t, uint8_t, OUT_ROUND, to_u8)
}
