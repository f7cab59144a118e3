/**
 * The embedder port: turns item text into dense vectors, for items that arrive without an
 * embedding. The built-in `createHashingEmbedder()` (`@mycontent/algorithms`) needs no downloaded
 * weights; a host can plug in a transformer model or a hosted embedding API through the same port.
 */
export interface Embedder {
  readonly name: string;
  /** Length of every vector it returns. */
  readonly dimension: number;
  /** One vector per text, in order. */
  embed(texts: readonly string[]): Promise<Float32Array[]>;
}
