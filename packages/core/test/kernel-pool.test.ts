import { describe, expect, it } from 'vitest';
import { isMyContentError } from '@mycontent/core';
import { balancedRanges, createKernelPool } from '@mycontent/core/internal';

describe('kernel pool', () => {
  it('runs a kernel on shared memory in worker threads, with progress', async () => {
    const pool = createKernelPool((task: { data: SharedArrayBuffer; from: number; to: number }, report) => {
      const a = new Float64Array(task.data);
      let sum = 0;
      for (let i = task.from; i < task.to; i++) {
        a[i] = a[i]! * 2;
        sum += a[i]!;
      }
      report({ done: task.to });
      return sum;
    }, { workers: 2 });
    const data = new SharedArrayBuffer(8 * 1000);
    new Float64Array(data).fill(1);
    const progress: unknown[] = [];
    const [a, b] = await Promise.all([pool.run({ data, from: 0, to: 600 }, (p) => progress.push(p)), pool.run({ data, from: 600, to: 1000 })]);
    expect([a, b]).toEqual([1200, 800]);
    expect(new Float64Array(data).every((v) => v === 2)).toBe(true);
    expect(progress).toEqual([{ done: 600 }]);
    // Values are 2 after the first pass: doubled again, 4 each.
    expect(await pool.map([{ data, from: 0, to: 1 }, { data, from: 1, to: 3 }])).toEqual([4, 8]);
    await pool.close();
  });

  it('turns a kernel exception into a BACKEND error and keeps the worker usable', async () => {
    const pool = createKernelPool((task: { fail: boolean }) => {
      if (task.fail) throw new Error('boom');
      return 'ok';
    }, { workers: 1, name: 'test' });
    await expect(pool.run({ fail: true })).rejects.toSatisfy((e: unknown) => isMyContentError(e, 'BACKEND') && /boom/.test((e as Error).message));
    expect(await pool.run({ fail: false })).toBe('ok');
    await pool.close();
  });

  it('gives the kernel its library, built once per worker from its source text', async () => {
    // Helpers calling one another by name inside the factory; the kernel reaches them through its argument.
    const library = () => {
      let built = 0;
      built++;
      function square(v: number) {
        return v * v;
      }
      function sumOfSquares(values: number[]) {
        return values.reduce((s, v) => s + square(v), 0);
      }
      return { sumOfSquares, built: () => built };
    };
    const pool = createKernelPool((task: number[], _report, lib: ReturnType<typeof library>) => [lib.sumOfSquares(task), lib.built()], { workers: 1, library });
    expect(await pool.run([1, 2, 3])).toEqual([14, 1]);
    expect(await pool.run([4])).toEqual([16, 1]);
    await pool.close();
  });

  it('builds a library on another one when given a [base, extend] pair', async () => {
    const base = () => ({ square: (v: number) => v * v });
    const extend = (layers: { square(v: number): number }) => ({ norm: (values: number[]) => Math.sqrt(values.reduce((s, v) => s + layers.square(v), 0)) });
    const pool = createKernelPool((task: number[], _report, lib: ReturnType<typeof extend>) => lib.norm(task), { workers: 1, library: [base, extend] });
    expect(await pool.run([3, 4])).toBe(5);
    await pool.close();
  });

  it('balances ranges by cost', () => {
    expect(balancedRanges(Int32Array.from([0, 10, 10, 10, 20]), 2, 0)).toEqual([[0, 1], [1, 4]]);
    expect(balancedRanges(Int32Array.from([0, 1, 2, 3, 4]), 2, 0)).toEqual([[0, 2], [2, 4]]);
    expect(balancedRanges(Int32Array.from([0]), 3)).toEqual([[0, 0]]);
  });
});
