// The baseline: GRU4Rec's training step on TensorFlow.js's CPU backend (pure JavaScript, the
// backend that installs here and can train embeddings), same architecture, sizes and loss as
// ours: embedding gather → one GRU step (state carried, gradient one step back) → scores against
// the batch's targets and shared samples → softmax cross-entropy → Adam.
import { createRequire } from 'node:module';
import type * as TF from '@tensorflow/tfjs';

// The package's CommonJS bundle: core, every gradient and the CPU backend (its ES modules do not load in Node).
const tf = createRequire(import.meta.url)('@tensorflow/tfjs') as typeof TF;

export interface TfjsGruSizes {
  items: number;
  embedding: number;
  hidden: number;
  batchSize: number;
  negatives: number;
}

/** Examples per second of `steps` training steps (after `warmup` more), on random sessions. */
export async function tfjsGru4RecThroughput(sizes: TfjsGruSizes, steps: number, warmup = 3, seed = 1): Promise<{ examplesPerSecond: number; msPerStep: number }> {
  await tf.setBackend('cpu');
  const { items: N, embedding: E, hidden: H, batchSize: B, negatives: S } = sizes;
  const init = (rows: number, cols: number) => tf.variable(tf.randomUniform([rows, cols], -Math.sqrt(6 / (rows + cols)), Math.sqrt(6 / (rows + cols)), 'float32', seed));
  const input = init(N, E);
  const Wx = init(E, 3 * H);
  const Wh = init(H, 3 * H);
  const bx = tf.variable(tf.zeros([3 * H]));
  const bh = tf.variable(tf.zeros([3 * H]));
  const output = init(N, H);
  const outputBias = tf.variable(tf.zeros([N]));
  const optimizer = tf.train.adam(0.002);
  let state = tf.zeros([B, H]);
  let s = seed;
  const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const labels = tf.oneHot(tf.range(0, B, 1, 'int32'), B + S);
  const step = () => {
    const inputs = tf.tensor1d(Int32Array.from({ length: B }, () => Math.floor(rand() * N)), 'int32');
    const candidates = tf.tensor1d(Int32Array.from({ length: B + S }, () => Math.floor(rand() * N)), 'int32');
    let next: TF.Tensor | undefined;
    optimizer.minimize(() => {
      const x = tf.gather(input, inputs);
      const gx = tf.add(tf.matMul(x, Wx), bx);
      const gh = tf.add(tf.matMul(state, Wh), bh);
      const [xr, xz, xn] = tf.split(gx, 3, 1) as [TF.Tensor2D, TF.Tensor2D, TF.Tensor2D];
      const [hr, hz, hn] = tf.split(gh, 3, 1) as [TF.Tensor2D, TF.Tensor2D, TF.Tensor2D];
      const r = tf.sigmoid(tf.add(xr, hr));
      const z = tf.sigmoid(tf.add(xz, hz));
      const n = tf.tanh(tf.add(xn, tf.mul(r, hn)));
      const h = tf.add(tf.mul(tf.sub(1, z), n), tf.mul(z, state));
      next = tf.keep(h.clone());
      const scores = tf.add(tf.matMul(h, tf.gather(output, candidates), false, true), tf.gather(outputBias, candidates));
      return tf.losses.softmaxCrossEntropy(labels, scores) as TF.Scalar;
    }, false, [input, Wx, Wh, bx, bh, output, outputBias]);
    state.dispose();
    state = next!;
    inputs.dispose();
    candidates.dispose();
  };
  for (let i = 0; i < warmup; i++) tf.tidy(step);
  const started = performance.now();
  for (let i = 0; i < steps; i++) tf.tidy(step);
  const ms = performance.now() - started;
  tf.disposeVariables();
  return { examplesPerSecond: (steps * B) / (ms / 1000), msPerStep: ms / steps };
}
