// @ts-check
// worker_threads entry of encoder-worker.ts: loads the thread's TypeScript through tsx.
// Under `tsx` and `node --import tsx` the worker inherits the parent's loader and this is a
// harmless second registration; under vitest (whose transform does not reach worker threads)
// it is what makes the encoder's .ts sources load, so every host runs the same code.
import { register } from 'tsx/esm/api';

register();
await import(new URL('./encoder-worker-thread.ts', import.meta.url).href);
