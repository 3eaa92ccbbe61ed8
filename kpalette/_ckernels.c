/*
 * The inner loops of kpalette's fast method in C: the same arithmetic as the NumPy code of kpalette/fast.py
 * that they stand in for, bit for bit, only faster (one pass over the points instead of one per NumPy
 * operation, and no large temporary arrays).
 *
 * Every function does the same floating-point operations as the NumPy code, on the same types and in the same
 * order, so the palettes are byte-identical with or without this file (tests/test_compiled.py checks it on
 * real pictures). For that the compiler must not fuse a multiply and an add into one rounding (a fused
 * multiply-add): the pragma below asks for it (Clang), and setup.py compiles with -ffp-contract=off (GCC,
 * Clang). Nothing here reorders a sum, uses threads or depends on the number of cores.
 *
 * kpalette/_compiled.py loads the compiled file with ctypes; the tiny Python module defined at the end only
 * makes it a regular extension module for the build tools. Arrays are C-contiguous; sizes are int64.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

#if defined(_WIN32)
#define KP_EXPORT __declspec(dllexport)
#else
#define KP_EXPORT __attribute__((visibility("default")))
#endif

#if defined(_MSC_VER)
#define restrict __restrict
#endif

/* On x86-64 Linux, GCC also compiles the nearest-centre loop for AVX2 and AVX-512 (wider vectors, the same
 * arithmetic: no fused multiply-adds) and picks the version the processor supports when the library is loaded. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define KP_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define KP_CLONES
#endif

/* Points per block of nearest(): the block's running minima stay in the fastest cache. */
#define BLOCK 256

/*
 * nearest: for r sets of k centres, the index of each of n points' nearest centre and the squared distance.
 * cols (3, n): coordinates, one row each; sq_norms (n): |x|^2; cc (r, k): |c|^2; c2 (r, k, 3): -2c.
 * For centre j: t = ((cc_j + x0 c2_j0) + x1 c2_j1) + x2 c2_j2, kept where below the running minimum (ties go
 * to the lower index); at the end best = max(min + |x|^2, 0). As kpalette.fast._nearest, in float32.
 */
#define NEAREST(NAME, LABEL)                                                                                \
KP_EXPORT KP_CLONES void NAME(const float *restrict cols, const float *restrict sq_norms, const float *restrict cc,      \
                    const float *restrict c2, int64_t r, int64_t k, int64_t n, LABEL *restrict labels,        \
                    float *restrict best)                                                                    \
{                                                                                                            \
    const float *x0 = cols, *x1 = cols + n, *x2 = cols + 2 * n;                                              \
    float b[BLOCK];     /* the block's running minima ... */                                                 \
    int32_t lab[BLOCK]; /* ... and labels, as wide as a float so that the loops below use vector registers */\
    for (int64_t s = 0; s < r; s++) {                                                                        \
        for (int64_t start = 0; start < n; start += BLOCK) {                                                 \
            const int64_t m = n - start < BLOCK ? n - start : BLOCK;                                         \
            const float *y0 = x0 + start, *y1 = x1 + start, *y2 = x2 + start;                                \
            for (int64_t j = 0; j < k; j++) {                                                                \
                const float *c = c2 + (s * k + j) * 3;                                                       \
                const float a = cc[s * k + j], a0 = c[0], a1 = c[1], a2 = c[2];                              \
                if (j == 0) {                                                                                \
                    for (int64_t i = 0; i < m; i++) {                                                        \
                        float t = a + y0[i] * a0;                                                            \
                        t = t + y1[i] * a1;                                                                  \
                        t = t + y2[i] * a2;                                                                  \
                        b[i] = t;                                                                            \
                        lab[i] = 0;                                                                          \
                    }                                                                                        \
                } else {                                                                                     \
                    const int32_t jj = (int32_t)j;                                                           \
                    for (int64_t i = 0; i < m; i++) {                                                        \
                        float t = a + y0[i] * a0;                                                            \
                        t = t + y1[i] * a1;                                                                  \
                        t = t + y2[i] * a2;                                                                  \
                        const float bi = b[i];                                                               \
                        const int32_t closer = -(int32_t)(t < bi);   /* all ones where closer */             \
                        lab[i] = (jj & closer) | (lab[i] & ~closer);                                         \
                        b[i] = t < bi ? t : bi;                                                              \
                    }                                                                                        \
                }                                                                                            \
            }                                                                                                \
            float *out = best + s * n + start;                                                               \
            LABEL *labelled = labels + s * n + start;                                                        \
            const float *norms = sq_norms + start;                                                           \
            for (int64_t i = 0; i < m; i++) {                                                                \
                const float t = b[i] + norms[i];                                                             \
                out[i] = t >= 0.0f ? t : 0.0f;   /* np.maximum(t, 0) */                                      \
                labelled[i] = (LABEL)lab[i];                                                                 \
            }                                                                                                \
        }                                                                                                    \
    }                                                                                                        \
}

/*
 * add_to_totals: add every point to the running totals of its cluster sets[s] * k + labels[s, i].
 * totals (4, clusters): each cluster's weight and weighted coordinate sums; wx (4, n): each point's weight and
 * weighted coordinates. As NumPy's bincount: the points' values are added, one after another, into a zeroed
 * array, which is then added to the totals. Returns -1 when out of memory, else 0.
 */
#define ADD_TO_TOTALS(NAME, LABEL)                                                                           \
KP_EXPORT int NAME(double *totals, int64_t clusters, const int64_t *sets, int64_t r, int64_t k,                \
                   const LABEL *labels, int64_t n, const double *wx)                                         \
{                                                                                                            \
    double *tmp = calloc((size_t)(4 * clusters), sizeof(double));                                            \
    if (tmp == NULL) return -1;                                                                              \
    for (int64_t s = 0; s < r; s++) {                                                                        \
        const int64_t base = sets[s] * k;                                                                    \
        const LABEL *lab = labels + s * n;                                                                   \
        for (int64_t i = 0; i < n; i++) {                                                                    \
            const int64_t c = base + (int64_t)lab[i];                                                        \
            for (int j = 0; j < 4; j++) tmp[j * clusters + c] += wx[j * n + i];                              \
        }                                                                                                    \
    }                                                                                                        \
    for (int64_t c = 0; c < 4 * clusters; c++) totals[c] += tmp[c];                                          \
    free(tmp);                                                                                               \
    return 0;                                                                                                \
}

/*
 * move_changed: the points whose cluster changed (previous[s, i] != labels[s, i]) leave their old cluster's
 * totals and join their new one's. As kpalette.fast._steps does with bincount: if any point moved, the old
 * clusters' sums of the moved points (each built point after point) are taken away from all totals, then the
 * new clusters' sums are added. changed (r) is set to whether any label of set s changed. Returns -1 when out
 * of memory, else 0.
 */
#define MOVE_CHANGED(NAME, LABEL)                                                                            \
KP_EXPORT int NAME(double *totals, int64_t clusters, const int64_t *sets, int64_t r, int64_t k,                \
                   const LABEL *previous, const LABEL *labels, int64_t n, const double *wx, uint8_t *changed)\
{                                                                                                            \
    double *out = calloc((size_t)(8 * clusters), sizeof(double));                                            \
    if (out == NULL) return -1;                                                                              \
    double *into = out + 4 * clusters;                                                                       \
    int moved = 0;                                                                                           \
    for (int64_t s = 0; s < r; s++) {                                                                        \
        const int64_t base = sets[s] * k;                                                                    \
        const LABEL *old = previous + s * n, *lab = labels + s * n;                                          \
        changed[s] = 0;                                                                                      \
        for (int64_t i = 0; i < n; i++) {                                                                    \
            if (old[i] != lab[i]) {                                                                          \
                changed[s] = 1;                                                                              \
                moved = 1;                                                                                   \
                const int64_t from = base + (int64_t)old[i], to = base + (int64_t)lab[i];                    \
                for (int j = 0; j < 4; j++) {                                                                \
                    out[j * clusters + from] += wx[j * n + i];                                               \
                    into[j * clusters + to] += wx[j * n + i];                                                \
                }                                                                                            \
            }                                                                                                \
        }                                                                                                    \
    }                                                                                                        \
    if (moved) {                                                                                             \
        for (int64_t c = 0; c < 4 * clusters; c++) totals[c] += -1.0 * out[c];                               \
        for (int64_t c = 0; c < 4 * clusters; c++) totals[c] += into[c];                                     \
    }                                                                                                        \
    free(out);                                                                                               \
    return 0;                                                                                                \
}

/* Two versions of each: labels as uint8 (k <= 256, what kpalette.fast._nearest makes) or int64. */
NEAREST(nearest_u8, uint8_t)
NEAREST(nearest_i64, int64_t)
ADD_TO_TOTALS(add_to_totals_u8, uint8_t)
ADD_TO_TOTALS(add_to_totals_i64, int64_t)
MOVE_CHANGED(move_changed_u8, uint8_t)
MOVE_CHANGED(move_changed_i64, int64_t)

/*
 * sq_dist_rows: squared distances from n points (cols, 3 x n) to m centres (m x 3), into out (m x n), in
 * float32: d0 * d0 + d1 * d1 + d2 * d2 with d = x - c, added in that order (kpalette.fast._sq_dist_rows).
 */
KP_EXPORT void sq_dist_rows(const float *cols, int64_t n, const float *centers, int64_t m, float *out)
{
    const float *x0 = cols, *x1 = cols + n, *x2 = cols + 2 * n;
    for (int64_t s = 0; s < m; s++) {
        const float c0 = centers[3 * s], c1 = centers[3 * s + 1], c2 = centers[3 * s + 2];
        float *row = out + s * n;
        for (int64_t i = 0; i < n; i++) {
            float d = x0[i] - c0;
            float t = d * d;
            d = x1[i] - c1;
            t = t + d * d;
            d = x2[i] - c2;
            t = t + d * d;
            row[i] = t;
        }
    }
}

/*
 * weighted_cumsum: numpy.cumsum(weights * values, axis=1) for values (r, n) float32 and weights (n) float64,
 * into out (r, n) float64: each row's running sum, added one point after another as NumPy does.
 */
KP_EXPORT void weighted_cumsum(const double *weights, const float *values, int64_t r, int64_t n, double *out)
{
    for (int64_t s = 0; s < r; s++) {
        const float *v = values + s * n;
        double *o = out + s * n;
        if (n == 0) continue;
        double acc = weights[0] * (double)v[0];
        o[0] = acc;
        for (int64_t i = 1; i < n; i++) {
            acc = acc + weights[i] * (double)v[i];
            o[i] = acc;
        }
    }
}

/*
 * mark_bins: for each of n pixels (r, g, b bytes), set seen[code] = 1, where code keeps the top `bits` bits of
 * each channel: (r >> drop) << 2 bits | (g >> drop) << bits | b >> drop, drop = 8 - bits (kpalette.fast's
 * colour_codes).
 */
KP_EXPORT void mark_bins(const uint8_t *restrict px, int64_t n, int64_t bits, uint8_t *restrict seen)
{
    const int drop = 8 - (int)bits;
    for (int64_t i = 0; i < n; i++) {
        const uint8_t *p = px + 3 * i;
        seen[((uint32_t)(p[0] >> drop) << (2 * bits)) | ((uint32_t)(p[1] >> drop) << bits) | (p[2] >> drop)] = 1;
    }
}

/*
 * count_bins: for each pixel, add one to the count of its bin's number (number[code], numbered by the caller)
 * and add the low bits that the bin drops, channel by channel, to the bin's sums (m x 3). Whole numbers only:
 * the result is exact, whatever the order.
 */
KP_EXPORT void count_bins(const uint8_t *restrict px, int64_t n, int64_t bits, const int32_t *restrict number,
                          int64_t *restrict counts, int64_t *restrict sums)
{
    const int drop = 8 - (int)bits;
    const uint8_t low = (uint8_t)((1 << drop) - 1);
    for (int64_t i = 0; i < n; i++) {
        const uint8_t *p = px + 3 * i;
        const int64_t b = number[((uint32_t)(p[0] >> drop) << (2 * bits)) | ((uint32_t)(p[1] >> drop) << bits)
                                 | (p[2] >> drop)];
        counts[b] += 1;
        sums[3 * b] += p[0] & low;
        sums[3 * b + 1] += p[1] & low;
        sums[3 * b + 2] += p[2] & low;
    }
}

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_ckernels",
    "The fast method's inner loops in C, loaded with ctypes by kpalette._compiled.", -1, NULL,
};

PyMODINIT_FUNC PyInit__ckernels(void) { return PyModule_Create(&module); }
