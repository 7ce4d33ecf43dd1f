// `node --import ./test/support/ref-main-system/register.mjs some.ts`: run TypeScript
// from this repo in a child process (tests, demos). See ts-hooks.mjs.
import { register } from 'node:module';

register('./ts-hooks.mjs', import.meta.url);
