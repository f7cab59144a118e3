import { MyContentError } from '@mycontent/core';

/**
 * Inverts a symmetric positive-definite n × n matrix in place (row-major `Float64Array`) by
 * Gauss–Jordan elimination without pivoting (safe for SPD matrices), O(n³). `onRow` is called
 * every 64 rows for progress.
 */
export function invertSpdInPlace(a: Float64Array, n: number, source: string, onRow?: (row: number) => void): void {
  for (let k = 0; k < n; k++) {
    const kk = k * n;
    const pivot = a[kk + k]!;
    if (!(pivot > 0)) throw new MyContentError('BACKEND', `the matrix is not positive definite at row ${k}`, { source });
    const inv = 1 / pivot;
    for (let j = 0; j < n; j++) a[kk + j]! *= inv;
    a[kk + k] = inv;
    for (let i = 0; i < n; i++) {
      if (i === k) continue;
      const ii = i * n;
      const factor = a[ii + k]!;
      if (factor === 0) continue;
      for (let j = 0; j < n; j++) a[ii + j]! -= factor * a[kk + j]!;
      a[ii + k] = -factor * inv;
    }
    if (onRow && (k & 63) === 0) onRow(k);
  }
}
