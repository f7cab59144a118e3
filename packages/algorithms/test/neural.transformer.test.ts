import { describe, expect, it } from 'vitest';
import { neuralLayers } from '../src/neural/layers';
import { transformerNetwork, type PackedSequences } from '../src/neural/transformer';
import { filled, numerical, random, relativeError } from './gradient-check';

describe('transformer encoder: backward pass against finite differences', () => {
  it('gives every weight the gradient of Σ y ⊙ R, over two packed sequences (two blocks, two heads)', () => {
    const net = transformerNetwork(neuralLayers());
    const [N, D, T, blocks, heads] = [5, 4, 4, 2, 2];
    const rand = random(7);
    const shapes = net.parameterShapes(N, D, T, blocks);
    const params: Record<string, Float64Array> = {};
    const grads: Record<string, Float64Array> = {};
    for (const [name, [rows, width]] of Object.entries(shapes)) {
      params[name] = filled(rows * width, rand, name.endsWith('G') ? 0.2 : 1);
      if (name.endsWith('G')) for (let i = 0; i < params[name].length; i++) params[name][i]! += 1;
      grads[name] = new Float64Array(rows * width);
    }
    const w = net.weights((name) => params[name]!, blocks);
    const g = net.weights((name) => grads[name]!, blocks);
    // Lengths 3 and 2; item 1 appears twice (its gradient rows add up).
    const batch: PackedSequences = { sequences: 2, rows: 5, start: Int32Array.of(0, 3, 5), inputs: Int32Array.of(1, 3, 1, 0, 4), positions: Int32Array.of(0, 1, 2, 0, 1) };
    const ws = net.workspace({ rows: 5, sequences: 2, length: T, dimensions: D, heads, blocks, float64: true });
    const R = filled(5 * D, rand);
    const loss = () => {
      net.forward(w, batch, ws);
      let sum = 0;
      for (let i = 0; i < R.length; i++) sum += ws.y[i]! * R[i]!;
      return sum;
    };
    loss();
    net.backward(w, g, batch, ws, R);
    for (const name of Object.keys(shapes)) {
      if (name === 'itemBias') continue; // scored outside the encoder
      expect(relativeError(grads[name]!, numerical(params[name]!, loss)), name).toBeLessThan(1e-5);
    }
    // Without gradients to fill, the input rows' gradient is left in ws.dX, row by row, the same.
    loss();
    net.backward(w, null, batch, ws, R);
    const rows = new Float64Array(N * D);
    for (let r = 0; r < batch.rows; r++) for (let d = 0; d < D; d++) rows[batch.inputs[r]! * D + d]! += ws.dX[r * D + d]!;
    expect(relativeError(rows, grads.item!)).toBeLessThan(1e-12);
    // Causal and packed: a sequence's rows ignore the other sequence, and a row ignores the rows after it.
    loss();
    const before = ws.y.slice(0, 3 * D);
    batch.inputs[4] = 2;
    loss();
    expect(Array.from(ws.y.slice(0, 3 * D))).toEqual(Array.from(before));
    batch.inputs[1] = 2;
    loss();
    expect(Array.from(ws.y.slice(0, D))).toEqual(Array.from(before.slice(0, D)));
    expect(Array.from(ws.y.slice(D, 2 * D))).not.toEqual(Array.from(before.slice(D, 2 * D)));
  });
});
