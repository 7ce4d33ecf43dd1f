#!/usr/bin/env node
// Entry point for running the reference main system as a process; see cli.ts for flags.
import { register } from 'node:module';

register('./ts-hooks.mjs', import.meta.url);
await import('./cli.ts');
