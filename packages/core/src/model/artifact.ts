import { crc32 } from 'node:zlib';
import { MyContentError } from '../errors/error';

/** Typed arrays an artifact can carry. */
export type ArtifactArray = Float32Array | Float64Array | Int32Array | Uint32Array | Uint8Array;

/**
 * A trained model's state: a JSON part and named typed arrays.
 * `kind` and `formatVersion` tell which model can read it.
 */
export interface ModelArtifact {
  kind: string;
  /** Version of the model's own state layout. */
  formatVersion: number;
  /** JSON state: hyper-parameters, clocks, item ids... */
  state: Record<string, unknown>;
  arrays: Record<string, ArtifactArray>;
}

const MAGIC = 0x414d434d; // "MCMA" little-endian
const CONTAINER_VERSION = 1;
const DTYPES = { f32: Float32Array, f64: Float64Array, i32: Int32Array, u32: Uint32Array, u8: Uint8Array } as const;
type DType = keyof typeof DTYPES;

function dtypeOf(array: ArtifactArray): DType {
  if (array instanceof Float32Array) return 'f32';
  if (array instanceof Float64Array) return 'f64';
  if (array instanceof Int32Array) return 'i32';
  if (array instanceof Uint32Array) return 'u32';
  return 'u8';
}

const align8 = (n: number): number => (n + 7) & ~7;

/**
 * Encodes an artifact to bytes. Layout (little-endian), documented in docs/guides/write-a-model.md:
 * `u32 magic "MCMA" | u32 container version (1) | u32 header length | u32 CRC-32 of everything after
 * this field | header JSON (UTF-8) | padding to 8 | each array's bytes, each padded to 8`.
 * The header holds `kind`, `formatVersion`, `state` and each array's name, dtype, offset and length.
 * Decoding gives back bit-identical arrays.
 */
export function encodeModelArtifact(artifact: ModelArtifact): Uint8Array {
  let offset = 0;
  const layout = Object.entries(artifact.arrays).map(([name, array]) => {
    const entry = { name, dtype: dtypeOf(array), offset, length: array.length };
    offset = align8(offset + array.byteLength);
    return entry;
  });
  const header = new TextEncoder().encode(
    JSON.stringify({ kind: artifact.kind, formatVersion: artifact.formatVersion, state: artifact.state, arrays: layout }),
  );
  const bodyStart = align8(16 + header.length);
  const bytes = new Uint8Array(bodyStart + offset);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, CONTAINER_VERSION, true);
  view.setUint32(8, header.length, true);
  bytes.set(header, 16);
  Object.values(artifact.arrays).forEach((array, i) => {
    bytes.set(new Uint8Array(array.buffer, array.byteOffset, array.byteLength), bodyStart + layout[i]!.offset);
  });
  view.setUint32(12, crc32(bytes.subarray(16)), true);
  return bytes;
}

/** Decodes bytes produced by {@link encodeModelArtifact}; a corrupted or foreign file throws `FORMAT`. */
export function decodeModelArtifact(bytes: Uint8Array): ModelArtifact {
  const fail = (why: string): never => {
    throw new MyContentError('FORMAT', `not a valid model artifact: ${why}`, { source: 'artifact' });
  };
  if (bytes.length < 16) fail(`${bytes.length} bytes is too short`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== MAGIC) fail('bad magic number');
  const version = view.getUint32(4, true);
  if (version !== CONTAINER_VERSION) fail(`container version ${version} is not supported (expected ${CONTAINER_VERSION})`);
  const headerLength = view.getUint32(8, true);
  if (16 + headerLength > bytes.length) fail('truncated header');
  if (crc32(bytes.subarray(16)) !== view.getUint32(12, true)) fail('checksum mismatch (the file is corrupted or truncated)');
  let header: { kind: string; formatVersion: number; state: Record<string, unknown>; arrays: { name: string; dtype: DType; offset: number; length: number }[] };
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(16, 16 + headerLength)));
  } catch (cause) {
    throw new MyContentError('FORMAT', 'not a valid model artifact: unreadable header', { source: 'artifact', cause });
  }
  const bodyStart = align8(16 + headerLength);
  const arrays: Record<string, ArtifactArray> = {};
  for (const entry of header.arrays) {
    const Ctor = DTYPES[entry.dtype];
    if (!Ctor) fail(`unknown dtype ${entry.dtype}`);
    const byteLength = entry.length * Ctor.BYTES_PER_ELEMENT;
    const start = bodyStart + entry.offset;
    if (start + byteLength > bytes.length) fail(`array ${entry.name} is truncated`);
    // Copy so the arrays are aligned and independent of the input buffer.
    const copy = new Uint8Array(byteLength);
    copy.set(bytes.subarray(start, start + byteLength));
    arrays[entry.name] = new Ctor(copy.buffer);
  }
  return { kind: header.kind, formatVersion: header.formatVersion, state: header.state, arrays };
}

/**
 * The JSON header of an encoded artifact (kind, format, state, array layout) as text, without
 * reading its arrays: enough to tell whether an artifact names an id. Throws `FORMAT` on bytes that
 * are not an artifact.
 */
export function artifactHeaderText(bytes: Uint8Array): string {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 16 || view.getUint32(0, true) !== MAGIC) {
    throw new MyContentError('FORMAT', 'not a valid model artifact: bad magic number', { source: 'artifact' });
  }
  const headerLength = view.getUint32(8, true);
  if (16 + headerLength > bytes.length) throw new MyContentError('FORMAT', 'not a valid model artifact: truncated header', { source: 'artifact' });
  return new TextDecoder().decode(bytes.subarray(16, 16 + headerLength));
}

/** Throws `FORMAT` unless the artifact is of `kind` and at most `formatVersion`. */
export function assertArtifactKind(artifact: ModelArtifact, kind: string, formatVersion: number): void {
  if (artifact.kind !== kind) {
    throw new MyContentError('FORMAT', `artifact of kind "${artifact.kind}" cannot be restored into a "${kind}" model`, {
      source: kind,
      field: 'kind',
      value: artifact.kind,
    });
  }
  if (artifact.formatVersion > formatVersion) {
    throw new MyContentError(
      'FORMAT',
      `artifact format ${artifact.formatVersion} is newer than this version of "${kind}" reads (${formatVersion})`,
      { source: kind, field: 'formatVersion', value: artifact.formatVersion },
    );
  }
}
