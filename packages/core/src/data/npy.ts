import { open, readFile } from 'node:fs/promises';
import { MyContentError } from '../errors/error';

/** A dense row-major float32 matrix (e.g. article embeddings, one row per article). */
export interface EmbeddingMatrix {
  rows: number;
  dim: number;
  /** `rows * dim` values, row-major. */
  data: Float32Array<ArrayBuffer>;
}

/** Row `i` of a matrix, as a view (no copy). */
export function matrixRow(matrix: EmbeddingMatrix, i: number): Float32Array<ArrayBuffer> {
  return matrix.data.subarray(i * matrix.dim, (i + 1) * matrix.dim);
}

const MAGIC = '\x93NUMPY';

function fail(path: string, why: string): never {
  throw new MyContentError('FORMAT', `${path}: not a float32 2-D .npy file: ${why}`, { source: 'npy', field: 'path', value: path });
}

/**
 * Reads a NumPy `.npy` file holding a 2-D little-endian float32 (`<f4`) C-order matrix, such as
 * the Globo.com `articles_embeddings` matrix saved with `numpy.save`. Float64 (`<f8`) matrices are
 * converted to float32.
 */
export async function readNpyMatrix(path: string): Promise<EmbeddingMatrix> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (cause) {
    throw new MyContentError('NOT_FOUND', `cannot read ${path}`, { source: 'npy', field: 'path', value: path, cause });
  }
  if (bytes.length < 10 || bytes.toString('latin1', 0, 6) !== MAGIC) fail(path, 'bad magic');
  const major = bytes[6]!;
  const headerLength = major === 1 ? bytes.readUInt16LE(8) : bytes.readUInt32LE(8);
  const headerStart = major === 1 ? 10 : 12;
  const header = bytes.toString('latin1', headerStart, headerStart + headerLength);
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || !fortran || shape === undefined) fail(path, 'unreadable header');
  if (fortran === 'True') fail(path, 'Fortran order is not supported');
  const dims = shape
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map(Number);
  if (dims.length !== 2 || dims.some((d) => !Number.isInteger(d) || d < 0)) fail(path, `shape (${shape}) is not 2-D`);
  const [rows, dim] = dims as [number, number];
  const offset = headerStart + headerLength;
  const count = rows * dim;
  if (descr === '<f4') {
    if (bytes.length - offset < count * 4) fail(path, `truncated: ${rows}x${dim} needs ${count * 4} bytes of data`);
    const data = new Float32Array(count);
    data.set(new Float32Array(bytes.buffer.slice(bytes.byteOffset + offset, bytes.byteOffset + offset + count * 4)));
    return { rows, dim, data };
  }
  if (descr === '<f8') {
    if (bytes.length - offset < count * 8) fail(path, 'truncated');
    const source = new Float64Array(bytes.buffer.slice(bytes.byteOffset + offset, bytes.byteOffset + offset + count * 8));
    return { rows, dim, data: Float32Array.from(source) };
  }
  return fail(path, `dtype ${descr} is not supported (expected <f4 or <f8)`);
}

/** Writes a float32 matrix as a NumPy `.npy` (version 1.0) file. */
export async function writeNpyMatrix(path: string, matrix: EmbeddingMatrix): Promise<void> {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${matrix.rows}, ${matrix.dim}), }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const head = Buffer.alloc(10 + header.length);
  head.write(MAGIC, 0, 'latin1');
  head[6] = 1;
  head[7] = 0;
  head.writeUInt16LE(header.length, 8);
  head.write(header, 10, 'latin1');
  const file = await open(path, 'w');
  try {
    await file.write(head);
    const data = matrix.data.subarray(0, matrix.rows * matrix.dim);
    const chunk = 1 << 24;
    for (let start = 0; start < data.byteLength; start += chunk) {
      await file.write(new Uint8Array(data.buffer, data.byteOffset + start, Math.min(chunk, data.byteLength - start)));
    }
  } finally {
    await file.close();
  }
}

