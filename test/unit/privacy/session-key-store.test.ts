import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SessionKeyStore } from '../../../src/keys/session-key-store.js';

let dir: string;
let now: Date;
const clock = { now: () => now };
const keyFile = () => join(dir, 'session-keys');
const onDisk = () => JSON.parse(readFileSync(keyFile(), 'utf8')) as Record<string, string>;
const mode = () => statSync(keyFile()).mode & 0o777;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'clickrelay-keys-'));
  now = new Date('2024-05-01T10:00:00Z');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('SessionKeyStore', () => {
  it('creates a random 32-byte key for a new day in a 0600 file', () => {
    const store = SessionKeyStore.open(dir, clock);
    const key = store.keyFor('2024-05-01');
    expect(key).toHaveLength(32);
    expect(onDisk()).toEqual({ '2024-05-01': key.toString('hex') });
    expect(mode()).toBe(0o600);
    expect(readdirSync(dir)).toEqual(['session-keys']); // no temp file left behind
  });

  it('gives the same key within a day, across restarts', () => {
    const key = SessionKeyStore.open(dir, clock).keyFor('2024-05-01');
    expect(SessionKeyStore.open(dir, clock).keyFor('2024-05-01').equals(key)).toBe(true);
  });

  it('gives an unrelated key to the next day and keeps yesterday for late clicks', () => {
    const store = SessionKeyStore.open(dir, clock);
    const first = store.keyFor('2024-05-01');
    now = new Date('2024-05-02T00:00:01Z');
    const second = store.keyFor('2024-05-02');
    expect(second.equals(first)).toBe(false);
    expect(store.keyFor('2024-05-01').equals(first)).toBe(true);
    expect(store.listKeyDays()).toEqual(['2024-05-01', '2024-05-02']);
  });

  it('deletes keys 48 h past the start of their day when the day rotates', () => {
    const store = SessionKeyStore.open(dir, clock);
    store.keyFor('2024-05-01');
    now = new Date('2024-05-02T09:00:00Z');
    store.keyFor('2024-05-02');
    now = new Date('2024-05-03T00:00:00Z');
    store.keyFor('2024-05-03');
    expect(store.listKeyDays()).toEqual(['2024-05-02', '2024-05-03']);
    expect(Object.keys(onDisk())).toEqual(['2024-05-02', '2024-05-03']);
    expect(mode()).toBe(0o600);
  });

  it('does not keep or reuse a key for a day already past 48 h', () => {
    now = new Date('2024-05-05T00:00:00Z');
    const store = SessionKeyStore.open(dir, clock);
    const a = store.keyFor('2024-05-01');
    const b = store.keyFor('2024-05-01');
    expect(a.equals(b)).toBe(false);
    expect(store.listKeyDays()).toEqual([]);
  });

  it('purges expired keys at open and on purgeExpired, for a service that saw no clicks', () => {
    SessionKeyStore.open(dir, clock).keyFor('2024-05-01');
    now = new Date('2024-05-03T01:00:00Z');
    expect(SessionKeyStore.oldestKeyAgeHours(dir, now)).toBe(49);
    const store = SessionKeyStore.open(dir, clock);
    expect(store.listKeyDays()).toEqual([]);
    expect(onDisk()).toEqual({});
    expect(SessionKeyStore.oldestKeyAgeHours(dir, now)).toBeNull();

    store.keyFor('2024-05-03');
    now = new Date('2024-05-05T00:00:00Z');
    store.purgeExpired();
    expect(store.listKeyDays()).toEqual([]);
  });

  it('tightens a key file with loose permissions to 0600 at open', () => {
    writeFileSync(keyFile(), JSON.stringify({ '2024-05-01': 'ab'.repeat(32) }), { mode: 0o644 });
    const store = SessionKeyStore.open(dir, clock);
    expect(mode()).toBe(0o600);
    expect(store.keyFor('2024-05-01').toString('hex')).toBe('ab'.repeat(32));
    expect(store.recovered).toBeNull();
  });

  it('starts over from a corrupt file and says so', () => {
    writeFileSync(keyFile(), '{"2024-05-01": "ab', { mode: 0o600 });
    const store = SessionKeyStore.open(dir, clock);
    expect(store.recovered).toMatch(/not valid JSON/);
    expect(store.keyFor('2024-05-01')).toHaveLength(32);
    expect(Object.keys(onDisk())).toEqual(['2024-05-01']);
  });

  it('drops malformed entries and says so', () => {
    writeFileSync(keyFile(), JSON.stringify({ '2024-05-01': 'short', nonsense: 'ab'.repeat(32) }));
    const store = SessionKeyStore.open(dir, clock);
    expect(store.recovered).toMatch(/invalid entry/);
    expect(store.listKeyDays()).toEqual([]);
  });

  it('reports the oldest key age for the audit', () => {
    const store = SessionKeyStore.open(dir, clock);
    store.keyFor('2024-05-01');
    now = new Date('2024-05-02T06:00:00Z');
    store.keyFor('2024-05-02');
    expect(SessionKeyStore.oldestKeyAgeHours(dir, now)).toBe(30);
    expect(SessionKeyStore.oldestKeyAgeHours(join(dir, 'missing'), now)).toBeNull();
  });

  it('refuses a day that is not YYYY-MM-DD', () => {
    const store = SessionKeyStore.open(dir, clock);
    expect(() => store.keyFor('2024-5-1')).toThrow(RangeError);
    expect(() => store.keyFor('2024-13-45')).toThrow(RangeError);
  });
});
