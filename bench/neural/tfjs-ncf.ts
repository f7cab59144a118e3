// The baseline: NeuMF's training step on TensorFlow.js's CPU backend, same network, sizes and
// loss as ours: GMF (user ⊙ item) and an MLP over [user; item] into one output unit, binary
// cross-entropy on a positive and its sampled negatives, Adam.
import { createRequire } from 'node:module';
import type * as TF from '@tensorflow/tfjs';

const tf = createRequire(import.meta.url)('@tensorflow/tfjs') as typeof TF;

export interface TfjsNcfSizes {
  users: number;
  items: number;
  gmfFactors: number;
  mlpFactors: number;
  layers: number[];
  /** Examples per step: positives × (1 + negatives). */
  batch: number;
}

/** Examples per second of `steps` training steps (after `warmup` more), on random pairs. */
export async function tfjsNcfThroughput(sizes: TfjsNcfSizes, steps: number, warmup = 2, seed = 1): Promise<{ examplesPerSecond: number; msPerStep: number }> {
  await tf.setBackend('cpu');
  const { users: U, items: N, gmfFactors: dg, mlpFactors: dm, layers, batch: M } = sizes;
  const normal = (rows: number, cols: number) => tf.variable(tf.randomNormal([rows, cols], 0, 0.01, 'float32', seed));
  const glorot = (rows: number, cols: number) => tf.variable(tf.randomUniform([rows, cols], -Math.sqrt(6 / (rows + cols)), Math.sqrt(6 / (rows + cols)), 'float32', seed));
  const userGmf = normal(U, dg);
  const itemGmf = normal(N, dg);
  const userMlp = normal(U, dm);
  const itemMlp = normal(N, dm);
  const weights: TF.Variable[] = [];
  const biases: TF.Variable[] = [];
  let width = 2 * dm;
  for (const units of layers) {
    weights.push(glorot(width, units));
    biases.push(tf.variable(tf.zeros([units])));
    width = units;
  }
  const out = glorot(dg + width, 1);
  const outBias = tf.variable(tf.zeros([1]));
  const optimizer = tf.train.adam(0.001);
  let s = seed;
  const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const step = () => {
    const u = tf.tensor1d(Int32Array.from({ length: M }, () => Math.floor(rand() * U)), 'int32');
    const i = tf.tensor1d(Int32Array.from({ length: M }, () => Math.floor(rand() * N)), 'int32');
    const y = tf.tensor2d(Float32Array.from({ length: M }, (_, k) => (k % 5 === 0 ? 1 : 0)), [M, 1]);
    optimizer.minimize(() => {
      const gmf = tf.mul(tf.gather(userGmf, u), tf.gather(itemGmf, i));
      let z: TF.Tensor2D = tf.concat([tf.gather(userMlp, u), tf.gather(itemMlp, i)], 1) as TF.Tensor2D;
      for (let l = 0; l < weights.length; l++) z = tf.relu(tf.add(tf.matMul(z, weights[l]!), biases[l]!)) as TF.Tensor2D;
      const logits = tf.add(tf.matMul(tf.concat([gmf, z], 1), out), outBias);
      return tf.losses.sigmoidCrossEntropy(y, logits) as TF.Scalar;
    }, false, [userGmf, itemGmf, userMlp, itemMlp, ...weights, ...biases, out, outBias]);
  };
  for (let k = 0; k < warmup; k++) tf.tidy(step);
  const started = performance.now();
  for (let k = 0; k < steps; k++) tf.tidy(step);
  const ms = performance.now() - started;
  tf.disposeVariables();
  return { examplesPerSecond: (steps * M) / (ms / 1000), msPerStep: ms / steps };
}
