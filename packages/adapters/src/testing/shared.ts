/** Options common to every conformance suite. */
export interface ConformanceOptions {
  /**
   * Skip the suite: `true`, or a reason printed in the test name (for example when a server is
   * not reachable locally). Under `CI=true` a skipped suite should be a failure: see
   * `requireServer` in the adapter docs.
   */
  skip?: boolean | string;
}

/** Ids that break naive adapters: quotes, separators, unicode, protocol characters, length. */
export const ODD_IDS = [
  "o'brien",
  'semi;colon DROP TABLE users;--',
  'with "quotes" and \\backslash',
  'ünïcødé-日本語-🚀',
  'redis\r\n*1\r\n$8\r\nFLUSHALL\r\n',
  '{hash}:tag:with:colons',
  'x'.repeat(500),
];

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function suiteTitle(port: string, name: string, skip: ConformanceOptions['skip']): string {
  return typeof skip === 'string' ? `${port} conformance: ${name} (skipped: ${skip})` : `${port} conformance: ${name}`;
}
