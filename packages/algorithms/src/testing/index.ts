/**
 * @mycontent/algorithms/testing — the conformance suite every model passes (vitest), for the
 * models we ship and for yours.
 *
 * @packageDocumentation
 * @module @mycontent/algorithms/testing
 */
export { describeModelConformance } from './models';
export type { ModelConformanceOptions } from './models';
