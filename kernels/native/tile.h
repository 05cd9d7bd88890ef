/* The GEMM micro-tile of each ISA (MR rows × NR columns of C in vector registers), shared by gemm.c and table.c. */
#ifndef ML_TILE_H
#define ML_TILE_H

#if defined(__AVX512F__)
#define VW 16 /* floats per vector */
#define MR 12 /* 12×32: 24 zmm accumulators and 2 for the B row, of 32; the A broadcasts fold into the FMAs */
#elif defined(__AVX2__)
#define VW 8
#define MR 6 /* 6×16: 12 ymm accumulators + 2 B vectors + 1 broadcast, of 16 registers */
#else
#define VW 4
#define MR 6 /* 6×8 in SSE2: 12 xmm accumulators + 2 B vectors + 1 broadcast */
#endif
#define NV 2 /* vectors per tile row */
#define NR (VW * NV)

#endif
