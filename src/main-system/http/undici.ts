/** undici, loaded when the first HTTP client to the main system is made (lib/lazy-require.ts says why). */
import type * as Undici from 'undici';
import { lazyRequire } from '../../lib/lazy-require.js';

export const undici = lazyRequire<typeof Undici>('undici');
