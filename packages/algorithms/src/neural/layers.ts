/** A dense vector or row-major matrix: `Float32Array` in models, `Float64Array` in gradient checks. */
export type Vector = Float32Array | Float64Array;

/** Hyper-parameters of one Adam update. */
export interface AdamStep {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  /** The update's number, from 1 (bias correction). */
  step: number;
  /** Decoupled weight decay (AdamW), per update. @default 0 */
  weightDecay: number;
}

/**
 * The forward and backward passes of the layers the neural models are made of, over row-major
 * typed arrays. Every function writes into arrays it is given and allocates nothing.
 */
export interface NeuralLayers {
  /**
   * `C = beta·C + op(A)·op(B)`, with `op(A)` m×k and `op(B)` k×n; `transA` means A is stored k×m,
   * `transB` that B is stored n×k (the backward passes use both).
   */
  matmul(A: Vector, B: Vector, C: Vector, m: number, n: number, k: number, transA: boolean, transB: boolean, beta: number): void;
  /** Adds `bias` (length n) to each of the m rows of `X`. */
  addBias(X: Vector, bias: Vector, m: number, n: number): void;
  /** Adds the column sums of `dY` (m×n) to `dBias`. */
  biasBackward(dY: Vector, dBias: Vector, m: number, n: number): void;
  /** Copies rows `rows[i]` of `table` (width `dim`) into row i of `out`. */
  gather(table: Vector, rows: Int32Array, count: number, dim: number, out: Vector): void;
  /** Adds row i of `dOut` into row `rows[i]` of `dTable` (the embedding gradient: repeated rows add up). */
  scatterAdd(dOut: Vector, rows: Int32Array, count: number, dim: number, dTable: Vector): void;
  /**
   * One GRU step over a batch of B rows: `r = σ(x·Wr + br + h·Ur + cr)`, `z = σ(x·Wz + bz + h·Uz + cz)`,
   * `n = tanh(x·Wn + bn + r ⊙ (h·Un + cn))`, `h' = (1 − z) ⊙ n + z ⊙ h`. `Wx` is E×3H (gates r, z, n),
   * `Wh` H×3H, `bx` and `bh` 3H. Writes `hNext` (B×H) and `cache` (B×4H: r, z, n and h·Un + cn),
   * with `gx`, `gh` (B×3H) as scratch.
   */
  gruForward(x: Vector, h: Vector, Wx: Vector, Wh: Vector, bx: Vector, bh: Vector, B: number, E: number, H: number, hNext: Vector, cache: Vector, gx: Vector, gh: Vector): void;
  /**
   * The backward pass of {@link NeuralLayers.gruForward}: from `dhNext` (B×H), adds the weight
   * gradients into `dWx`, `dWh`, `dbx`, `dbh` (skipped when `weights` is `null`: only the input's
   * gradient is wanted) and writes `dx` (B×E) and `dh` (B×H, or skipped when `null`), with `dgx`,
   * `dgh` (B×3H) as scratch.
   */
  gruBackward(
    x: Vector, h: Vector, Wx: Vector, Wh: Vector, cache: Vector, dhNext: Vector, B: number, E: number, H: number,
    dx: Vector, dh: Vector | null, weights: { dWx: Vector; dWh: Vector; dbx: Vector; dbh: Vector } | null, dgx: Vector, dgh: Vector,
  ): void;
  /**
   * Softmax cross-entropy of each row of `scores` (B×C) against its column `target[i]`; columns
   * holding the same item as the target (`candidates[c] === candidates[target[i]]`, c ≠ target)
   * are left out. Returns the summed loss and writes `dScores` (the gradient of the sum).
   */
  sampledSoftmax(scores: Vector, candidates: Int32Array, target: Int32Array, B: number, C: number, dScores: Vector): number;
  /**
   * BPR-max (Hidasi & Karatzoglou 2018) of each row: `−log Σⱼ sⱼ σ(rᵢ − rⱼ) + λ Σⱼ sⱼ rⱼ²` with
   * `s` the softmax of the negatives' scores; same layout and exclusions as `sampledSoftmax`.
   */
  bprMax(scores: Vector, candidates: Int32Array, target: Int32Array, B: number, C: number, lambda: number, dScores: Vector): number;
  /**
   * Binary cross-entropy of each logit against its label (1 or 0), computed stably from the
   * logits. Returns the summed loss and writes `dLogits` (the gradient of the sum: σ(x) − y).
   */
  sigmoidCrossEntropy(logits: Vector, labels: Vector, count: number, dLogits: Vector): number;
  /** `X = max(X, 0)` in place. */
  relu(X: Vector, length: number): void;
  /**
   * Layer normalisation of each of the m rows of `X` (width n): `Y = γ ⊙ (x − μ) / √(σ² + ε) + β`.
   * Writes `Y`, and `xhat` (m×n) and `invStd` (m) for the backward pass.
   */
  layerNormForward(X: Vector, gamma: Vector, beta: Vector, m: number, n: number, epsilon: number, Y: Vector, xhat: Vector, invStd: Vector): void;
  /** The backward pass of {@link NeuralLayers.layerNormForward}: writes `dX`, adds into `dGamma` and `dBeta`. */
  layerNormBackward(dY: Vector, gamma: Vector, xhat: Vector, invStd: Vector, m: number, n: number, dX: Vector, dGamma: Vector, dBeta: Vector): void;
  /**
   * Causal self-attention over one sequence of T positions (rows of `X`, width D), with `heads`
   * heads splitting D: `Q = X·Wq`, `K = X·Wk`, `V = X·Wv`; position i attends to positions
   * `validFrom ≤ j ≤ i` (left padding before `validFrom`); rows before `validFrom` output zeros.
   * Writes `Q`, `K`, `V` (T×D), the attention weights `P` (heads×T×T) and the output `O` (T×D).
   */
  attentionForward(X: Vector, Wq: Vector, Wk: Vector, Wv: Vector, T: number, D: number, heads: number, validFrom: number, Q: Vector, K: Vector, V: Vector, P: Vector, O: Vector): void;
  /**
   * The backward pass of {@link NeuralLayers.attentionForward}: from `dO`, adds the weight
   * gradients into `dWq`, `dWk`, `dWv` (skipped when they are `null`: only the input's gradient is
   * wanted) and writes `dX`, with `dQ`, `dK`, `dV` (T×D) and `dP` (T) as scratch.
   */
  attentionBackward(
    X: Vector, Wq: Vector, Wk: Vector, Wv: Vector, T: number, D: number, heads: number, validFrom: number, Q: Vector, K: Vector, V: Vector, P: Vector, dO: Vector,
    dX: Vector, dWq: Vector | null, dWk: Vector | null, dWv: Vector | null, dQ: Vector, dK: Vector, dV: Vector, dP: Vector,
  ): void;
  /** `dX = dY ⊙ [Y > 0]` in place in `dY`, from the ReLU's output `Y`. */
  reluBackward(Y: Vector, dY: Vector, length: number): void;
  /** Adam over a whole parameter array; the gradient is zeroed afterwards. */
  adam(param: Vector, grad: Vector, m: Vector, v: Vector, length: number, step: AdamStep): void;
  /**
   * Adam over the rows `rows[0..count)` of a table (width `dim`), each once: the lazy update of
   * embeddings, whose untouched rows keep their moments. Their gradient rows are zeroed afterwards.
   */
  adamRows(param: Vector, grad: Vector, m: Vector, v: Vector, rows: Int32Array, count: number, dim: number, step: AdamStep): void;
  /** Sum of squares, NaN or ∞ when one entry is: training checks its loss and gradients with it. */
  squaredNorm(X: Vector, length: number): number;
  /**
   * The index drawn by `u` in [0, 1) from running sums of weights (`cumulative`, non-decreasing,
   * its last entry the total): index i has probability weight i / total. Samples negatives.
   */
  drawIndex(cumulative: Float64Array, u: number): number;
}

/**
 * The layer library. Self-contained — nothing imported, nothing outside it referenced — so that
 * a worker thread can run it from its source text (`createKernelPool`'s `library`).
 */
export function neuralLayers(): NeuralLayers {
  function matmul(A: Vector, B: Vector, C: Vector, m: number, n: number, k: number, transA: boolean, transB: boolean, beta: number): void {
    if (beta === 0) C.fill(0, 0, m * n);
    else if (beta !== 1) for (let i = 0; i < m * n; i++) C[i]! *= beta;
    if (!transA && !transB) {
      // Row i of C gathers the rows of B, weighted by row i of A (contiguous inner loop).
      for (let i = 0; i < m; i++) {
        const ci = i * n;
        const ai = i * k;
        for (let p = 0; p < k; p++) {
          const a = A[ai + p]!;
          if (a === 0) continue;
          const bp = p * n;
          for (let j = 0; j < n; j++) C[ci + j]! += a * B[bp + j]!;
        }
      }
    } else if (!transA && transB) {
      // Dot products of rows of A with rows of B.
      for (let i = 0; i < m; i++) {
        const ai = i * k;
        for (let j = 0; j < n; j++) {
          const bj = j * k;
          let s0 = 0;
          let s1 = 0;
          let p = 0;
          for (; p + 1 < k; p += 2) {
            s0 += A[ai + p]! * B[bj + p]!;
            s1 += A[ai + p + 1]! * B[bj + p + 1]!;
          }
          if (p < k) s0 += A[ai + p]! * B[bj + p]!;
          C[i * n + j]! += s0 + s1;
        }
      }
    } else if (transA && !transB) {
      // Outer products of row p of A (stored k×m) and row p of B.
      for (let p = 0; p < k; p++) {
        const ap = p * m;
        const bp = p * n;
        for (let i = 0; i < m; i++) {
          const a = A[ap + i]!;
          if (a === 0) continue;
          const ci = i * n;
          for (let j = 0; j < n; j++) C[ci + j]! += a * B[bp + j]!;
        }
      }
    } else {
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < n; j++) {
          let s = 0;
          for (let p = 0; p < k; p++) s += A[p * m + i]! * B[j * k + p]!;
          C[i * n + j]! += s;
        }
      }
    }
  }

  function addBias(X: Vector, bias: Vector, m: number, n: number): void {
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) X[i * n + j]! += bias[j]!;
  }

  function biasBackward(dY: Vector, dBias: Vector, m: number, n: number): void {
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) dBias[j]! += dY[i * n + j]!;
  }

  function gather(table: Vector, rows: Int32Array, count: number, dim: number, out: Vector): void {
    for (let i = 0; i < count; i++) {
      const from = rows[i]! * dim;
      for (let d = 0; d < dim; d++) out[i * dim + d] = table[from + d]!;
    }
  }

  function scatterAdd(dOut: Vector, rows: Int32Array, count: number, dim: number, dTable: Vector): void {
    for (let i = 0; i < count; i++) {
      const to = rows[i]! * dim;
      for (let d = 0; d < dim; d++) dTable[to + d]! += dOut[i * dim + d]!;
    }
  }

  const sigmoid = (v: number) => (v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v)));

  function gruForward(x: Vector, h: Vector, Wx: Vector, Wh: Vector, bx: Vector, bh: Vector, B: number, E: number, H: number, hNext: Vector, cache: Vector, gx: Vector, gh: Vector): void {
    const G = 3 * H;
    matmul(x, Wx, gx, B, G, E, false, false, 0);
    addBias(gx, bx, B, G);
    matmul(h, Wh, gh, B, G, H, false, false, 0);
    addBias(gh, bh, B, G);
    for (let b = 0; b < B; b++) {
      const g = b * G;
      const c = b * 4 * H;
      for (let j = 0; j < H; j++) {
        const r = sigmoid(gx[g + j]! + gh[g + j]!);
        const z = sigmoid(gx[g + H + j]! + gh[g + H + j]!);
        const hn = gh[g + 2 * H + j]!;
        const n = Math.tanh(gx[g + 2 * H + j]! + r * hn);
        hNext[b * H + j] = (1 - z) * n + z * h[b * H + j]!;
        cache[c + j] = r;
        cache[c + H + j] = z;
        cache[c + 2 * H + j] = n;
        cache[c + 3 * H + j] = hn;
      }
    }
  }

  function gruBackward(
    x: Vector, h: Vector, Wx: Vector, Wh: Vector, cache: Vector, dhNext: Vector, B: number, E: number, H: number,
    dx: Vector, dh: Vector | null, weights: { dWx: Vector; dWh: Vector; dbx: Vector; dbh: Vector } | null, dgx: Vector, dgh: Vector,
  ): void {
    const G = 3 * H;
    for (let b = 0; b < B; b++) {
      const g = b * G;
      const c = b * 4 * H;
      for (let j = 0; j < H; j++) {
        const r = cache[c + j]!;
        const z = cache[c + H + j]!;
        const n = cache[c + 2 * H + j]!;
        const hn = cache[c + 3 * H + j]!;
        const d = dhNext[b * H + j]!;
        const dnPre = d * (1 - z) * (1 - n * n);
        const dzPre = d * (h[b * H + j]! - n) * z * (1 - z);
        const drPre = dnPre * hn * r * (1 - r);
        dgx[g + j] = drPre;
        dgx[g + H + j] = dzPre;
        dgx[g + 2 * H + j] = dnPre;
        dgh[g + j] = drPre;
        dgh[g + H + j] = dzPre;
        dgh[g + 2 * H + j] = dnPre * r;
      }
    }
    if (weights) {
      matmul(x, dgx, weights.dWx, E, G, B, true, false, 1);
      matmul(h, dgh, weights.dWh, H, G, B, true, false, 1);
      biasBackward(dgx, weights.dbx, B, G);
      biasBackward(dgh, weights.dbh, B, G);
    }
    matmul(dgx, Wx, dx, B, E, G, false, true, 0);
    if (dh) {
      matmul(dgh, Wh, dh, B, H, G, false, true, 0);
      for (let b = 0; b < B; b++) {
        for (let j = 0; j < H; j++) dh[b * H + j]! += dhNext[b * H + j]! * cache[b * 4 * H + H + j]!;
      }
    }
  }

  function sampledSoftmax(scores: Vector, candidates: Int32Array, target: Int32Array, B: number, C: number, dScores: Vector): number {
    let loss = 0;
    for (let i = 0; i < B; i++) {
      const row = i * C;
      const t = target[i]!;
      const item = candidates[t]!;
      let max = Number.NEGATIVE_INFINITY;
      for (let c = 0; c < C; c++) if ((c === t || candidates[c] !== item) && scores[row + c]! > max) max = scores[row + c]!;
      let sum = 0;
      for (let c = 0; c < C; c++) {
        if (c !== t && candidates[c] === item) {
          dScores[row + c] = 0;
          continue;
        }
        const e = Math.exp(scores[row + c]! - max);
        dScores[row + c] = e;
        sum += e;
      }
      for (let c = 0; c < C; c++) dScores[row + c]! /= sum;
      loss -= Math.log(Math.max(dScores[row + t]!, 1e-30));
      dScores[row + t]! -= 1;
    }
    return loss;
  }

  function bprMax(scores: Vector, candidates: Int32Array, target: Int32Array, B: number, C: number, lambda: number, dScores: Vector): number {
    let loss = 0;
    for (let i = 0; i < B; i++) {
      const row = i * C;
      const t = target[i]!;
      const item = candidates[t]!;
      const positive = scores[row + t]!;
      const negative = (c: number) => c !== t && candidates[c] !== item;
      let max = Number.NEGATIVE_INFINITY;
      for (let c = 0; c < C; c++) if (negative(c) && scores[row + c]! > max) max = scores[row + c]!;
      if (max === Number.NEGATIVE_INFINITY) {
        for (let c = 0; c < C; c++) dScores[row + c] = 0;
        continue;
      }
      // s = softmax of the negatives (held in dScores for now), A = Σ s σ(r⁺ − r), Q = Σ s r².
      let sum = 0;
      for (let c = 0; c < C; c++) {
        const e = negative(c) ? Math.exp(scores[row + c]! - max) : 0;
        dScores[row + c] = e;
        sum += e;
      }
      let A = 0;
      let Q = 0;
      let dPositive = 0;
      for (let c = 0; c < C; c++) {
        if (!negative(c)) continue;
        const s = dScores[row + c]! / sum;
        const r = scores[row + c]!;
        const sig = sigmoid(positive - r);
        A += s * sig;
        Q += s * r * r;
        dPositive += s * sig * (1 - sig);
      }
      const safeA = Math.max(A, 1e-30);
      loss += -Math.log(safeA) + lambda * Q;
      for (let c = 0; c < C; c++) {
        if (!negative(c)) {
          dScores[row + c] = 0;
          continue;
        }
        const s = dScores[row + c]! / sum;
        const r = scores[row + c]!;
        const sig = sigmoid(positive - r);
        dScores[row + c] = -(s * (sig - A) - s * sig * (1 - sig)) / safeA + lambda * s * (r * r - Q + 2 * r);
      }
      dScores[row + t] = -dPositive / safeA;
    }
    return loss;
  }

  function sigmoidCrossEntropy(logits: Vector, labels: Vector, count: number, dLogits: Vector): number {
    let loss = 0;
    for (let i = 0; i < count; i++) {
      const x = logits[i]!;
      const y = labels[i]!;
      // log(1 + e^x) − y·x, without overflow.
      loss += Math.max(x, 0) - x * y + Math.log1p(Math.exp(-Math.abs(x)));
      dLogits[i] = sigmoid(x) - y;
    }
    return loss;
  }

  function layerNormForward(X: Vector, gamma: Vector, beta: Vector, m: number, n: number, epsilon: number, Y: Vector, xhat: Vector, invStd: Vector): void {
    for (let i = 0; i < m; i++) {
      const o = i * n;
      let mean = 0;
      for (let j = 0; j < n; j++) mean += X[o + j]!;
      mean /= n;
      let variance = 0;
      for (let j = 0; j < n; j++) variance += (X[o + j]! - mean) ** 2;
      const inv = 1 / Math.sqrt(variance / n + epsilon);
      invStd[i] = inv;
      for (let j = 0; j < n; j++) {
        const h = (X[o + j]! - mean) * inv;
        xhat[o + j] = h;
        Y[o + j] = gamma[j]! * h + beta[j]!;
      }
    }
  }

  function layerNormBackward(dY: Vector, gamma: Vector, xhat: Vector, invStd: Vector, m: number, n: number, dX: Vector, dGamma: Vector, dBeta: Vector): void {
    for (let i = 0; i < m; i++) {
      const o = i * n;
      let meanD = 0;
      let meanDX = 0;
      for (let j = 0; j < n; j++) {
        const d = dY[o + j]! * gamma[j]!;
        meanD += d;
        meanDX += d * xhat[o + j]!;
        dGamma[j]! += dY[o + j]! * xhat[o + j]!;
        dBeta[j]! += dY[o + j]!;
      }
      meanD /= n;
      meanDX /= n;
      const inv = invStd[i]!;
      for (let j = 0; j < n; j++) dX[o + j] = inv * (dY[o + j]! * gamma[j]! - meanD - xhat[o + j]! * meanDX);
    }
  }

  function attentionForward(X: Vector, Wq: Vector, Wk: Vector, Wv: Vector, T: number, D: number, heads: number, validFrom: number, Q: Vector, K: Vector, V: Vector, P: Vector, O: Vector): void {
    matmul(X, Wq, Q, T, D, D, false, false, 0);
    matmul(X, Wk, K, T, D, D, false, false, 0);
    matmul(X, Wv, V, T, D, D, false, false, 0);
    O.fill(0, 0, T * D);
    P.fill(0, 0, heads * T * T);
    const dh = D / heads;
    const scale = 1 / Math.sqrt(dh);
    for (let h = 0; h < heads; h++) {
      const c = h * dh;
      for (let i = validFrom; i < T; i++) {
        const row = (h * T + i) * T;
        let max = Number.NEGATIVE_INFINITY;
        for (let j = validFrom; j <= i; j++) {
          let s = 0;
          for (let d = 0; d < dh; d++) s += Q[i * D + c + d]! * K[j * D + c + d]!;
          P[row + j] = s * scale;
          if (P[row + j]! > max) max = P[row + j]!;
        }
        let sum = 0;
        for (let j = validFrom; j <= i; j++) sum += P[row + j] = Math.exp(P[row + j]! - max);
        for (let j = validFrom; j <= i; j++) {
          const p = (P[row + j]! /= sum);
          for (let d = 0; d < dh; d++) O[i * D + c + d]! += p * V[j * D + c + d]!;
        }
      }
    }
  }

  function attentionBackward(
    X: Vector, Wq: Vector, Wk: Vector, Wv: Vector, T: number, D: number, heads: number, validFrom: number, Q: Vector, K: Vector, V: Vector, P: Vector, dO: Vector,
    dX: Vector, dWq: Vector | null, dWk: Vector | null, dWv: Vector | null, dQ: Vector, dK: Vector, dV: Vector, dP: Vector,
  ): void {
    dQ.fill(0, 0, T * D);
    dK.fill(0, 0, T * D);
    dV.fill(0, 0, T * D);
    const dh = D / heads;
    const scale = 1 / Math.sqrt(dh);
    for (let h = 0; h < heads; h++) {
      const c = h * dh;
      for (let i = validFrom; i < T; i++) {
        const row = (h * T + i) * T;
        // dP = dO·Vᵀ, dV += Pᵀ·dO; then the softmax: dS = P ⊙ (dP − Σ P ⊙ dP).
        let dot = 0;
        for (let j = validFrom; j <= i; j++) {
          let s = 0;
          const p = P[row + j]!;
          for (let d = 0; d < dh; d++) {
            s += dO[i * D + c + d]! * V[j * D + c + d]!;
            dV[j * D + c + d]! += p * dO[i * D + c + d]!;
          }
          dP[j] = s;
          dot += p * s;
        }
        for (let j = validFrom; j <= i; j++) {
          const dS = P[row + j]! * (dP[j]! - dot) * scale;
          for (let d = 0; d < dh; d++) {
            dQ[i * D + c + d]! += dS * K[j * D + c + d]!;
            dK[j * D + c + d]! += dS * Q[i * D + c + d]!;
          }
        }
      }
    }
    if (dWq) matmul(X, dQ, dWq, D, D, T, true, false, 1);
    if (dWk) matmul(X, dK, dWk, D, D, T, true, false, 1);
    if (dWv) matmul(X, dV, dWv, D, D, T, true, false, 1);
    matmul(dQ, Wq, dX, T, D, D, false, true, 0);
    matmul(dK, Wk, dX, T, D, D, false, true, 1);
    matmul(dV, Wv, dX, T, D, D, false, true, 1);
  }

  function relu(X: Vector, length: number): void {
    for (let i = 0; i < length; i++) if (X[i]! < 0) X[i] = 0;
  }

  function reluBackward(Y: Vector, dY: Vector, length: number): void {
    for (let i = 0; i < length; i++) if (!(Y[i]! > 0)) dY[i] = 0;
  }

  function adam(param: Vector, grad: Vector, m: Vector, v: Vector, length: number, step: AdamStep): void {
    const { beta1, beta2, epsilon, weightDecay } = step;
    const lr = (step.learningRate * Math.sqrt(1 - beta2 ** step.step)) / (1 - beta1 ** step.step);
    for (let i = 0; i < length; i++) {
      const g = grad[i]!;
      const mi = (m[i] = beta1 * m[i]! + (1 - beta1) * g);
      const vi = (v[i] = beta2 * v[i]! + (1 - beta2) * g * g);
      param[i] = param[i]! * (1 - weightDecay) - (lr * mi) / (Math.sqrt(vi) + epsilon);
      grad[i] = 0;
    }
  }

  function adamRows(param: Vector, grad: Vector, m: Vector, v: Vector, rows: Int32Array, count: number, dim: number, step: AdamStep): void {
    const { beta1, beta2, epsilon, weightDecay } = step;
    const lr = (step.learningRate * Math.sqrt(1 - beta2 ** step.step)) / (1 - beta1 ** step.step);
    for (let r = 0; r < count; r++) {
      const o = rows[r]! * dim;
      for (let d = o; d < o + dim; d++) {
        const g = grad[d]!;
        const mi = (m[d] = beta1 * m[d]! + (1 - beta1) * g);
        const vi = (v[d] = beta2 * v[d]! + (1 - beta2) * g * g);
        param[d] = param[d]! * (1 - weightDecay) - (lr * mi) / (Math.sqrt(vi) + epsilon);
        grad[d] = 0;
      }
    }
  }

  function drawIndex(cumulative: Float64Array, u: number): number {
    const target = u * cumulative[cumulative.length - 1]!;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! > target) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  function squaredNorm(X: Vector, length: number): number {
    let s = 0;
    for (let i = 0; i < length; i++) s += X[i]! * X[i]!;
    return s;
  }

  return { matmul, addBias, biasBackward, gather, scatterAdd, gruForward, gruBackward, sampledSoftmax, bprMax, sigmoidCrossEntropy, layerNormForward, layerNormBackward, attentionForward, attentionBackward, relu, reluBackward, adam, adamRows, squaredNorm, drawIndex };
}
