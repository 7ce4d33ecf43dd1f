/**
 * The fixture of tests that start the built CLI on data folders of their own: a temp folder
 * holding `links.json` with one active link (the folders go inside it), removed after the file's
 * tests. Made when the test file loads, so `root` and `links` are plain constants.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { assertBuilt } from './child-service.js';

export function oneLinkFolder(prefix: string, trackingId: string): { root: string; links: string } {
  const root = mkdtempSync(join(tmpdir(), prefix));
  const links = join(root, 'links.json');
  writeFileSync(links, JSON.stringify([{ tracking_id: trackingId, original_url: 'https://example.com/', is_active: true }]));
  beforeAll(assertBuilt);
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  return { root, links };
}
