import { describe, expect, it } from 'vitest';
import { neuralLayers } from '../src/neural/layers';
import { filled, numerical, random, relativeError } from './gradient-check';

// Every backward pass against central finite differences, in double precision.
const nn = neuralLayers();

const dot = (a: Float64Array, b: Float64Array) => a.reduce((s, v, i) => s + v * b[i]!, 0);

describe('neural layers: backward passes against finite differences', () => {
  it('matmul, in all four transpose combinations, against a naive product', () => {
    const rand = random(1);
    const [m, n, k] = [3, 4, 5];
    for (const transA of [false, true]) {
      for (const transB of [false, true]) {
        const A = filled(m * k, rand);
        const B = filled(k * n, rand);
        const C = filled(m * n, rand);
        const expected = Float64Array.from(C, (c) => 0.5 * c);
        for (let i = 0; i < m; i++) {
          for (let j = 0; j < n; j++) {
            for (let p = 0; p < k; p++) expected[i * n + j]! += A[transA ? p * m + i : i * k + p]! * B[transB ? j * k + p : p * n + j]!;
          }
        }
        nn.matmul(A, B, C, m, n, k, transA, transB, 0.5);
        expect(relativeError(C, expected)).toBeLessThan(1e-12);
      }
    }
  });

  it('GRU step: gradients of inputs, previous state, weights and biases', () => {
    const rand = random(2);
    const [B, E, H] = [3, 4, 5];
    const G = 3 * H;
    const x = filled(B * E, rand, 2);
    const h = filled(B * H, rand, 2);
    const Wx = filled(E * G, rand);
    const Wh = filled(H * G, rand);
    const bx = filled(G, rand);
    const bh = filled(G, rand);
    const weight = filled(B * H, rand); // the loss: Σ weight ⊙ h'
    const hNext = new Float64Array(B * H);
    const cache = new Float64Array(B * 4 * H);
    const gx = new Float64Array(B * G);
    const gh = new Float64Array(B * G);
    const loss = () => {
      nn.gruForward(x, h, Wx, Wh, bx, bh, B, E, H, hNext, cache, gx, gh);
      return dot(hNext, weight);
    };
    loss();
    const grads = { dx: new Float64Array(B * E), dh: new Float64Array(B * H), dWx: new Float64Array(E * G), dWh: new Float64Array(H * G), dbx: new Float64Array(G), dbh: new Float64Array(G) };
    nn.gruBackward(x, h, Wx, Wh, cache, weight, B, E, H, grads.dx, grads.dh, grads, new Float64Array(B * G), new Float64Array(B * G));
    // Without the weights, the same input gradient.
    const dxOnly = new Float64Array(B * E);
    nn.gruBackward(x, h, Wx, Wh, cache, weight, B, E, H, dxOnly, null, null, new Float64Array(B * G), new Float64Array(B * G));
    expect(Array.from(dxOnly)).toEqual(Array.from(grads.dx));
    expect(relativeError(grads.dx, numerical(x, loss))).toBeLessThan(1e-7);
    expect(relativeError(grads.dh, numerical(h, loss))).toBeLessThan(1e-7);
    expect(relativeError(grads.dWx, numerical(Wx, loss))).toBeLessThan(1e-7);
    expect(relativeError(grads.dWh, numerical(Wh, loss))).toBeLessThan(1e-7);
    expect(relativeError(grads.dbx, numerical(bx, loss))).toBeLessThan(1e-7);
    expect(relativeError(grads.dbh, numerical(bh, loss))).toBeLessThan(1e-7);
  });

  it('embedding gather and scatter: repeated rows add their gradients', () => {
    const rand = random(3);
    const table = filled(6 * 3, rand);
    const rows = Int32Array.of(4, 1, 4, 0);
    const weight = filled(4 * 3, rand);
    const out = new Float64Array(4 * 3);
    const loss = () => {
      nn.gather(table, rows, 4, 3, out);
      return dot(out, weight);
    };
    const dTable = new Float64Array(6 * 3);
    nn.scatterAdd(weight, rows, 4, 3, dTable);
    expect(relativeError(dTable, numerical(table, loss))).toBeLessThan(1e-8);
  });

  it('sampled softmax and BPR-max: score gradients, with the target repeated among the samples left out', () => {
    const rand = random(4);
    const [B, C] = [3, 7];
    const candidates = Int32Array.of(10, 11, 12, 20, 11, 30, 31); // item 11 twice: in-batch target and a sample
    const target = Int32Array.of(0, 1, 2);
    const scores = filled(B * C, rand, 4);
    const scratch = new Float64Array(B * C);
    for (const [name, loss] of [
      ['softmax', () => nn.sampledSoftmax(scores, candidates, target, B, C, scratch)],
      ['bpr-max', () => nn.bprMax(scores, candidates, target, B, C, 0.5, scratch)],
    ] as const) {
      const dScores = new Float64Array(B * C);
      if (name === 'softmax') nn.sampledSoftmax(scores, candidates, target, B, C, dScores);
      else nn.bprMax(scores, candidates, target, B, C, 0.5, dScores);
      const expected = numerical(scores, loss);
      expect(relativeError(dScores, expected), name).toBeLessThan(1e-7);
      expect(dScores[1 * C + 4], `${name}: the target's duplicate has no gradient`).toBe(0);
      expect(expected[1 * C + 4]).toBeCloseTo(0, 9);
    }
  });

  it('sampled softmax equals the full cross-entropy when every item is a candidate', () => {
    const scores = Float64Array.of(1, 2, 3);
    const d = new Float64Array(3);
    const loss = nn.sampledSoftmax(scores, Int32Array.of(0, 1, 2), Int32Array.of(2), 1, 3, d);
    const z = Math.exp(1) + Math.exp(2) + Math.exp(3);
    expect(loss).toBeCloseTo(-Math.log(Math.exp(3) / z), 12);
    expect(d[2]).toBeCloseTo(Math.exp(3) / z - 1, 12);
  });

  it('sigmoid cross-entropy: gradient of the logits, and no overflow at large logits', () => {
    const rand = random(6);
    const logits = filled(6, rand, 8);
    const labels = Float64Array.of(1, 0, 1, 1, 0, 0);
    const d = new Float64Array(6);
    nn.sigmoidCrossEntropy(logits, labels, 6, d);
    expect(relativeError(d, numerical(logits, () => nn.sigmoidCrossEntropy(logits, labels, 6, new Float64Array(6))))).toBeLessThan(1e-7);
    const extreme = nn.sigmoidCrossEntropy(Float64Array.of(800, -800), Float64Array.of(0, 1), 2, new Float64Array(2));
    expect(extreme).toBeCloseTo(1600, 6);
  });

  it('layer norm: gradients of the input, scale and shift', () => {
    const rand = random(7);
    const [m, n] = [3, 5];
    const X = filled(m * n, rand, 3);
    const gamma = filled(n, rand);
    const beta = filled(n, rand);
    const weight = filled(m * n, rand);
    const Y = new Float64Array(m * n);
    const xhat = new Float64Array(m * n);
    const invStd = new Float64Array(m);
    const loss = () => {
      nn.layerNormForward(X, gamma, beta, m, n, 1e-5, Y, xhat, invStd);
      return dot(Y, weight);
    };
    loss();
    const dX = new Float64Array(m * n);
    const dGamma = new Float64Array(n);
    const dBeta = new Float64Array(n);
    nn.layerNormBackward(weight, gamma, xhat, invStd, m, n, dX, dGamma, dBeta);
    expect(relativeError(dX, numerical(X, loss))).toBeLessThan(1e-6);
    expect(relativeError(dGamma, numerical(gamma, loss))).toBeLessThan(1e-7);
    expect(relativeError(dBeta, numerical(beta, loss))).toBeLessThan(1e-7);
    // Each output row has mean β̄-shifted zero and unit variance before the scale.
    const row = Array.from(xhat.subarray(0, n));
    expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(0, 10);
    expect(row.reduce((a, b) => a + b * b, 0) / n).toBeCloseTo(1, 3);
  });

  it('causal self-attention (2 heads, left padding): gradients of the input and the three projections; no look ahead', () => {
    const rand = random(8);
    const [T, D, heads, validFrom] = [5, 4, 2, 1];
    const X = filled(T * D, rand, 2);
    const Wq = filled(D * D, rand);
    const Wk = filled(D * D, rand);
    const Wv = filled(D * D, rand);
    const weight = filled(T * D, rand);
    const [Q, K, V, O] = [0, 0, 0, 0].map(() => new Float64Array(T * D)) as [Float64Array, Float64Array, Float64Array, Float64Array];
    const P = new Float64Array(heads * T * T);
    const loss = () => {
      nn.attentionForward(X, Wq, Wk, Wv, T, D, heads, validFrom, Q, K, V, P, O);
      return dot(O, weight);
    };
    loss();
    const grads = { dX: new Float64Array(T * D), dWq: new Float64Array(D * D), dWk: new Float64Array(D * D), dWv: new Float64Array(D * D) };
    nn.attentionBackward(X, Wq, Wk, Wv, T, D, heads, validFrom, Q, K, V, P, weight, grads.dX, grads.dWq, grads.dWk, grads.dWv, new Float64Array(T * D), new Float64Array(T * D), new Float64Array(T * D), new Float64Array(T));
    expect(relativeError(grads.dX, numerical(X, loss))).toBeLessThan(1e-7);
    expect(relativeError(grads.dWq, numerical(Wq, loss))).toBeLessThan(1e-7);
    expect(relativeError(grads.dWk, numerical(Wk, loss))).toBeLessThan(1e-7);
    expect(relativeError(grads.dWv, numerical(Wv, loss))).toBeLessThan(1e-7);
    // The padded row is zero and moving a later position does not change an earlier output.
    loss();
    expect(Array.from(O.subarray(0, D))).toEqual([0, 0, 0, 0]);
    const before = O.slice(0, 3 * D);
    X[4 * D] = X[4 * D]! + 5;
    loss();
    expect(Array.from(O.subarray(0, 3 * D))).toEqual(Array.from(before));
  });

  it('ReLU backward passes the gradient where the output is positive', () => {
    const rand = random(5);
    const X = filled(12, rand);
    const weight = filled(12, rand);
    const Y = new Float64Array(12);
    const loss = () => {
      Y.set(X);
      nn.relu(Y, 12);
      return dot(Y, weight);
    };
    loss();
    const dY = weight.slice();
    nn.reluBackward(Y, dY, 12);
    expect(relativeError(dY, numerical(X, loss))).toBeLessThan(1e-8);
  });

  it('Adam: the first step moves each parameter by the learning rate against its gradient; row updates touch only their rows', () => {
    const param = Float64Array.of(1, 1, 1, 1);
    const grad = Float64Array.of(0.5, -2, 0, 3);
    const step = { learningRate: 0.1, beta1: 0.9, beta2: 0.999, epsilon: 1e-12, step: 1, weightDecay: 0 };
    nn.adam(param, grad, new Float64Array(4), new Float64Array(4), 4, step);
    expect(Array.from(param, (p) => Number(p.toFixed(9)))).toEqual([0.9, 1.1, 1, 0.9]);
    expect(Array.from(grad)).toEqual([0, 0, 0, 0]);
    const table = Float64Array.of(1, 1, 1, 1, 1, 1);
    const tableGrad = Float64Array.of(1, 1, 1, 1, 1, 1);
    nn.adamRows(table, tableGrad, new Float64Array(6), new Float64Array(6), Int32Array.of(2), 1, 2, step);
    expect(Array.from(table, (p) => Number(p.toFixed(9)))).toEqual([1, 1, 1, 1, 0.9, 0.9]);
    expect(Array.from(tableGrad)).toEqual([1, 1, 1, 1, 0, 0]);
  });
});
