import type { NeuralLayers, Vector } from './layers';

/** The weights of one transformer block (pre-norm: attention, then a position-wise feed-forward). */
export interface TransformerBlockWeights {
  ln1G: Vector;
  ln1B: Vector;
  Wq: Vector;
  Wk: Vector;
  Wv: Vector;
  ln2G: Vector;
  ln2B: Vector;
  W1: Vector;
  b1: Vector;
  W2: Vector;
  b2: Vector;
}

/**
 * The weights of a sequence encoder: item embeddings (the same table scores items as outputs),
 * learned positions, the blocks and a final layer norm. Gradients have the same shape.
 */
export interface TransformerWeights {
  item: Vector;
  position: Vector;
  blocks: TransformerBlockWeights[];
  lnfG: Vector;
  lnfB: Vector;
}

/**
 * A batch of sequences packed row after row: sequence s holds rows `start[s] .. start[s + 1])`,
 * row r reads item `inputs[r]` at position `positions[r]` and sees rows of its sequence up to itself.
 */
export interface PackedSequences {
  sequences: number;
  rows: number;
  start: Int32Array;
  inputs: Int32Array;
  positions: Int32Array;
}

/** The size of a {@link TransformerWorkspace}. */
export interface TransformerShape {
  /** Packed rows of a batch, at most. */
  rows: number;
  /** Sequences of a batch, at most. */
  sequences: number;
  /** Rows of one sequence, at most. */
  length: number;
  /** Width D of the rows. */
  dimensions: number;
  /** Attention heads (dividing D). */
  heads: number;
  blocks: number;
  /** Scratch in double precision (gradient checks); single by default. */
  float64?: boolean;
}

/** What a forward pass keeps for its backward pass. */
export interface TransformerWorkspace {
  heads: number;
  /** The encoder's output, one row of width D per input row. */
  y: Vector;
  /** Block inputs (`xs[l]`) and the last block's output (`xs[blocks]`). */
  xs: Vector[];
  cache: {
    xhat1: Vector; inv1: Vector; a: Vector; q: Vector; k: Vector; v: Vector; p: Vector;
    xmid: Vector; xhat2: Vector; inv2: Vector; f: Vector; h1: Vector;
  }[];
  xhatf: Vector;
  invf: Vector;
  o: Vector;
  dX: Vector;
  dT: Vector;
  dH: Vector;
  dF: Vector;
  dA: Vector;
  dQ: Vector;
  dK: Vector;
  dV: Vector;
  dP: Vector;
  /** Scratch for the layer norms' gain and bias gradients when they are not wanted. */
  dGain: Vector;
}

/** The encoder's forward and backward passes (see {@link transformerNetwork}). */
export interface TransformerNetwork {
  /** The layers it is made of (the training kernel uses them for its loss and optimiser). */
  layers: NeuralLayers;
  /**
   * Every parameter by name, as rows × width: `item` (N × D), `itemBias` (N × 1), `position`
   * (T × D), `lnfG`, `lnfB`, and `<block>.<name>` for the weights of each block.
   */
  parameterShapes(items: number, dimensions: number, length: number, blocks: number): Record<string, [number, number]>;
  /** The weights, read by name from `get` (the parameters, or their gradients). */
  weights(get: (name: string) => Vector, blocks: number): TransformerWeights;
  /** Scratch for the batches of a shape. */
  workspace(shape: TransformerShape): TransformerWorkspace;
  /** Encodes the batch: writes `ws.y`. */
  forward(w: TransformerWeights, batch: PackedSequences, ws: TransformerWorkspace): void;
  /**
   * From `dY` (the gradient of `ws.y`), adds every weight's gradient into `g`, the item and
   * position rows by scatter. With `g` null, only the input rows' gradient is computed, and left
   * in `ws.dX` (one row per input row): what an online step on the embeddings needs, at about
   * half the cost.
   */
  backward(w: TransformerWeights, g: TransformerWeights | null, batch: PackedSequences, ws: TransformerWorkspace, dY: Vector): void;
}

/**
 * A causal transformer encoder over item sequences, made of the layers `nn`: input = item
 * embedding + learned position; each block is `x += attention(LN(x))`, `x += W2·relu(W1·LN(x) + b1) + b2`;
 * the output is `LN(x)`. Self-contained (a worker thread builds it from its source text as the
 * second half of its kernel library).
 */
export function transformerNetwork(nn: NeuralLayers): TransformerNetwork {
  const EPSILON = 1e-6;
  const BLOCK = ['ln1G', 'ln1B', 'Wq', 'Wk', 'Wv', 'ln2G', 'ln2B', 'W1', 'b1', 'W2', 'b2'] as const;

  function parameterShapes(items: number, D: number, length: number, blocks: number): Record<string, [number, number]> {
    const shapes: Record<string, [number, number]> = { item: [items, D], itemBias: [items, 1], position: [length, D], lnfG: [1, D], lnfB: [1, D] };
    for (let l = 0; l < blocks; l++) {
      for (const name of BLOCK) shapes[`${l}.${name}`] = name.startsWith('W') ? [D, D] : [1, D];
    }
    return shapes;
  }

  function weights(get: (name: string) => Vector, blocks: number): TransformerWeights {
    return {
      item: get('item'),
      position: get('position'),
      lnfG: get('lnfG'),
      lnfB: get('lnfB'),
      blocks: Array.from({ length: blocks }, (_, l) => {
        const block = {} as Record<(typeof BLOCK)[number], Vector>;
        for (const name of BLOCK) block[name] = get(`${l}.${name}`);
        return block;
      }),
    };
  }

  function workspace({ rows, sequences, length, dimensions: D, heads, blocks, float64 = false }: TransformerShape): TransformerWorkspace {
    const m = (n: number): Vector => (float64 ? new Float64Array(Math.max(1, n)) : new Float32Array(Math.max(1, n)));
    const RD = rows * D;
    return {
      heads,
      y: m(RD),
      xs: Array.from({ length: blocks + 1 }, () => m(RD)),
      cache: Array.from({ length: blocks }, () => ({
        xhat1: m(RD), inv1: m(rows), a: m(RD), q: m(RD), k: m(RD), v: m(RD), p: m(sequences * heads * length * length),
        xmid: m(RD), xhat2: m(RD), inv2: m(rows), f: m(RD), h1: m(RD),
      })),
      xhatf: m(RD),
      invf: m(rows),
      o: m(RD),
      dX: m(RD),
      dT: m(RD),
      dH: m(RD),
      dF: m(RD),
      dA: m(RD),
      dQ: m(length * D),
      dK: m(length * D),
      dV: m(length * D),
      dP: m(length),
      dGain: m(D),
    };
  }

  function forward(w: TransformerWeights, batch: PackedSequences, ws: TransformerWorkspace): void {
    const D = w.lnfG.length;
    const heads = ws.heads;
    const R = batch.rows;
    const x0 = ws.xs[0]!;
    nn.gather(w.item, batch.inputs, R, D, x0);
    for (let r = 0; r < R; r++) {
      const o = batch.positions[r]! * D;
      for (let d = 0; d < D; d++) x0[r * D + d]! += w.position[o + d]!;
    }
    for (let l = 0; l < w.blocks.length; l++) {
      const b = w.blocks[l]!;
      const c = ws.cache[l]!;
      const x = ws.xs[l]!;
      const out = ws.xs[l + 1]!;
      nn.layerNormForward(x, b.ln1G, b.ln1B, R, D, EPSILON, c.a, c.xhat1, c.inv1);
      let pOffset = 0;
      for (let s = 0; s < batch.sequences; s++) {
        const from = batch.start[s]! * D;
        const L = batch.start[s + 1]! - batch.start[s]!;
        nn.attentionForward(c.a.subarray(from), b.Wq, b.Wk, b.Wv, L, D, heads, 0, c.q.subarray(from), c.k.subarray(from), c.v.subarray(from), c.p.subarray(pOffset), ws.o.subarray(from));
        pOffset += heads * L * L;
      }
      for (let i = 0; i < R * D; i++) c.xmid[i] = x[i]! + ws.o[i]!;
      nn.layerNormForward(c.xmid, b.ln2G, b.ln2B, R, D, EPSILON, c.f, c.xhat2, c.inv2);
      nn.matmul(c.f, b.W1, c.h1, R, D, D, false, false, 0);
      nn.addBias(c.h1, b.b1, R, D);
      nn.relu(c.h1, R * D);
      nn.matmul(c.h1, b.W2, out, R, D, D, false, false, 0);
      nn.addBias(out, b.b2, R, D);
      for (let i = 0; i < R * D; i++) out[i]! += c.xmid[i]!;
    }
    nn.layerNormForward(ws.xs[w.blocks.length]!, w.lnfG, w.lnfB, R, D, EPSILON, ws.y, ws.xhatf, ws.invf);
  }

  function backward(w: TransformerWeights, g: TransformerWeights | null, batch: PackedSequences, ws: TransformerWorkspace, dY: Vector): void {
    const D = w.lnfG.length;
    const heads = ws.heads;
    const R = batch.rows;
    const dX = ws.dX;
    // Without `g`, the layer norms' gain and bias gradients go to scratch (cheap), the matrices' are skipped.
    const scratch = ws.dGain;
    nn.layerNormBackward(dY, w.lnfG, ws.xhatf, ws.invf, R, D, dX, g ? g.lnfG : scratch, g ? g.lnfB : scratch);
    for (let l = w.blocks.length - 1; l >= 0; l--) {
      const b = w.blocks[l]!;
      const gb = g ? g.blocks[l]! : null;
      const c = ws.cache[l]!;
      // Feed-forward: out = xmid + relu(f·W1 + b1)·W2 + b2.
      if (gb) {
        nn.biasBackward(dX, gb.b2, R, D);
        nn.matmul(c.h1, dX, gb.W2, D, D, R, true, false, 1);
      }
      nn.matmul(dX, b.W2, ws.dH, R, D, D, false, true, 0);
      nn.reluBackward(c.h1, ws.dH, R * D);
      if (gb) {
        nn.biasBackward(ws.dH, gb.b1, R, D);
        nn.matmul(c.f, ws.dH, gb.W1, D, D, R, true, false, 1);
      }
      nn.matmul(ws.dH, b.W1, ws.dF, R, D, D, false, true, 0);
      nn.layerNormBackward(ws.dF, b.ln2G, c.xhat2, c.inv2, R, D, ws.dT, gb ? gb.ln2G : scratch, gb ? gb.ln2B : scratch);
      for (let i = 0; i < R * D; i++) dX[i]! += ws.dT[i]!;
      // Attention: xmid = x + attention(a), a = LN(x).
      let pOffset = 0;
      for (let s = 0; s < batch.sequences; s++) {
        const from = batch.start[s]! * D;
        const L = batch.start[s + 1]! - batch.start[s]!;
        nn.attentionBackward(
          c.a.subarray(from), b.Wq, b.Wk, b.Wv, L, D, heads, 0, c.q.subarray(from), c.k.subarray(from), c.v.subarray(from), c.p.subarray(pOffset), dX.subarray(from),
          ws.dA.subarray(from), gb ? gb.Wq : null, gb ? gb.Wk : null, gb ? gb.Wv : null, ws.dQ, ws.dK, ws.dV, ws.dP,
        );
        pOffset += heads * L * L;
      }
      nn.layerNormBackward(ws.dA, b.ln1G, c.xhat1, c.inv1, R, D, ws.dT, gb ? gb.ln1G : scratch, gb ? gb.ln1B : scratch);
      for (let i = 0; i < R * D; i++) dX[i]! += ws.dT[i]!;
    }
    if (!g) return;
    nn.scatterAdd(dX, batch.inputs, R, D, g.item);
    nn.scatterAdd(dX, batch.positions, R, D, g.position);
  }

  return { layers: nn, parameterShapes, weights, workspace, forward, backward };
}
