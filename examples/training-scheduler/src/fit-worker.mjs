// The module each fit runs on, in a worker thread of its own, with the same factories as the
// pipeline's. This example runs from its TypeScript sources under tsx, whose loader a worker
// thread does not inherit on Node 20: the thread registers it before it loads them. (A built
// application points the pipeline at its compiled module instead.)
import { register } from 'tsx/esm/api';

register();
const { runFitWorker } = await import('@mycontent/core/eval');
const { MODELS } = await import('./models.ts');

runFitWorker(MODELS);
