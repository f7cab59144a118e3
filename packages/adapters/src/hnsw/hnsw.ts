import { readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import {
  MyContentError,
  type Progress,
  type VectorIndex,
  type VectorMatch,
  type VectorMetric,
  type VectorSearchOptions,
} from '@mycontent/core';
import { TopK, createBreather, createKernelPool } from '@mycontent/core/internal';
import type { HierarchicalNSW } from 'hnswlib-node';
import { checkK, checkVector } from '../memory/vector-index';

/** Name of the HNSW vector index adapter. */
export const HNSW_VECTOR_INDEX_NAME = 'hnsw-vector-index';
const SOURCE = HNSW_VECTOR_INDEX_NAME;
const FORMAT_VERSION = 1;

/** Options of {@link createHnswVectorIndex}. */
export interface HnswVectorIndexOptions {
  dimension: number;
  /** @default 'cosine' */
  metric?: VectorMetric;
  /** Graph degree M. @default 16 */
  m?: number;
  /** Candidate list size while building. @default 200 */
  efConstruction?: number;
  /** Candidate list size while searching (raised to k when smaller). @default 64 */
  efSearch?: number;
  /** Initial capacity; the index grows as needed. @default 1024 */
  capacity?: number;
  /** Seed of the level generator. @default 100 */
  seed?: number;
}

/** Options of {@link HnswVectorIndex.build}. */
export interface HnswBuildOptions {
  onProgress?: (progress: Progress) => void;
}

/** An HNSW index with bulk build, persistence and tuning on top of the port. */
export interface HnswVectorIndex extends VectorIndex {
  /**
   * Replaces the content with `ids` and their vectors (row-major, `ids.length × dimension`),
   * building the graph in a worker thread so the event loop stays free; progress is reported as
   * points are inserted. The current index keeps answering until the new one is swapped in.
   */
  build(ids: readonly string[], vectors: Float32Array, options?: HnswBuildOptions): Promise<void>;
  /** Writes the index to `path` (plus `path.json` and `path.vectors`), atomically. */
  save(path: string): Promise<void>;
  /** Loads an index written by `save`. A missing, foreign or corrupted file throws and leaves the index as it was. */
  load(path: string): Promise<void>;
  /** Changes efSearch (recall/speed trade-off). */
  setEfSearch(ef: number): void;
}

const SPACE: Record<VectorMetric, 'ip' | 'l2'> = { cosine: 'ip', 'inner-product': 'ip', l2: 'l2' };

let hnswlib: typeof import('hnswlib-node') | undefined;
let hnswlibPath: string | undefined;
function loadHnswlib(): typeof import('hnswlib-node') {
  if (!hnswlib) {
    try {
      const require = createRequire(import.meta.url);
      hnswlibPath = require.resolve('hnswlib-node');
      hnswlib = require(hnswlibPath) as typeof import('hnswlib-node');
    } catch (cause) {
      throw new MyContentError('UNSUPPORTED', 'the HNSW adapter needs the optional peer dependency hnswlib-node (npm install hnswlib-node)', { source: SOURCE, cause });
    }
  }
  return hnswlib;
}

interface BuildTask {
  modulePath: string;
  /** Capacity of the built graph (count plus headroom, so the first inserts do not resize it). */
  capacity: number;
  space: 'ip' | 'l2';
  dimension: number;
  count: number;
  m: number;
  efConstruction: number;
  seed: number;
  vectors: SharedArrayBuffer;
  out: string;
}

/** Builds an index in a worker thread and writes it to `task.out`. Self-contained (runs as source text). */
function buildKernel(task: BuildTask, report: (progress: unknown) => void): number {
  const { HierarchicalNSW: Index } = require(task.modulePath);
  const index = new Index(task.space, task.dimension);
  index.initIndex({ maxElements: Math.max(1, task.capacity), m: task.m, efConstruction: task.efConstruction, randomSeed: task.seed });
  const data = new Float32Array(task.vectors);
  const point = new Array(task.dimension);
  const step = Math.max(1, Math.floor(task.count / 100));
  for (let i = 0; i < task.count; i++) {
    const o = i * task.dimension;
    for (let d = 0; d < task.dimension; d++) point[d] = data[o + d];
    index.addPoint(point, i);
    if (i % step === 0) report({ phase: 'inserting', done: i, total: task.count });
  }
  index.writeIndexSync(task.out);
  return task.count;
}

interface Sidecar {
  format: number;
  dimension: number;
  metric: VectorMetric;
  m: number;
  efConstruction: number;
  /** Id of each label, null for deleted labels. */
  labels: (string | null)[];
  capacity: number;
  indexBytes: number;
  indexCrc32: number;
}

/**
 * An approximate nearest-neighbour index on `hnswlib-node` (HNSW graphs). Bulk builds run in a
 * worker thread; single upserts go straight into the graph (about a millisecond each), deletes
 * are marks. Filtered search estimates the filter's selectivity on a sample of labels: a very
 * selective filter (under 2 % of the items, or 20 × k) scans the matching vectors exactly; others
 * search the graph for matching labels, falling back to the exact scan if fewer than k come back —
 * so it returns k results whenever k items match, fast either way. Vectors are also kept in a `Float32Array`
 * (for that fallback, `get` and saving).
 *
 * @example
 * ```ts
 * import { createHnswVectorIndex } from '@mycontent/adapters/hnsw';
 * const index = createHnswVectorIndex({ dimension: 250, m: 16, efConstruction: 200, efSearch: 64 });
 * await index.build(ids, matrix, { onProgress: (p) => console.log(p.done / p.total) });
 * await index.search(query, 10, { filter: (id) => categoryOf(id) === 'sport' });
 * ```
 */
export function createHnswVectorIndex(options: HnswVectorIndexOptions): HnswVectorIndex {
  const dim = options.dimension;
  const metric = options.metric ?? 'cosine';
  const m = options.m ?? 16;
  const efConstruction = options.efConstruction ?? 200;
  let efSearch = options.efSearch ?? 64;
  const seed = options.seed ?? 100;
  const check = (ok: boolean, field: string, value: unknown, why: string) => {
    if (!ok) throw new MyContentError('INVALID_CONFIG', `${field} ${why}, got ${JSON.stringify(value)}`, { source: SOURCE, field, value });
  };
  check(Number.isInteger(dim) && dim >= 1, 'dimension', dim, 'must be a positive integer');
  check(metric in SPACE, 'metric', metric, "must be 'cosine', 'inner-product' or 'l2'");
  check(Number.isInteger(m) && m >= 2 && m <= 200, 'm', m, 'must be an integer in 2..200');
  check(Number.isInteger(efConstruction) && efConstruction >= 1, 'efConstruction', efConstruction, 'must be a positive integer');
  check(Number.isInteger(efSearch) && efSearch >= 1, 'efSearch', efSearch, 'must be a positive integer');
  const lib = loadHnswlib();
  const space = SPACE[metric];

  let capacity = Math.max(16, options.capacity ?? 1024);
  let graph: HierarchicalNSW = new lib.HierarchicalNSW(space, dim);
  graph.initIndex({ maxElements: capacity, m, efConstruction, randomSeed: seed });
  let vectors: Float32Array = new Float32Array(capacity * dim);
  let idOf: (string | null)[] = []; // by label
  let labelOf = new Map<string, number>();

  const toScore = (distance: number) => (metric === 'l2' ? -Math.sqrt(Math.max(0, distance)) : 1 - distance);

  function ensureCapacity(needed: number) {
    if (needed <= capacity) return;
    let next = capacity;
    while (next < needed) next *= 2;
    graph.resizeIndex(next);
    const grown = new Float32Array(next * dim);
    grown.set(vectors);
    vectors = grown;
    capacity = next;
  }

  const heap = new TopK(16);
  function exactScan(q: Float32Array, k: number, filter?: (id: string) => boolean): VectorMatch[] {
    heap.reset(k);
    for (let label = 0; label < idOf.length; label++) {
      const id = idOf[label];
      if (id === null || id === undefined || (filter && !filter(id))) continue;
      const o = label * dim;
      let s = 0;
      if (metric === 'l2') for (let d = 0; d < dim; d++) s -= (vectors[o + d]! - q[d]!) ** 2;
      else for (let d = 0; d < dim; d++) s += vectors[o + d]! * q[d]!;
      heap.push(label, s);
    }
    const { items, scores } = heap.drain();
    return Array.from(items, (label, i) => ({ id: idOf[label]!, score: metric === 'l2' ? -Math.sqrt(-scores[i]!) : scores[i]! }));
  }

  /** Matching items estimated from up to 512 evenly spaced labels. */
  function estimatedMatches(filter: (id: string) => boolean): number {
    const step = Math.max(1, Math.floor(idOf.length / 512));
    let seen = 0;
    let pass = 0;
    for (let label = 0; label < idOf.length; label += step) {
      const id = idOf[label];
      if (id === null || id === undefined) continue;
      seen++;
      if (filter(id)) pass++;
    }
    return seen === 0 ? 0 : (pass / seen) * labelOf.size;
  }

  function searchOne(q: Float32Array, k: number, searchOptions: VectorSearchOptions): VectorMatch[] {
    const alive = labelOf.size;
    if (alive === 0) return [];
    const want = Math.min(k, alive);
    const filter = searchOptions.filter;
    const labelFilter = filter ? (label: number) => { const id = idOf[label]; return id !== null && id !== undefined && filter(id); } : undefined;
    if (filter && estimatedMatches(filter) < Math.max(want * 20, alive * 0.02)) {
      // A very selective filter: the graph walk would visit most nodes to find k matches.
      return exactScan(q, want, filter);
    }
    graph.setEf(Math.min(Math.max(efSearch, want), capacity));
    const result = graph.searchKnn(Array.from(q), Math.min(want, capacity), labelFilter);
    if (result.neighbors.length >= want || !filter) {
      return result.neighbors.map((label, i) => ({ id: idOf[label]!, score: toScore(result.distances[i]!) }));
    }
    // A selective filter starved the graph search (a larger ef would walk most of the graph):
    // scan the matching vectors exactly instead.
    return exactScan(q, want, filter);
  }

  const index: HnswVectorIndex = {
    name: SOURCE,
    dimension: dim,
    metric,
    capabilities: { approximate: true, persistent: true },
    async upsert(ids, input) {
      if (ids.length !== input.length) {
        throw new MyContentError('INVALID_INPUT', `${ids.length} ids but ${input.length} vectors`, { source: SOURCE, field: 'vectors', value: input.length });
      }
      const checked = input.map((v, i) => checkVector(v, dim, metric, `vectors[${i}]`, SOURCE));
      let fresh = 0;
      for (const id of ids) if (!labelOf.has(id)) fresh++;
      ensureCapacity(idOf.length + fresh);
      for (let i = 0; i < ids.length; i++) {
        const id = ids[i]!;
        let label = labelOf.get(id);
        if (label === undefined) {
          label = idOf.length;
          idOf.push(id);
          labelOf.set(id, label);
        }
        vectors.set(checked[i]!, label * dim);
        graph.addPoint(Array.from(checked[i]!), label);
      }
    },
    async remove(ids) {
      for (const id of ids) {
        const label = labelOf.get(id);
        if (label === undefined) continue;
        graph.markDelete(label);
        labelOf.delete(id);
        idOf[label] = null;
      }
    },
    async search(query, k, searchOptions = {}) {
      checkK(k, SOURCE);
      return searchOne(checkVector(query, dim, metric, 'query', SOURCE), k, searchOptions);
    },
    async searchBatch(queries, k, searchOptions = {}) {
      checkK(k, SOURCE);
      const checked = queries.map((q, i) => checkVector(q, dim, metric, `queries[${i}]`, SOURCE));
      return checked.map((q) => searchOne(q, k, searchOptions));
    },
    get(id) {
      const label = labelOf.get(id);
      return label === undefined ? undefined : vectors.slice(label * dim, (label + 1) * dim);
    },
    size: () => labelOf.size,
    setEfSearch(ef) {
      check(Number.isInteger(ef) && ef >= 1, 'efSearch', ef, 'must be a positive integer');
      efSearch = ef;
    },
    async build(ids, matrix, buildOptions = {}) {
      if (matrix.length !== ids.length * dim) {
        throw new MyContentError('INVALID_INPUT', `vectors hold ${matrix.length} values, ${ids.length} ids × ${dim} need ${ids.length * dim}`, { source: SOURCE, field: 'vectors', value: matrix.length });
      }
      const nextCapacity = Math.ceil(ids.length * 1.25) + 1024;
      const shared = new Float32Array(new SharedArrayBuffer(nextCapacity * dim * 4));
      const breathe = createBreather(); // large inputs take a while: let the host run
      // One pass: validate each vector, check ids are unique, and build the label map.
      const nextIdOf: (string | null)[] = new Array(ids.length);
      const nextLabelOf = new Map<string, number>();
      for (let i = 0; i < ids.length; i++) {
        const id = ids[i]!;
        if (nextLabelOf.has(id)) throw new MyContentError('INVALID_INPUT', `ids must be unique: ${JSON.stringify(id)} appears twice`, { source: SOURCE, field: `ids[${i}]`, value: id });
        nextLabelOf.set(id, i);
        nextIdOf[i] = id;
        shared.set(checkVector(matrix.subarray(i * dim, (i + 1) * dim), dim, metric, `vectors[${i}]`, SOURCE), i * dim);
        if ((i & 1023) === 0) await breathe();
      }
      const out = join(tmpdir(), `mycontent-hnsw-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}.bin`);
      const pool = createKernelPool(buildKernel, { workers: 1, name: SOURCE });
      try {
        await pool.run(
          { modulePath: hnswlibPath!, capacity: nextCapacity, space, dimension: dim, count: ids.length, m, efConstruction, seed, vectors: shared.buffer as SharedArrayBuffer, out },
          (p) => buildOptions.onProgress?.(p as Progress),
        );
        const next = new lib.HierarchicalNSW(space, dim);
        await next.readIndex(out);
        graph = next;
        capacity = nextCapacity;
        vectors = shared;
        idOf = nextIdOf;
        labelOf = nextLabelOf;
        buildOptions.onProgress?.({ phase: 'inserting', done: ids.length, total: ids.length });
      } finally {
        await pool.close();
        await rm(out, { force: true });
      }
    },
    async save(path) {
      const tmp = `${path}.${process.pid}.tmp`;
      await graph.writeIndex(tmp);
      const bytes = await readFile(tmp);
      const sidecar: Sidecar = {
        format: FORMAT_VERSION,
        dimension: dim,
        metric,
        m,
        efConstruction,
        labels: idOf,
        capacity,
        indexBytes: bytes.length,
        indexCrc32: crc32(bytes),
      };
      await writeFile(`${tmp}.vectors`, new Uint8Array(vectors.buffer, 0, idOf.length * dim * 4));
      await writeFile(`${tmp}.json`, JSON.stringify(sidecar));
      await rename(tmp, path);
      await rename(`${tmp}.vectors`, `${path}.vectors`);
      await rename(`${tmp}.json`, `${path}.json`);
    },
    async load(path) {
      const fail = (why: string, cause?: unknown): never => {
        throw new MyContentError('FORMAT', `cannot load HNSW index ${path}: ${why}`, { source: SOURCE, field: 'path', value: path, cause });
      };
      let sidecar: Sidecar;
      try {
        sidecar = JSON.parse(await readFile(`${path}.json`, 'utf8'));
      } catch (cause) {
        const missing = !(await stat(path).catch(() => undefined));
        if (missing) throw new MyContentError('NOT_FOUND', `no HNSW index at ${path}`, { source: SOURCE, field: 'path', value: path, cause });
        return fail('its .json sidecar is missing or unreadable', cause);
      }
      if (sidecar.format !== FORMAT_VERSION) fail(`format ${sidecar.format} is not supported`);
      if (sidecar.dimension !== dim) fail(`it has dimension ${sidecar.dimension}, this index ${dim}`);
      if (sidecar.metric !== metric) fail(`it uses metric ${sidecar.metric}, this index ${metric}`);
      const bytes = await readFile(path).catch((cause) => fail('the index file is missing', cause));
      // Never hand a damaged file to the native reader: check size and checksum first.
      if (bytes.length !== sidecar.indexBytes || crc32(bytes) !== sidecar.indexCrc32) fail('checksum mismatch (the file is corrupted or truncated)');
      const raw = await readFile(`${path}.vectors`).catch((cause) => fail('the .vectors file is missing', cause));
      if (raw.length !== sidecar.labels.length * dim * 4) fail('the .vectors file has the wrong size');
      const next = new lib.HierarchicalNSW(space, dim);
      try {
        await next.readIndex(path, false);
      } catch (cause) {
        fail('the native reader refused it', cause);
      }
      const nextCapacity = Math.max(next.getMaxElements(), sidecar.capacity, sidecar.labels.length, 1);
      if (next.getMaxElements() < nextCapacity) next.resizeIndex(nextCapacity);
      const nextVectors = new Float32Array(nextCapacity * dim);
      nextVectors.set(new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.length)));
      graph = next;
      capacity = nextCapacity;
      vectors = nextVectors;
      idOf = sidecar.labels;
      labelOf = new Map();
      idOf.forEach((id, label) => {
        if (id !== null) labelOf.set(id, label);
      });
    },
  };
  return index;
}
