// The baseline: SASRec's training step on TensorFlow.js's CPU backend, same architecture, sizes
// and loss as ours: item embedding + learned position → pre-norm blocks (causal single-head
// self-attention, ReLU feed-forward) → final layer norm → scores of every position against the
// batch's targets and shared samples (the same item table) → softmax cross-entropy → Adam.
// TensorFlow.js wants fixed shapes: sequences are padded to `length` and padded rows masked out.
import { createRequire } from 'node:module';
import type * as TF from '@tensorflow/tfjs';

const tf = createRequire(import.meta.url)('@tensorflow/tfjs') as typeof TF;

export interface TfjsSasRecSizes {
  items: number;
  dimensions: number;
  blocks: number;
  /** Sequences per batch. */
  batchSize: number;
  /** Positions per sequence (padded). */
  length: number;
  negatives: number;
  /** Predicted clicks per sequence, on average (the rest is padding). */
  meanRows: number;
}

/** Predicted clicks per second of `steps` training steps (after `warmup` more), on random sequences. */
export async function tfjsSasRecThroughput(sizes: TfjsSasRecSizes, steps: number, warmup = 1, seed = 1): Promise<{ examplesPerSecond: number; msPerStep: number }> {
  await tf.setBackend('cpu');
  const { items: N, dimensions: D, blocks, batchSize: B, length: T, negatives: S, meanRows } = sizes;
  const glorot = (rows: number, cols: number) => tf.variable(tf.randomUniform([rows, cols], -Math.sqrt(6 / (rows + cols)), Math.sqrt(6 / (rows + cols)), 'float32', seed));
  const item = tf.variable(tf.randomUniform([N, D], -Math.sqrt(3 / D), Math.sqrt(3 / D), 'float32', seed));
  const itemBias = tf.variable(tf.zeros([N]));
  const position = tf.variable(tf.randomUniform([T, D], -Math.sqrt(3 / D), Math.sqrt(3 / D), 'float32', seed));
  const norm = () => ({ g: tf.variable(tf.ones([D])), b: tf.variable(tf.zeros([D])) });
  const layers = Array.from({ length: blocks }, () => ({ ln1: norm(), Wq: glorot(D, D), Wk: glorot(D, D), Wv: glorot(D, D), ln2: norm(), W1: glorot(D, D), b1: tf.variable(tf.zeros([D])), W2: glorot(D, D), b2: tf.variable(tf.zeros([D])) }));
  const final = norm();
  const variables = [item, itemBias, position, final.g, final.b, ...layers.flatMap((l) => [l.ln1.g, l.ln1.b, l.Wq, l.Wk, l.Wv, l.ln2.g, l.ln2.b, l.W1, l.b1, l.W2, l.b2])];
  const layerNorm = (x: TF.Tensor, n: { g: TF.Variable; b: TF.Variable }) => {
    const { mean, variance } = tf.moments(x, -1, true);
    return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, 1e-6))), n.g), n.b);
  };
  const causal = tf.linalg.bandPart(tf.ones([T, T]), -1, 0); // 1 on and below the diagonal
  const blocked = tf.mul(tf.sub(1, causal), -1e9);
  const optimizer = tf.train.adam(0.001);
  let s = seed;
  const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  // Left-padded sequences: each has 1 + meanRows predicted clicks on average; padded rows weigh 0.
  const rowsOf = () => Math.max(1, Math.min(T, Math.round(meanRows * 2 * rand())));
  let examples = 0;
  const step = () => {
    const inputs = new Int32Array(B * T);
    const weights = new Float32Array(B * T);
    for (let b = 0; b < B; b++) {
      const rows = rowsOf();
      for (let t = T - rows; t < T; t++) {
        inputs[b * T + t] = Math.floor(rand() * N);
        weights[b * T + t] = 1;
      }
      examples += rows;
    }
    const C = B * T + S;
    const candidates = tf.tensor1d(Int32Array.from({ length: C }, () => Math.floor(rand() * N)), 'int32');
    const labels = tf.oneHot(tf.range(0, B * T, 1, 'int32'), C);
    const inputTensor = tf.tensor2d(inputs, [B, T], 'int32');
    const rowWeights = tf.tensor1d(weights);
    optimizer.minimize(() => {
      let x = tf.add(tf.gather(item, inputTensor), position) as TF.Tensor3D;
      for (const l of layers) {
        const a = layerNorm(x, l.ln1);
        const q = tf.matMul(tf.reshape(a, [B * T, D]), l.Wq).reshape([B, T, D]);
        const k = tf.matMul(tf.reshape(a, [B * T, D]), l.Wk).reshape([B, T, D]);
        const v = tf.matMul(tf.reshape(a, [B * T, D]), l.Wv).reshape([B, T, D]);
        const p = tf.softmax(tf.add(tf.div(tf.matMul(q, k, false, true), Math.sqrt(D)), blocked));
        x = tf.add(x, tf.matMul(p, v));
        const f = tf.reshape(layerNorm(x, l.ln2), [B * T, D]);
        const h = tf.relu(tf.add(tf.matMul(f, l.W1), l.b1));
        x = tf.add(x, tf.add(tf.matMul(h, l.W2), l.b2).reshape([B, T, D]));
      }
      const y = tf.reshape(layerNorm(x, final), [B * T, D]);
      const scores = tf.add(tf.matMul(y, tf.gather(item, candidates), false, true), tf.gather(itemBias, candidates));
      return tf.losses.softmaxCrossEntropy(labels, scores, rowWeights) as TF.Scalar;
    }, false, variables);
  };
  for (let i = 0; i < warmup; i++) tf.tidy(step);
  examples = 0;
  const started = performance.now();
  for (let i = 0; i < steps; i++) tf.tidy(step);
  const ms = performance.now() - started;
  tf.disposeVariables();
  return { examplesPerSecond: examples / (ms / 1000), msPerStep: ms / steps };
}
