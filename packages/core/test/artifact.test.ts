import { describe, expect, it } from 'vitest';
import { assertArtifactKind, decodeModelArtifact, encodeModelArtifact, isMyContentError } from '@mycontent/core';

const artifact = {
  kind: 'demo',
  formatVersion: 2,
  state: { ids: ['a', 'b'], alpha: 0.5, nested: { ok: true } },
  arrays: {
    f32: Float32Array.from([1.5, -0, Number.NaN, 3.4028234663852886e38]),
    f64: Float64Array.from([Math.PI, -1e-300]),
    i32: Int32Array.from([-1, 2 ** 31 - 1]),
    u8: Uint8Array.from([0, 255, 7]),
    u32: Uint32Array.from([2 ** 32 - 1]),
  },
};

describe('model artifacts', () => {
  it('round-trip bit for bit, every dtype', () => {
    const decoded = decodeModelArtifact(encodeModelArtifact(artifact));
    expect(decoded.kind).toBe('demo');
    expect(decoded.formatVersion).toBe(2);
    expect(decoded.state).toEqual(artifact.state);
    for (const [name, array] of Object.entries(artifact.arrays)) {
      const got = decoded.arrays[name]!;
      expect(got.constructor).toBe(array.constructor);
      expect(Buffer.from(got.buffer, got.byteOffset, got.byteLength).equals(Buffer.from(array.buffer, array.byteOffset, array.byteLength))).toBe(true);
    }
  });

  it('detects corruption, truncation and foreign files', () => {
    const bytes = encodeModelArtifact(artifact);
    const flipped = bytes.slice();
    flipped[bytes.length - 3]! ^= 0x10;
    for (const bad of [flipped, bytes.slice(0, bytes.length - 8), Uint8Array.from([1, 2, 3]), new TextEncoder().encode('{"kind":"json"}xxxxxxxxxxxx')]) {
      expect(() => decodeModelArtifact(bad)).toThrow(expect.objectContaining({ code: 'FORMAT' }));
    }
  });

  it('refuses another kind or a newer format', () => {
    expect(() => assertArtifactKind(artifact, 'other', 2)).toThrow(/kind "demo" cannot be restored into a "other"/);
    try {
      assertArtifactKind(artifact, 'demo', 1);
      expect.unreachable();
    } catch (e) {
      expect(isMyContentError(e, 'FORMAT') && e.field).toBe('formatVersion');
    }
  });
});
